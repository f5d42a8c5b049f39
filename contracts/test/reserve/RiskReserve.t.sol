// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.24;

import {LendingTestBase} from "../utils/LendingTestBase.sol";
import {MockERC20} from "../utils/MockERC20.sol";
import {IRiskReserve} from "../../src/reserve/IRiskReserve.sol";
import {RiskReserve} from "../../src/reserve/RiskReserve.sol";
import {IGoverned} from "../../src/shared/IGoverned.sol";

contract RiskReserveTest is LendingTestBase {
    function test_deposit_tracksBalanceAndEmits() public {
        usdc.mint(lender, 1_000e6);
        vm.expectEmit(address(reserve));
        emit IRiskReserve.Deposited(lender, 1_000e6, 1_000e6);
        vm.prank(lender);
        reserve.deposit(1_000e6);
        assertEq(reserve.balance(), 1_000e6);
        assertEq(usdc.balanceOf(address(reserve)), 1_000e6);
    }

    function test_deposit_revertsWhenZero() public {
        vm.expectRevert(IRiskReserve.ZeroAmount.selector);
        reserve.deposit(0);
    }

    function test_skim_booksDirectTransfers() public {
        _fundReserve(100e6);
        usdc.mint(address(reserve), 50e6);
        assertEq(reserve.balance(), 100e6);
        vm.expectEmit(address(reserve));
        emit IRiskReserve.Skimmed(50e6, 150e6);
        assertEq(reserve.skim(), 50e6);
        assertEq(reserve.balance(), usdc.balanceOf(address(reserve)));
        vm.expectRevert(IRiskReserve.ZeroAmount.selector);
        reserve.skim();
    }

    function test_coverShortfall_paysOnlyTheLiquidator() public {
        _fundReserve(100e6);
        vm.expectRevert(abi.encodeWithSelector(IRiskReserve.NotLiquidator.selector, address(this)));
        reserve.coverShortfall(10e6);
        vm.prank(gov);
        vm.expectRevert(abi.encodeWithSelector(IRiskReserve.NotLiquidator.selector, gov));
        reserve.coverShortfall(10e6);
    }

    function test_coverShortfall_paysWhatTheBalanceAllows() public {
        _fundReserve(100e6);
        vm.prank(address(liquidator));
        assertEq(reserve.coverShortfall(30e6), 30e6);
        assertEq(usdc.balanceOf(address(liquidator)), 30e6);
        vm.expectEmit(address(reserve));
        emit IRiskReserve.ShortfallPaid(address(liquidator), 500e6, 70e6, 0);
        vm.prank(address(liquidator));
        assertEq(reserve.coverShortfall(500e6), 70e6);
        assertEq(reserve.balance(), 0);
        vm.prank(address(liquidator));
        assertEq(reserve.coverShortfall(1e6), 0);
    }

    function test_coverageRatio_isBalanceOverOutstandingDebt() public {
        assertEq(reserve.coverageRatio(), type(uint256).max);
        _openPosition(borrower, weth, 10e18, 10_000e6);
        _fundReserve(5_000e6);
        assertEq(reserve.outstandingDebt(), 10_000e6);
        assertEq(reserve.coverageRatio(), 0.5e18);
        vm.warp(block.timestamp + 30 days);
        assertGt(reserve.outstandingDebt(), 10_000e6); // interest to now
        assertLt(reserve.coverageRatio(), 0.5e18);
    }

    function test_outstandingDebt_includesDebtInAuctions() public {
        _openPosition(borrower, weth, 10e18, 16_000e6);
        _setPrice(address(weth), 1700e8);
        liquidator.kick(borrower, address(weth));
        assertEq(reserve.outstandingDebt(), 16_000e6);
    }

    function test_setLiquidator_isGoverned() public {
        vm.expectRevert(abi.encodeWithSelector(IGoverned.NotGovernance.selector, address(this)));
        reserve.setLiquidator(address(this));
        vm.expectEmit(address(reserve));
        emit IRiskReserve.LiquidatorSet(address(this));
        vm.prank(gov);
        reserve.setLiquidator(address(this));
        assertEq(reserve.liquidator(), address(this));
    }

    function test_constructor_revertsWhenAssetIsNotTheLoanAsset() public {
        MockERC20 other = new MockERC20("X", "X", 6);
        vm.expectRevert(IRiskReserve.AssetMismatch.selector);
        new RiskReserve(other, pool, gov);
    }

    function testFuzz_reserve_accountingEqualsTokenBalance(uint96[6] memory amounts, bool[6] memory draws) public {
        for (uint256 i; i < amounts.length; ++i) {
            uint256 a = uint256(amounts[i]) % 1e15 + 1;
            if (draws[i]) {
                vm.prank(address(liquidator));
                reserve.coverShortfall(a);
            } else {
                _fundReserve(a);
            }
            assertEq(reserve.balance(), usdc.balanceOf(address(reserve)));
        }
    }
}
