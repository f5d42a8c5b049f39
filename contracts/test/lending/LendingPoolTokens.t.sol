// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.24;

import {Test} from "forge-std/Test.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {MisbehavingERC20} from "../utils/MisbehavingERC20.sol";
import {MockERC20} from "../utils/MockERC20.sol";
import {AllowlistQualification} from "../utils/AllowlistQualification.sol";
import {DevnetPriceFeed} from "../../src/oracle/DevnetPriceFeed.sol";
import {PriceOracle} from "../../src/oracle/PriceOracle.sol";
import {IPriceOracle} from "../../src/oracle/IPriceOracle.sol";
import {LendingPool} from "../../src/lending/LendingPool.sol";
import {ILendingPool} from "../../src/lending/ILendingPool.sol";
import {RateParams} from "../../src/lending/InterestRateModel.sol";
import {IQualification, Service} from "../../src/compliance/IQualification.sol";

/// @notice The pool with a misbehaving loan asset: USDT-style tokens work, tokens that fail or re-enter never
///         leave the pool inconsistent.
contract LendingPoolTokensTest is Test {
    address internal gov = makeAddr("governance");
    address internal lender = makeAddr("lender");
    address internal borrower = makeAddr("borrower");
    MisbehavingERC20 internal loan;
    MockERC20 internal weth;
    PriceOracle internal oracle;
    AllowlistQualification internal allowlist;
    LendingPool internal pool;

    function setUp() public {
        vm.warp(1_700_000_000);
        loan = new MisbehavingERC20("Tether-ish", "USDX", 6);
        weth = new MockERC20("WETH", "WETH", 18);
        oracle = new PriceOracle(gov);
        DevnetPriceFeed loanFeed = new DevnetPriceFeed("USDX / USD", gov, gov, 1e8);
        DevnetPriceFeed wethFeed = new DevnetPriceFeed("ETH / USD", gov, gov, 2000e8);
        allowlist = new AllowlistQualification(Service.LEND);
        vm.startPrank(gov);
        oracle.setFeed(address(loan), loanFeed, 1 days, 5_000);
        oracle.setFeed(address(weth), wethFeed, 1 days, 5_000);
        pool = new LendingPool(
            IERC20(address(loan)),
            IPriceOracle(address(oracle)),
            IQualification(address(allowlist)),
            gov,
            RateParams(0, 400, 6_000, 8_000)
        );
        pool.setCollateral(address(weth), 1.1e18, 0.8e18, true);
        vm.stopPrank();
        allowlist.set(lender, true);
        allowlist.set(borrower, true);
        loan.mint(lender, 1_000_000e6);
        weth.mint(borrower, 10e18);
        vm.prank(lender);
        loan.approve(address(pool), type(uint256).max);
        vm.startPrank(borrower);
        weth.approve(address(pool), type(uint256).max);
        loan.approve(address(pool), type(uint256).max);
        vm.stopPrank();
    }

    function test_supply_worksWithTokenReturningNothing() public {
        loan.setMode(MisbehavingERC20.Mode.NoReturnValue);
        vm.prank(lender);
        pool.supply(1_000e6);
        vm.prank(lender);
        pool.withdraw(400e6, 0);
        assertEq(loan.balanceOf(address(pool)), 600e6);
    }

    function test_supply_revertsWhenTokenReturnsFalse() public {
        loan.setMode(MisbehavingERC20.Mode.ReturnFalse);
        vm.prank(lender);
        vm.expectRevert(abi.encodeWithSelector(SafeERC20.SafeERC20FailedOperation.selector, address(loan)));
        pool.supply(1_000e6);
        assertEq(pool.market().totalSupplyAssets, 0);
        assertEq(pool.supplyShares(lender), 0);
    }

    function test_borrow_revertsWithNoStateChangeWhenTokenReverts() public {
        vm.prank(lender);
        pool.supply(100_000e6);
        vm.prank(borrower);
        pool.supplyCollateral(address(weth), 10e18, borrower);
        loan.setMode(MisbehavingERC20.Mode.Revert);
        vm.prank(borrower);
        vm.expectRevert(MisbehavingERC20.TransferBlocked.selector);
        pool.borrow(address(weth), 1_000e6);
        assertEq(pool.market().totalBorrowAssets, 0);
        assertEq(pool.position(borrower, address(weth)).borrowShares, 0);
    }

    /// A token hook re-entering `withdraw` during a supply's pull sees the shares already minted; the pool
    /// stays solvent because the outer pull still has to succeed.
    function test_supply_reentrantWithdrawLeavesPoolConsistent() public {
        vm.prank(lender);
        pool.supply(10_000e6);
        loan.setMode(MisbehavingERC20.Mode.Reenter);
        // the hook runs as the token; make the token itself a qualified lender trying to withdraw
        allowlist.set(address(loan), true);
        loan.setReentry(address(pool), abi.encodeCall(ILendingPool.withdraw, (1, 0)));
        vm.prank(lender);
        pool.supply(1_000e6);
        assertTrue(loan.reentered());
        assertFalse(loan.reentrySucceeded()); // the token holds no shares: InsufficientShares
        ILendingPool.Market memory m = pool.market();
        assertEq(m.totalSupplyAssets, 11_000e6);
        assertEq(loan.balanceOf(address(pool)), 11_000e6);
    }

    /// Re-entering `borrow` from the borrower's own repay pull cannot borrow beyond the limit.
    function test_repay_reentrantBorrowStillChecksTheLimit() public {
        vm.prank(lender);
        pool.supply(100_000e6);
        vm.startPrank(borrower);
        pool.supplyCollateral(address(weth), 10e18, borrower);
        pool.borrow(address(weth), 16_000e6);
        vm.stopPrank();
        loan.setMode(MisbehavingERC20.Mode.Reenter);
        allowlist.set(address(loan), true);
        loan.setReentry(address(pool), abi.encodeCall(ILendingPool.borrow, (address(weth), 1e6)));
        vm.prank(borrower);
        pool.repay(address(weth), 1_000e6, 0, borrower);
        assertTrue(loan.reentered());
        assertFalse(loan.reentrySucceeded()); // the token has no collateral position
        assertEq(pool.debtOf(borrower, address(weth)), 15_000e6);
    }
}
