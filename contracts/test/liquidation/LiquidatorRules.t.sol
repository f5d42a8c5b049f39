// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.24;

import {LendingTestBase} from "../utils/LendingTestBase.sol";
import {ILiquidator} from "../../src/liquidation/ILiquidator.sol";
import {LotId} from "../../src/liquidation/LotId.sol";
import {IGoverned} from "../../src/shared/IGoverned.sol";

/// @notice Who may take, what a take must be worth, where the makers' rebate comes from, the exact auction
///         boundaries, and governed settings other than the defaults.
contract LiquidatorRulesTest is LendingTestBase {
    address internal executor = makeAddr("executor");

    /// @dev 10 WETH against 16,000 USDC, then WETH at 1,700: liquidatable; the lot starts at 1,870 a WETH.
    function _lot() internal returns (LotId id) {
        _openPosition(borrower, weth, 10e18, 16_000e6);
        _setPrice(address(weth), 1700e8);
        vm.prank(taker);
        id = liquidator.kick(borrower, address(weth));
    }

    function _takeAs(address who, LotId id, uint256 maxCollateral) internal returns (uint256 out, uint256 paid) {
        usdc.mint(who, 100_000e6);
        vm.prank(who);
        usdc.approve(address(liquidator), type(uint256).max);
        vm.prank(who);
        (out, paid) = liquidator.take(id, maxCollateral, type(uint256).max, who, "");
    }

    // ------------------------------------------------------------------ takers

    function test_take_revertsForAnAccountNeitherRegisteredNorQualified() public {
        LotId id = _lot();
        usdc.mint(outsider, 10_000e6);
        vm.prank(outsider);
        vm.expectRevert(abi.encodeWithSelector(ILiquidator.NotTaker.selector, outsider));
        liquidator.take(id, 1e18, type(uint256).max, outsider, "");
        assertEq(liquidator.lot(id).collateral, 10e18);
    }

    function test_take_registeredExecutorOrMakerNeedsNoQualification() public {
        LotId id = _lot();
        vm.expectEmit(address(liquidator));
        emit ILiquidator.ExecutorSet(executor, true);
        vm.prank(gov);
        liquidator.setExecutor(executor, true);
        assertTrue(liquidator.isExecutor(executor));
        assertFalse(liquidator.isMaker(executor));
        (uint256 out,) = _takeAs(executor, id, 1e18);
        assertEq(out, 1e18);

        address unqualifiedMaker = makeAddr("unqualifiedMaker");
        vm.prank(gov);
        liquidator.setMaker(unqualifiedMaker, true);
        (out,) = _takeAs(unqualifiedMaker, id, 1e18);
        assertEq(out, 1e18);

        // a qualified account takes too
        (out,) = _takeAs(taker, id, 1e18);
        assertEq(out, 1e18);

        // deregistered: refused again; both roles are independent bits
        vm.startPrank(gov);
        liquidator.setMaker(executor, true);
        liquidator.setExecutor(executor, false);
        assertTrue(liquidator.isMaker(executor));
        liquidator.setMaker(executor, false);
        vm.stopPrank();
        vm.prank(executor);
        vm.expectRevert(abi.encodeWithSelector(ILiquidator.NotTaker.selector, executor));
        liquidator.take(id, 1e18, type(uint256).max, executor, "");
    }

    function test_takerRegistry_onlyGovernanceAndNoZeroAddress() public {
        vm.startPrank(outsider);
        vm.expectRevert(abi.encodeWithSelector(IGoverned.NotGovernance.selector, outsider));
        liquidator.setExecutor(outsider, true);
        vm.expectRevert(abi.encodeWithSelector(IGoverned.NotGovernance.selector, outsider));
        liquidator.setMinTake(0);
        vm.stopPrank();
        vm.prank(gov);
        vm.expectRevert(IGoverned.ZeroAddress.selector);
        liquidator.setExecutor(address(0), true);
    }

    // ------------------------------------------------------------------ minimum take

    function test_minTake_defaultsToOneWholeLoanUnit() public view {
        assertEq(liquidator.minTake(), 1e6);
    }

    function test_setMinTake_takesAnyRoundFigureAndRefusesOthers() public {
        vm.startPrank(gov);
        liquidator.setMinTake(100e6);
        assertEq(liquidator.minTake(), 100e6);
        liquidator.setMinTake(65_535);
        assertEq(liquidator.minTake(), 65_535);
        liquidator.setMinTake(1_234_500e18);
        assertEq(liquidator.minTake(), 1_234_500e18);
        liquidator.setMinTake(0);
        assertEq(liquidator.minTake(), 0);
        vm.expectRevert(ILiquidator.InvalidParams.selector);
        liquidator.setMinTake(65_537);
        vm.expectRevert(ILiquidator.InvalidParams.selector);
        liquidator.setMinTake(type(uint256).max);
        vm.stopPrank();
        assertEq(liquidator.minTake(), 0);
    }

    function test_take_dustCannotHoldTheMakersWindowShut() public {
        LotId id = _lot();
        for (uint256 i; i < 18; ++i) {
            vm.warp(block.timestamp + 10);
            _refreshFeeds();
            (,,, bool needsReset,) = liquidator.status(id);
            if (needsReset) liquidator.reset(id);
            // 1 gwei of WETH is worth well under one USDC
            vm.prank(taker);
            vm.expectPartialRevert(ILiquidator.TakeTooSmall.selector);
            liquidator.take(id, 1e9, type(uint256).max, taker, "");
        }
        (,,,, bool makerRebate) = liquidator.status(id);
        assertTrue(makerRebate); // 180 s without a (real) take
        assertEq(liquidator.lot(id).lastTake, START);
    }

    function test_take_revertsBelowTheMinimumExactlyAtItPasses() public {
        LotId id = _lot();
        vm.prank(gov);
        liquidator.setMinTake(1_870e6);
        usdc.mint(taker, 10_000e6);
        vm.prank(taker);
        vm.expectRevert(abi.encodeWithSelector(ILiquidator.TakeTooSmall.selector, 1_869_999_999, 1_870e6));
        liquidator.take(id, 1e18 - 1e9, type(uint256).max, taker, "");
        vm.prank(taker);
        (, uint256 paid) = liquidator.take(id, 1e18, type(uint256).max, taker, "");
        assertEq(paid, 1_870e6);
        assertEq(liquidator.lot(id).lastTake, block.timestamp);
    }

    function test_take_theLastTakeOfALotMayBeSmallerThanTheMinimum() public {
        LotId id = _lot();
        vm.expectEmit(address(liquidator));
        emit ILiquidator.MinTakeSet(1_000_000e6);
        vm.prank(gov);
        liquidator.setMinTake(1_000_000e6); // more than the whole lot
        usdc.mint(taker, 100_000e6);
        vm.prank(taker);
        vm.expectRevert(abi.encodeWithSelector(ILiquidator.TakeTooSmall.selector, 1_870e6, 1_000_000e6));
        liquidator.take(id, 1e18, type(uint256).max, taker, "");
        vm.prank(taker);
        (, uint256 paid) = liquidator.take(id, type(uint256).max, type(uint256).max, taker, "");
        assertEq(paid, 16_800e6); // the whole tab
        assertEq(liquidator.lot(id).collateral, 0);
    }

    // ------------------------------------------------------------------ makers' rebate

    function test_makerRebate_neverComesOutOfTheReserve() public {
        _fundReserve(20_000e6);
        _openPosition(borrower, weth, 10e18, 16_000e6);
        _setPrice(address(weth), 1000e8); // 10 WETH worth 10,000 against 16,000 of debt: underwater
        vm.prank(taker);
        LotId id = liquidator.kick(borrower, address(weth));
        vm.warp(block.timestamp + 180);
        _refreshFeeds();
        liquidator.reset(id);
        (,,,, bool makerRebate) = liquidator.status(id);
        assertTrue(makerRebate);
        (uint256 out, uint256 paid) = _takeAs(maker, id, type(uint256).max);
        assertEq(out, 10e18);
        assertEq(paid, 11_000e6); // all of it at 110%: the fee is never raised, so there is no rebate
        assertEq(reserve.balance(), 20_000e6 - (16_000e6 - 11_000e6));
        assertEq(pool.market().auctionDebt, 0);
    }

    function test_makerRebate_isCappedByTheFeeWhenTheFeeIsBelowIt() public {
        vm.startPrank(gov);
        liquidator.setLiquidationFee(20, 5_000); // 0.2% fee, below the 0.5% rebate
        vm.stopPrank();
        LotId id = _lot();
        vm.warp(block.timestamp + 180);
        _refreshFeeds();
        liquidator.reset(id);
        (, uint256 paid) = _takeAs(maker, id, type(uint256).max);
        assertEq(paid, 16_000e6); // the debt in full, the 32 of fee all rebated
        assertEq(pool.liquidationFees(), 0);
        assertEq(pool.market().auctionDebt, 0);
    }

    function test_makerRebate_customTermsApply() public {
        vm.prank(gov);
        liquidator.setMakerTerms(60, 100); // 1% after one minute
        LotId id = _lot();
        vm.warp(block.timestamp + 59);
        _refreshFeeds();
        (,,,, bool makerRebate) = liquidator.status(id);
        assertFalse(makerRebate);
        vm.warp(block.timestamp + 1);
        (,,,, makerRebate) = liquidator.status(id);
        assertTrue(makerRebate);
        liquidator.reset(id); // six steps of x0.95 left it below the floor; the makers' window stays open
        (,,,, makerRebate) = liquidator.status(id);
        assertTrue(makerRebate);
        (, uint256 paid) = _takeAs(maker, id, type(uint256).max);
        assertEq(paid, 16_800e6 - 168e6); // 1% of the tab off the 800 fee
        assertEq(pool.liquidationFees(), 800e6 - 168e6);
    }

    // ------------------------------------------------------------------ fee split

    function _collectFullFee() internal {
        LotId id = _lot();
        _takeAs(taker, id, type(uint256).max);
        assertEq(pool.liquidationFees(), 800e6);
    }

    function test_distributeFees_followsAGovernedSplitOtherThanHalf() public {
        vm.prank(gov);
        liquidator.setLiquidationFee(500, 3_000); // 30% to the reserve
        _collectFullFee();
        liquidator.distributeFees();
        assertEq(reserve.balance(), 240e6);
        assertEq(usdc.balanceOf(feeRecipient), 560e6);
        assertEq(pool.liquidationFees(), 0);
    }

    function test_distributeFees_allToTheReserveOrNoneOfIt() public {
        vm.prank(gov);
        liquidator.setLiquidationFee(500, 10_000);
        _collectFullFee();
        liquidator.distributeFees();
        assertEq(reserve.balance(), 800e6);
        assertEq(usdc.balanceOf(feeRecipient), 0);

        vm.prank(gov);
        liquidator.setLiquidationFee(500, 0);
        _openPosition(borrower2, weth, 10e18, 13_000e6);
        _setPrice(address(weth), 1400e8); // 10 WETH worth 14,000 < 13,000 x 110%: liquidatable
        vm.prank(taker);
        LotId id = liquidator.kick(borrower2, address(weth));
        _takeAs(taker, id, type(uint256).max);
        liquidator.distributeFees();
        assertEq(reserve.balance(), 800e6);
        assertEq(usdc.balanceOf(feeRecipient), 650e6);
    }

    // ------------------------------------------------------------------ exact boundaries

    function test_take_atExactlyTheFloorSucceedsOneStepBelowReverts() public {
        // start at 100% of the valuation, x0.9 a step, floor 90%: one step lands exactly on the floor
        vm.prank(gov);
        liquidator.setAuctionCurve(10_000, 10, 9_000, 9_000, 900);
        LotId id = _lot();
        vm.warp(block.timestamp + 10);
        _refreshFeeds();
        (, uint256 price, uint256 valuation, bool needsReset,) = liquidator.status(id);
        assertEq(price * 10_000, valuation * 9_000);
        assertFalse(needsReset);
        vm.expectRevert(abi.encodeWithSelector(ILiquidator.LotNotResettable.selector, id, price, valuation));
        liquidator.reset(id);
        (, uint256 paid) = _takeAs(taker, id, 1e18);
        assertEq(paid, 1_530e6);

        vm.warp(block.timestamp + 10);
        _refreshFeeds();
        vm.prank(taker);
        vm.expectRevert(abi.encodeWithSelector(ILiquidator.LotNeedsReset.selector, id, 1.377e27, 1.7e27));
        liquidator.take(id, 1e18, type(uint256).max, taker, "");
    }

    function test_take_atExactlyTheLastSecondOfTheTailSucceedsOneLaterReverts() public {
        vm.prank(gov);
        liquidator.setAuctionCurve(11_000, 10, 9_500, 9_000, 20);
        LotId id = _lot();
        vm.warp(block.timestamp + 20);
        _refreshFeeds();
        (,,, bool needsReset,) = liquidator.status(id);
        assertFalse(needsReset);
        vm.expectPartialRevert(ILiquidator.LotNotResettable.selector);
        liquidator.reset(id);
        (uint256 out,) = _takeAs(taker, id, 1e18);
        assertEq(out, 1e18);

        vm.warp(block.timestamp + 1);
        vm.prank(taker);
        vm.expectRevert(abi.encodeWithSelector(ILiquidator.LotExpired.selector, id));
        liquidator.take(id, 1e18, type(uint256).max, taker, "");
        (,,, needsReset,) = liquidator.status(id);
        assertTrue(needsReset);
        liquidator.reset(id);
    }
}
