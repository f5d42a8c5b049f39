// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.24;

import {LendingTestBase} from "../utils/LendingTestBase.sol";
import {ILendingPool} from "../../src/lending/ILendingPool.sol";
import {IPriceOracle} from "../../src/oracle/IPriceOracle.sol";
import {LotId} from "../../src/liquidation/LotId.sol";

/// @notice The oracle's two views where the pool and the liquidator read them: a one-round move beyond the
///         guard (50% here) never freezes liquidation, and a one-round spike cannot be borrowed against.
contract PriceOracleGuardLendingTest is LendingTestBase {
    address internal guardian = makeAddr("guardian");

    function setUp() public override {
        super.setUp();
        vm.prank(gov);
        oracle.setGuardian(guardian);
    }

    /// @dev Pushes a feed round without anyone accepting it (what a real feed does).
    function _pushOnly(address asset, int256 usd8) internal returns (uint80 round) {
        vm.prank(pusher);
        round = (asset == address(usdc) ? usdcFeed : asset == address(weth) ? wethFeed : wbtcFeed).updateAnswer(usd8);
    }

    function _lendersWhole() internal view returns (bool) {
        ILendingPool.Market memory m = pool.market();
        uint256 held = usdc.balanceOf(address(pool)) - pool.liquidationFees();
        return m.totalSupplyAssets <= held + m.totalBorrowAssets + m.auctionDebt;
    }

    // ------------------------------------------------------------------ risk-adding actions

    function test_borrow_oneRoundUpwardSpikeOfCollateralCannotBeBorrowedAgainst() public {
        _openPosition(borrower, weth, 10e18, 10_000e6); // limit 10 * 2,000 * 80% = 16,000
        _pushOnly(address(weth), 6000e8); // +200% in one round
        // borrowing is not frozen: up to the limit at the last accepted price
        _borrow(borrower, weth, 6_000e6);
        // and not one unit beyond it, though the spike would allow 48,000
        vm.prank(borrower);
        vm.expectRevert(abi.encodeWithSelector(ILendingPool.ExceedsBorrowLimit.selector, 16_000e18 + 1e12, 16_000e18));
        pool.borrow(address(weth), 1);
        // once the guardian confirms the move it counts
        (uint80 round,,,,) = wethFeed.latestRoundData();
        vm.prank(guardian);
        oracle.confirmMove(address(weth), round);
        _borrow(borrower, weth, 1_000e6);
    }

    function test_borrow_oneRoundDownwardSpikeOfTheDebtAssetCannotBeBorrowedAgainst() public {
        _openPosition(borrower, weth, 10e18, 10_000e6);
        _pushOnly(address(usdc), 0.4e8); // USDC "at 0.40": the same collateral would cover 2.5x the debt
        _borrow(borrower, weth, 6_000e6);
        vm.prank(borrower);
        vm.expectRevert(abi.encodeWithSelector(ILendingPool.ExceedsBorrowLimit.selector, 16_000e18 + 1e12, 16_000e18));
        pool.borrow(address(weth), 1);
    }

    function test_withdrawCollateral_upwardSpikeCannotFreeCollateral() public {
        _openPosition(borrower, weth, 10e18, 16_000e6); // at the limit
        _pushOnly(address(weth), 6000e8);
        vm.prank(borrower);
        vm.expectRevert(abi.encodeWithSelector(ILendingPool.ExceedsBorrowLimit.selector, 16_000e18, 14_400e18));
        pool.withdrawCollateral(address(weth), 1e18);
    }

    function test_borrow_pausedWhileTheGuardianRejectsTheRound_repayStillWorks() public {
        _openPosition(borrower, weth, 10e18, 10_000e6);
        uint80 round = _pushOnly(address(weth), 800e8);
        vm.prank(guardian);
        oracle.rejectMove(address(weth), round);
        vm.prank(borrower);
        vm.expectRevert(abi.encodeWithSelector(IPriceOracle.PriceMoveRejected.selector, address(weth), round));
        pool.borrow(address(weth), 1e6);
        usdc.mint(borrower, 1_000e6);
        vm.prank(borrower);
        pool.repay(address(weth), 1_000e6, 0, borrower);
        // the rejected round is not liquidated on: at the last accepted 2,000 the position is healthy
        (,, bool liquidatable) = pool.health(borrower, address(weth));
        assertFalse(liquidatable);
        vm.expectRevert(abi.encodeWithSelector(ILendingPool.PositionHealthy.selector, borrower, address(weth)));
        liquidator.kick(borrower, address(weth));
    }

    // ------------------------------------------------------------------ liquidation

    function test_oneRoundCrash_isLiquidatedAtOnceWithoutBadDebt() public {
        _openPosition(borrower, weth, 10e18, 16_000e6);
        _fundReserve(100_000e6);
        _pushOnly(address(weth), 800e8); // -60% in one round, nobody accepts it
        // the monitor's view answers (it reverted before) and says liquidatable
        (uint256 collateralValue, uint256 debtValue, bool liquidatable) = pool.health(borrower, address(weth));
        assertTrue(liquidatable);
        assertEq(collateralValue, 8_000e18);
        assertEq(debtValue, 16_000e18);
        vm.prank(taker);
        LotId id = liquidator.kick(borrower, address(weth));
        assertEq(liquidator.lot(id).startPrice, 0.88e27); // 110% of 800 USDC per WETH
        usdc.mint(taker, 20_000e6);
        vm.prank(taker);
        liquidator.take(id, type(uint256).max, type(uint256).max, taker, "");
        assertEq(liquidator.lot(id).collateral, 0);
        assertTrue(_lendersWhole());
        assertEq(liquidator.pendingShortfall(), 0);
    }

    function test_upwardSpike_cannotRescueAnUnhealthyPosition() public {
        _openPosition(borrower, weth, 10e18, 16_000e6);
        _setPrice(address(weth), 1700e8); // accepted: 17,000 < 17,600, liquidatable
        _pushOnly(address(weth), 3000e8); // a one-round spike
        (,, bool liquidatable) = pool.health(borrower, address(weth));
        assertTrue(liquidatable);
        vm.prank(taker);
        liquidator.kick(borrower, address(weth));
    }

    function test_downwardSpikeOfTheDebtAsset_cannotRescueAnUnhealthyPosition() public {
        _openPosition(borrower, weth, 10e18, 16_000e6);
        _setPrice(address(weth), 1700e8);
        _pushOnly(address(usdc), 0.4e8);
        (, uint256 debtValue, bool liquidatable) = pool.health(borrower, address(weth));
        assertTrue(liquidatable);
        assertEq(debtValue, 16_000e18);
        vm.prank(taker);
        liquidator.kick(borrower, address(weth));
    }

    function test_take_pricesTheLotOnTheLiquidationViewWhileTheCrashIsPending() public {
        _openPosition(borrower, weth, 10e18, 16_000e6);
        _setPrice(address(weth), 1700e8);
        vm.prank(taker);
        LotId id = liquidator.kick(borrower, address(weth)); // starts at 110% of 1,700
        _pushOnly(address(weth), 800e8); // then the crash, in one round
        // a lot started at 110% of 1,700 stands above the new valuation: no reset needed, only time
        (bool active,, uint256 valuation, bool needsReset,) = liquidator.status(id);
        assertTrue(active);
        assertEq(valuation, 0.8e27);
        assertFalse(needsReset);
        // the auction steps down to the new market and is taken there (before, every take reverted)
        vm.warp(block.timestamp + 160); // 1,870 * 0.95^16 = 822.6, within 110% of 800
        usdc.mint(taker, 20_000e6);
        vm.prank(taker);
        (uint256 out,) = liquidator.take(id, type(uint256).max, type(uint256).max, taker, "");
        assertGt(out, 0);
    }
}
