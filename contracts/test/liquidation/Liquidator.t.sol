// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.24;

import {LendingTestBase} from "../utils/LendingTestBase.sol";
import {MisbehavingERC20} from "../utils/MisbehavingERC20.sol";
import {FlashTaker, ReentrantTaker} from "./Takers.sol";
import {ILiquidator} from "../../src/liquidation/ILiquidator.sol";
import {Liquidator} from "../../src/liquidation/Liquidator.sol";
import {LotId, LotIdLib} from "../../src/liquidation/LotId.sol";
import {ILendingPool} from "../../src/lending/ILendingPool.sol";
import {IRiskReserve} from "../../src/reserve/IRiskReserve.sol";
import {RiskReserve} from "../../src/reserve/RiskReserve.sol";
import {DevnetPriceFeed} from "../../src/oracle/DevnetPriceFeed.sol";
import {IPriceOracle} from "../../src/oracle/IPriceOracle.sol";
import {IGoverned} from "../../src/shared/IGoverned.sol";

contract LiquidatorTest is LendingTestBase {
    uint256 internal constant VALUATION_1700 = 1.7e27; // 1,700 USDC per WETH in the auction price unit
    uint256 internal constant START_1700 = 1.87e27; // 110%

    /// @dev 10 WETH against 16,000 USDC (80% LTV at 2,000), then WETH at 1,700: 17,000 < 17,600 -> liquidatable.
    function _unhealthyPosition() internal {
        _openPosition(borrower, weth, 10e18, 16_000e6);
        _setPrice(address(weth), 1700e8);
    }

    function _kick() internal returns (LotId id) {
        vm.prank(taker);
        id = liquidator.kick(borrower, address(weth));
    }

    function _lendersWhole() internal view returns (bool) {
        ILendingPool.Market memory m = pool.market();
        uint256 held = usdc.balanceOf(address(pool)) - pool.liquidationFees();
        return m.totalSupplyAssets <= held + m.totalBorrowAssets + m.auctionDebt;
    }

    // ------------------------------------------------------------------ kick

    function test_kick_revertsWhenPositionHealthy() public {
        _openPosition(borrower, weth, 10e18, 16_000e6);
        _setPrice(address(weth), 1760e8); // exactly 110%
        vm.expectRevert(abi.encodeWithSelector(ILendingPool.PositionHealthy.selector, borrower, address(weth)));
        liquidator.kick(borrower, address(weth));
    }

    function test_kick_revertsWhenPositionEmpty() public {
        vm.expectRevert(abi.encodeWithSelector(ILendingPool.PositionHealthy.selector, borrower, address(weth)));
        liquidator.kick(borrower, address(weth));
    }

    function test_kick_revertsWhenPriceStale() public {
        _unhealthyPosition();
        vm.warp(block.timestamp + HEARTBEAT + 1);
        vm.expectRevert(
            abi.encodeWithSelector(
                IPriceOracle.StalePrice.selector, address(weth), block.timestamp - HEARTBEAT - 1, uint256(HEARTBEAT)
            )
        );
        liquidator.kick(borrower, address(weth));
    }

    function test_kick_movesPositionIntoALotAndChargesTheFee() public {
        _unhealthyPosition();
        LotId expectedId = LotIdLib.make(address(weth), 1);
        vm.expectEmit(address(liquidator));
        emit ILiquidator.Kick(expectedId, borrower, address(weth), outsider, 10e18, 16_000e6, 800e6, START_1700);
        vm.prank(outsider); // permissionless: any executor may act on the instruction
        LotId id = liquidator.kick(borrower, address(weth));
        assertEq(LotId.unwrap(id), LotId.unwrap(expectedId));
        assertEq(id.collateral(), address(weth));
        assertEq(id.sequence(), 1);

        ILiquidator.Lot memory l = liquidator.lot(id);
        assertEq(l.borrower, borrower);
        assertEq(l.collateral, 10e18);
        assertEq(l.debtLeft, 16_000e6);
        assertEq(l.feeLeft, 800e6);
        assertEq(l.startPrice, START_1700);
        assertEq(l.startTime, block.timestamp);

        ILendingPool.Position memory p = pool.position(borrower, address(weth));
        assertEq(p.collateral, 0);
        assertEq(p.borrowShares, 0);
        ILendingPool.Market memory m = pool.market();
        assertEq(m.auctionDebt, 16_000e6);
        assertEq(m.totalBorrowAssets, 0);
        assertEq(weth.balanceOf(address(pool)), 10e18); // the lot's collateral waits in the pool
        assertTrue(_lendersWhole());
    }

    /// Defensive path (the pool's borrow limit makes it unreachable): a seized position without collateral is
    /// finished at once and its debt drawn from the reserve.
    function test_kick_withoutCollateralDrawsTheReserveAtOnce() public {
        _fundReserve(1_000e6);
        vm.mockCall(
            address(pool),
            abi.encodeWithSelector(ILendingPool.seize.selector, borrower, address(weth)),
            abi.encode(uint256(0), uint256(300e6), uint256(2000e18), uint256(1e30))
        );
        vm.mockCall(
            address(pool),
            abi.encodeWithSelector(
                ILendingPool.settleLiquidation.selector, address(0), address(0), 0, address(0), 0, 300e6, 0
            ),
            ""
        );
        vm.expectEmit(address(liquidator));
        emit ILiquidator.ShortfallCovered(LotIdLib.make(address(weth), 1), 300e6, 300e6);
        LotId id = liquidator.kick(borrower, address(weth));
        assertEq(liquidator.lot(id).collateral, 0);
        assertEq(reserve.balance(), 700e6);
        assertEq(usdc.balanceOf(address(pool)), 300e6);
    }

    function test_kick_revertsWhenLiquidatorNotWired() public {
        _unhealthyPosition();
        Liquidator other = new Liquidator(pool, reserve, feeRecipient, gov);
        vm.expectRevert(abi.encodeWithSelector(ILendingPool.NotLiquidator.selector, address(other)));
        other.kick(borrower, address(weth));
    }

    // ------------------------------------------------------------------ price curve

    function test_status_priceStepsDownFivePercentEveryTenSeconds() public {
        _unhealthyPosition();
        LotId id = _kick();
        uint256 t0 = block.timestamp;
        (bool active, uint256 price, uint256 valuation, bool needsReset, bool makerRebate) = liquidator.status(id);
        assertTrue(active);
        assertEq(price, START_1700);
        assertEq(valuation, VALUATION_1700);
        assertFalse(needsReset);
        assertFalse(makerRebate);
        vm.warp(t0 + 9);
        (, price,,,) = liquidator.status(id);
        assertEq(price, START_1700);
        vm.warp(t0 + 10);
        (, price,,,) = liquidator.status(id);
        assertEq(price, 1.7765e27);
        vm.warp(t0 + 20);
        (, price,,,) = liquidator.status(id);
        assertEq(price, 1.687675e27);
        vm.warp(t0 + 39);
        (,,, needsReset,) = liquidator.status(id);
        assertFalse(needsReset); // 1.10 * 0.95^3 = 94.3% of the valuation
        vm.warp(t0 + 40);
        (,,, needsReset,) = liquidator.status(id);
        assertTrue(needsReset); // 1.10 * 0.95^4 = 89.6% < 90% floor
    }

    function testFuzz_status_priceNeverRisesWithoutReset(uint256 a, uint256 b) public {
        _unhealthyPosition();
        LotId id = _kick();
        uint256 t0 = block.timestamp;
        a = bound(a, 0, 900);
        b = bound(b, a, 900);
        vm.warp(t0 + a);
        (, uint256 pa,,,) = liquidator.status(id);
        vm.warp(t0 + b);
        (, uint256 pb,,,) = liquidator.status(id);
        assertLe(pb, pa);
    }

    // ------------------------------------------------------------------ take

    function test_take_partialThenFullRepaysDebtFirstThenFeeAndReturnsTheRest() public {
        _unhealthyPosition();
        LotId id = _kick();
        usdc.mint(taker, 20_000e6);

        vm.expectEmit(address(liquidator));
        emit ILiquidator.Take(id, taker, taker, 5e18, START_1700, 9_350e6, 9_350e6, 0, 0);
        vm.prank(taker);
        (uint256 out, uint256 paid) = liquidator.take(id, 5e18, START_1700, taker, "");
        assertEq(out, 5e18);
        assertEq(paid, 9_350e6);
        assertEq(weth.balanceOf(taker), 5e18);
        ILiquidator.Lot memory l = liquidator.lot(id);
        assertEq(l.collateral, 5e18);
        assertEq(l.debtLeft, 6_650e6);
        assertEq(l.feeLeft, 800e6);
        assertEq(pool.market().auctionDebt, 6_650e6);
        assertTrue(_lendersWhole());

        // the rest: the tab (6,650 debt + 800 fee) buys 7,450 / 1,870 WETH; the remainder goes home
        uint256 bought = uint256(7_450e6) * 1e36 / START_1700;
        vm.prank(taker);
        (out, paid) = liquidator.take(id, type(uint256).max, type(uint256).max, taker, "");
        assertEq(out, bought);
        assertEq(paid, 7_450e6);
        assertEq(weth.balanceOf(borrower), 10e18 - 5e18 - bought);
        assertEq(pool.market().auctionDebt, 0);
        assertEq(pool.liquidationFees(), 800e6);
        assertFalse(_isActive(id));
        assertTrue(_lendersWhole());
        // lenders got exactly the 16,000 back
        assertEq(usdc.balanceOf(address(pool)) - pool.liquidationFees(), 1_000_000e6);
    }

    function _isActive(LotId id) internal view returns (bool active) {
        (active,,,,) = liquidator.status(id);
    }

    function test_take_revertsWhenPriceAboveMax() public {
        _unhealthyPosition();
        LotId id = _kick();
        usdc.mint(taker, 20_000e6);
        vm.prank(taker);
        vm.expectRevert(abi.encodeWithSelector(ILiquidator.PriceAboveMax.selector, START_1700, START_1700 - 1));
        liquidator.take(id, 1e18, START_1700 - 1, taker, "");
        // a step later the same cap is good
        vm.warp(block.timestamp + 10);
        vm.prank(taker);
        liquidator.take(id, 1e18, START_1700 - 1, taker, "");
    }

    function test_take_revertsWhenLotFinished() public {
        _unhealthyPosition();
        LotId id = _kick();
        usdc.mint(taker, 20_000e6);
        vm.startPrank(taker);
        liquidator.take(id, type(uint256).max, type(uint256).max, taker, "");
        vm.expectRevert(abi.encodeWithSelector(ILiquidator.LotNotActive.selector, id));
        liquidator.take(id, 1, type(uint256).max, taker, "");
        vm.stopPrank();
    }

    function test_take_revertsWhenLotUnknown() public {
        LotId id = LotIdLib.make(address(weth), 42);
        vm.expectRevert(abi.encodeWithSelector(ILiquidator.LotNotActive.selector, id));
        liquidator.take(id, 1, type(uint256).max, taker, "");
    }

    function test_take_revertsWhenLotExpired() public {
        vm.prank(gov);
        liquidator.setAuctionCurve(11_000, 10, 9_999, 9_000, 60);
        _unhealthyPosition();
        LotId id = _kick();
        vm.warp(block.timestamp + 61);
        _refreshFeeds();
        vm.expectRevert(abi.encodeWithSelector(ILiquidator.LotExpired.selector, id));
        liquidator.take(id, 1, type(uint256).max, taker, "");
        // anyone resets it from a fresh price
        liquidator.reset(id);
        usdc.mint(taker, 20_000e6);
        vm.prank(taker);
        liquidator.take(id, 1e18, type(uint256).max, taker, "");
    }

    function test_take_revertsWhenPriceBelowFloorOfCurrentValuation() public {
        _unhealthyPosition();
        LotId id = _kick();
        vm.warp(block.timestamp + 40); // 89.6% of an unchanged valuation
        vm.expectRevert(abi.encodeWithSelector(ILiquidator.LotNeedsReset.selector, id, 1.5231266875e27, VALUATION_1700));
        liquidator.take(id, 1, type(uint256).max, taker, "");
    }

    function test_take_revertsWhenMarketRoseAboveTheAuction() public {
        _unhealthyPosition();
        LotId id = _kick();
        vm.warp(block.timestamp + 20); // 99.3% of the kick valuation...
        _setPrice(address(weth), 1900e8); // ...but the market is now 1,900: 88.8% of it
        vm.expectRevert();
        liquidator.take(id, 1, type(uint256).max, taker, "");
        uint256 newStart = liquidator.reset(id);
        assertEq(newStart, 2.09e27);
    }

    function test_take_revertsWhenNothingToBuy() public {
        _unhealthyPosition();
        LotId id = _kick();
        vm.expectRevert(ILiquidator.ZeroAmount.selector);
        liquidator.take(id, 0, type(uint256).max, taker, "");
        vm.expectRevert(IGoverned.ZeroAddress.selector);
        liquidator.take(id, 1, type(uint256).max, address(0), "");
    }

    function test_take_revertsAndChangesNothingWhenTakerCannotPay() public {
        _unhealthyPosition();
        LotId id = _kick();
        ILiquidator.Lot memory before = liquidator.lot(id);
        vm.prank(taker); // approved, but holds no USDC
        vm.expectRevert();
        liquidator.take(id, 1e18, type(uint256).max, taker, "");
        ILiquidator.Lot memory afterwards = liquidator.lot(id);
        assertEq(afterwards.collateral, before.collateral);
        assertEq(afterwards.debtLeft, before.debtLeft);
        assertEq(weth.balanceOf(taker), 0);
        assertEq(pool.market().auctionDebt, 16_000e6);
    }

    // ------------------------------------------------------------------ flash take

    function test_take_flashCallbackReceivesCollateralFirstAndPaysFromTheSale() public {
        _unhealthyPosition();
        LotId id = _kick();
        FlashTaker flash = new FlashTaker(liquidator, usdc, weth, 1_900e6);
        vm.prank(gov);
        liquidator.setExecutor(address(flash), true);
        (uint256 out, uint256 paid) = flash.take(id, 4e18, type(uint256).max);
        assertEq(flash.calls(), 1);
        assertEq(flash.collateralSeen(), 4e18);
        assertEq(flash.paymentSeen(), 7_480e6);
        assertEq(out, 4e18);
        assertEq(paid, 7_480e6);
        // sold 4 WETH at 1,900 = 7,600, paid 7,480: kept 120 without capital
        assertEq(usdc.balanceOf(address(flash)), 120e6);
        assertEq(pool.market().auctionDebt, 16_000e6 - 7_480e6);
    }

    function test_take_revertsWhenCallbackReenters() public {
        _unhealthyPosition();
        LotId id = _kick();
        ReentrantTaker bad = new ReentrantTaker(liquidator);
        vm.prank(gov);
        liquidator.setExecutor(address(bad), true);
        vm.expectRevert(ILiquidator.Reentrancy.selector);
        bad.take(id, 1e18);
        assertEq(liquidator.lot(id).collateral, 10e18);
    }

    function test_take_revertsWhenFlashTakerDoesNotPay() public {
        _unhealthyPosition();
        LotId id = _kick();
        FlashTaker flash = new FlashTaker(liquidator, usdc, weth, 1_000e6); // the venue pays too little
        vm.prank(gov);
        liquidator.setExecutor(address(flash), true);
        vm.expectRevert();
        flash.take(id, 4e18, type(uint256).max);
        assertEq(liquidator.lot(id).collateral, 10e18);
        assertEq(weth.balanceOf(address(pool)), 10e18);
    }

    // ------------------------------------------------------------------ makers

    function test_take_registeredMakerGetsRebateAfterThreeMinutesWithoutTake() public {
        _unhealthyPosition();
        LotId id = _kick();
        vm.warp(block.timestamp + 181);
        _refreshFeeds();
        liquidator.reset(id); // the constant market left the lot below the floor
        (,,,, bool makerRebate) = liquidator.status(id);
        assertTrue(makerRebate);
        usdc.mint(maker, 10_000e6);
        usdc.mint(taker, 10_000e6);

        // an unregistered taker pays the full price
        vm.prank(taker);
        (, uint256 paid) = liquidator.take(id, 1e18, type(uint256).max, taker, "");
        assertEq(paid, 1_870e6);
        // a take happened: makers wait another 3 minutes
        (,,,, makerRebate) = liquidator.status(id);
        assertFalse(makerRebate);
        vm.warp(block.timestamp + 180);
        _refreshFeeds();
        liquidator.reset(id);
        // a slice that only repays debt earns no rebate: a discount there would come out of lenders' money
        vm.prank(maker);
        (, paid) = liquidator.take(id, 1e18, type(uint256).max, maker, "");
        assertEq(paid, 1_870e6);
        ILiquidator.Lot memory l = liquidator.lot(id);
        assertEq(l.feeLeft, 800e6);
        assertEq(l.debtLeft, 16_000e6 - 2 * 1_870e6);
        // the rest of the lot (its debt and the whole fee): 0.5% of the payment, out of the fee part
        vm.warp(block.timestamp + 180);
        _refreshFeeds();
        liquidator.reset(id);
        uint256 tab = uint256(l.debtLeft) + l.feeLeft;
        usdc.mint(maker, tab);
        vm.prank(maker);
        (, paid) = liquidator.take(id, type(uint256).max, type(uint256).max, maker, "");
        uint256 rebate = tab * 50 / 10_000;
        assertEq(paid, tab - rebate);
        assertEq(pool.liquidationFees(), 800e6 - rebate); // funded by the fee
        assertEq(pool.market().auctionDebt, 0); // lenders got their whole debt back
    }

    function test_take_makerGetsNoRebateWithinThreeMinutes() public {
        _unhealthyPosition();
        LotId id = _kick();
        usdc.mint(maker, 10_000e6);
        vm.prank(maker);
        (, uint256 paid) = liquidator.take(id, 1e18, type(uint256).max, maker, "");
        assertEq(paid, 1_870e6);
    }

    // ------------------------------------------------------------------ reset

    function test_reset_revertsWhenMarketFellWithTheAuction() public {
        _unhealthyPosition();
        LotId id = _kick();
        vm.warp(block.timestamp + 40); // 1.523e27 is above 90% of a 1,600 market
        _setPrice(address(weth), 1600e8);
        vm.expectRevert(abi.encodeWithSelector(ILiquidator.LotNotResettable.selector, id, 1.5231266875e27, 1.6e27));
        liquidator.reset(id);
    }

    function test_reset_revertsWhenLotHealthy() public {
        _unhealthyPosition();
        LotId id = _kick();
        vm.warp(block.timestamp + 30);
        vm.expectRevert(
            abi.encodeWithSelector(ILiquidator.LotNotResettable.selector, id, 1.60329125e27, VALUATION_1700)
        );
        liquidator.reset(id);
    }

    function test_reset_restartsAtPremiumOfFreshValuation() public {
        _unhealthyPosition();
        LotId id = _kick();
        vm.warp(block.timestamp + 40);
        _setPrice(address(weth), 1800e8);
        vm.expectEmit(address(liquidator));
        emit ILiquidator.Reset(id, 1.98e27, 1.8e27);
        liquidator.reset(id);
        ILiquidator.Lot memory l = liquidator.lot(id);
        assertEq(l.startPrice, 1.98e27);
        assertEq(l.startTime, block.timestamp);
    }

    function test_reset_revertsWhenLotNotActive() public {
        LotId id = LotIdLib.make(address(weth), 9);
        vm.expectRevert(abi.encodeWithSelector(ILiquidator.LotNotActive.selector, id));
        liquidator.reset(id);
    }

    // ------------------------------------------------------------------ shortfall

    function _crash() internal returns (LotId id) {
        _openPosition(borrower, weth, 10e18, 16_000e6);
        _setPrice(address(weth), 1000e8);
        id = _kick();
        usdc.mint(taker, 20_000e6);
    }

    function test_take_shortfallIsDrawnFromTheReserve() public {
        _fundReserve(10_000e6);
        LotId id = _crash();
        vm.expectEmit(address(liquidator));
        emit ILiquidator.LotFinished(id, borrower, 0, 5_000e6);
        vm.expectEmit(address(liquidator));
        emit ILiquidator.ShortfallCovered(id, 5_000e6, 5_000e6);
        vm.prank(taker);
        (uint256 out, uint256 paid) = liquidator.take(id, type(uint256).max, type(uint256).max, taker, "");
        assertEq(out, 10e18);
        assertEq(paid, 11_000e6);
        assertEq(reserve.balance(), 5_000e6);
        assertEq(usdc.balanceOf(address(reserve)), 5_000e6);
        assertEq(pool.market().auctionDebt, 0);
        assertEq(pool.liquidationFees(), 0); // the unraised fee is forgiven
        assertEq(liquidator.pendingShortfall(), 0);
        assertTrue(_lendersWhole());
        assertEq(usdc.balanceOf(address(pool)), 1_000_000e6);
    }

    function test_take_shortfallBeyondTheReserveStaysPendingUntilCovered() public {
        _fundReserve(1_000e6);
        LotId id = _crash();
        vm.prank(taker);
        liquidator.take(id, type(uint256).max, type(uint256).max, taker, "");
        assertEq(reserve.balance(), 0);
        assertEq(liquidator.pendingShortfall(), 4_000e6);
        assertEq(pool.market().auctionDebt, 4_000e6); // still counted for lenders
        assertTrue(_lendersWhole());

        vm.expectRevert(ILiquidator.ZeroAmount.selector); // the reserve is empty
        liquidator.coverPendingShortfall();

        _fundReserve(10_000e6);
        vm.expectEmit(address(liquidator));
        emit ILiquidator.PendingShortfallCovered(4_000e6, 0);
        liquidator.coverPendingShortfall();
        assertEq(liquidator.pendingShortfall(), 0);
        assertEq(pool.market().auctionDebt, 0);
        assertEq(usdc.balanceOf(address(pool)), 1_000_000e6);

        vm.expectRevert(ILiquidator.ZeroAmount.selector);
        liquidator.coverPendingShortfall();
    }

    // ------------------------------------------------------------------ fees

    function test_distributeFees_sendsHalfToTheReserve() public {
        _unhealthyPosition();
        LotId id = _kick();
        usdc.mint(taker, 20_000e6);
        vm.prank(taker);
        liquidator.take(id, type(uint256).max, type(uint256).max, taker, "");
        vm.expectEmit(address(liquidator));
        emit ILiquidator.FeesDistributed(400e6, feeRecipient, 400e6);
        liquidator.distributeFees();
        assertEq(reserve.balance(), 400e6);
        assertEq(usdc.balanceOf(address(reserve)), 400e6);
        assertEq(usdc.balanceOf(feeRecipient), 400e6);
        assertEq(pool.liquidationFees(), 0);
        assertEq(usdc.balanceOf(address(pool)), 1_000_000e6);
        vm.expectRevert(ILiquidator.ZeroAmount.selector);
        liquidator.distributeFees();
    }

    function test_distributeFees_sendsEverythingToTheReserveWithoutRecipient() public {
        vm.prank(gov);
        liquidator.setFeeRecipient(address(0));
        _unhealthyPosition();
        LotId id = _kick();
        usdc.mint(taker, 20_000e6);
        vm.prank(taker);
        liquidator.take(id, type(uint256).max, type(uint256).max, taker, "");
        liquidator.distributeFees();
        assertEq(reserve.balance(), 800e6);
    }

    // ------------------------------------------------------------------ misbehaving collateral

    function test_take_creditsLeftoverToPositionWhenTokenRefusesTheBorrower() public {
        MisbehavingERC20 odd = new MisbehavingERC20("Odd", "ODD", 18);
        DevnetPriceFeed oddFeed = new DevnetPriceFeed("ODD / USD", gov, pusher, 2000e8);
        vm.startPrank(gov);
        oracle.setFeed(address(odd), oddFeed, HEARTBEAT, MAX_DEVIATION_BPS);
        pool.setCollateral(address(odd), WETH_RATIO, WETH_LTV, true);
        vm.stopPrank();
        _supply(lender, 1_000_000e6);
        odd.mint(borrower, 10e18);
        vm.startPrank(borrower);
        odd.approve(address(pool), type(uint256).max);
        pool.supplyCollateral(address(odd), 10e18, borrower);
        pool.borrow(address(odd), 16_000e6);
        vm.stopPrank();
        vm.prank(pusher);
        oddFeed.updateAnswer(1700e8);
        vm.prank(gov);
        oracle.acceptPrice(address(odd));
        LotId id = liquidator.kick(borrower, address(odd));
        odd.setBlocked(borrower);
        usdc.mint(taker, 20_000e6);
        vm.prank(taker);
        (uint256 out,) = liquidator.take(id, type(uint256).max, type(uint256).max, taker, "");
        assertEq(pool.position(borrower, address(odd)).collateral, 10e18 - out);
        assertEq(odd.balanceOf(address(pool)), 10e18 - out);
    }

    // ------------------------------------------------------------------ governance

    function test_governedSetters_revertWhenCallerIsNotGovernance() public {
        vm.startPrank(taker);
        vm.expectRevert(abi.encodeWithSelector(IGoverned.NotGovernance.selector, taker));
        liquidator.setLiquidationFee(1, 1);
        vm.expectRevert(abi.encodeWithSelector(IGoverned.NotGovernance.selector, taker));
        liquidator.setAuctionCurve(11_000, 10, 9_500, 9_000, 900);
        vm.expectRevert(abi.encodeWithSelector(IGoverned.NotGovernance.selector, taker));
        liquidator.setMakerTerms(1, 1);
        vm.expectRevert(abi.encodeWithSelector(IGoverned.NotGovernance.selector, taker));
        liquidator.setMaker(taker, true);
        vm.expectRevert(abi.encodeWithSelector(IGoverned.NotGovernance.selector, taker));
        liquidator.setFeeRecipient(taker);
        vm.stopPrank();
    }

    function test_governedSetters_revertOnInvalidParams() public {
        vm.startPrank(gov);
        vm.expectRevert(ILiquidator.InvalidParams.selector);
        liquidator.setLiquidationFee(10_001, 0);
        vm.expectRevert(ILiquidator.InvalidParams.selector);
        liquidator.setLiquidationFee(0, 10_001);
        vm.expectRevert(ILiquidator.InvalidParams.selector);
        liquidator.setAuctionCurve(11_000, 0, 9_500, 9_000, 900);
        vm.expectRevert(ILiquidator.InvalidParams.selector);
        liquidator.setAuctionCurve(11_000, 10, 10_000, 9_000, 900);
        vm.expectRevert(ILiquidator.InvalidParams.selector);
        liquidator.setAuctionCurve(11_000, 10, 0, 9_000, 900);
        vm.expectRevert(ILiquidator.InvalidParams.selector);
        liquidator.setAuctionCurve(9_000, 10, 9_500, 9_000, 900);
        vm.expectRevert(ILiquidator.InvalidParams.selector);
        liquidator.setAuctionCurve(11_000, 10, 9_500, 9_000, 0);
        vm.expectRevert(ILiquidator.InvalidParams.selector);
        liquidator.setMakerTerms(180, 10_001);
        vm.stopPrank();
    }

    function test_governedSetters_updateParamsAndEmit() public {
        vm.startPrank(gov);
        vm.expectEmit(address(liquidator));
        emit ILiquidator.LiquidationFeeSet(300, 6_000);
        liquidator.setLiquidationFee(300, 6_000);
        vm.expectEmit(address(liquidator));
        emit ILiquidator.AuctionCurveSet(10_500, 5, 9_800, 9_500, 600);
        liquidator.setAuctionCurve(10_500, 5, 9_800, 9_500, 600);
        vm.expectEmit(address(liquidator));
        emit ILiquidator.MakerTermsSet(120, 25);
        liquidator.setMakerTerms(120, 25);
        vm.expectEmit(address(liquidator));
        emit ILiquidator.MakerSet(taker, true);
        liquidator.setMaker(taker, true);
        vm.stopPrank();
        ILiquidator.AuctionParams memory p = liquidator.params();
        assertEq(p.liquidationFeeBps, 300);
        assertEq(p.reserveShareBps, 6_000);
        assertEq(p.startPremiumBps, 10_500);
        assertEq(p.stepSeconds, 5);
        assertEq(p.stepFactorBps, 9_800);
        assertEq(p.floorBps, 9_500);
        assertEq(p.tailSeconds, 600);
        assertEq(p.makerDelaySeconds, 120);
        assertEq(p.makerRebateBps, 25);
        assertTrue(liquidator.isMaker(taker));
    }

    function test_defaults_matchTheSpec() public view {
        ILiquidator.AuctionParams memory p = liquidator.params();
        assertEq(p.liquidationFeeBps, 500);
        assertEq(p.reserveShareBps, 5_000);
        assertEq(p.startPremiumBps, 11_000);
        assertEq(p.stepFactorBps, 9_500);
        assertEq(p.stepSeconds, 10);
        assertEq(p.floorBps, 9_000);
        assertEq(p.makerDelaySeconds, 180);
        assertEq(p.makerRebateBps, 50);
        assertEq(address(liquidator.oracle()), address(oracle));
    }

    function test_constructor_revertsWhenReserveAssetDiffers() public {
        RiskReserve wrong = new RiskReserve(usdc, pool, gov);
        vm.mockCall(address(wrong), abi.encodeWithSelector(IRiskReserve.asset.selector), abi.encode(address(weth)));
        vm.expectRevert(ILiquidator.AssetMismatch.selector);
        new Liquidator(pool, wrong, feeRecipient, gov);
    }

    // ------------------------------------------------------------------ fuzz

    /// Any sequence of partial takes at any time conserves collateral and never charges more than the tab.
    function testFuzz_take_conservesCollateralAndNeverOverchargesTheTab(uint256[4] memory slices, uint8[4] memory waits)
        public
    {
        _fundReserve(20_000e6);
        _openPosition(borrower, weth, 10e18, 16_000e6);
        _setPrice(address(weth), 1500e8);
        LotId id = _kick();
        usdc.mint(taker, 100_000e6);
        vm.prank(gov);
        liquidator.setMinTake(0); // any slice, down to dust: conservation must hold for all
        uint256 paidTotal;
        uint256 soldTotal;
        for (uint256 i; i < 4; ++i) {
            vm.warp(block.timestamp + uint256(waits[i]) % 40);
            (bool active,,, bool needsReset,) = liquidator.status(id);
            if (!active) break;
            if (needsReset) liquidator.reset(id);
            vm.prank(taker);
            (uint256 out, uint256 paid) =
                liquidator.take(id, bound(slices[i], 1e12, 10e18), type(uint256).max, taker, "");
            soldTotal += out;
            paidTotal += paid;
        }
        ILiquidator.Lot memory l = liquidator.lot(id);
        uint256 returned = weth.balanceOf(borrower);
        assertEq(soldTotal + l.collateral + returned, 10e18);
        assertEq(weth.balanceOf(taker), soldTotal);
        assertLe(paidTotal, 16_000e6 + 800e6);
        assertTrue(_lendersWhole());
    }
}
