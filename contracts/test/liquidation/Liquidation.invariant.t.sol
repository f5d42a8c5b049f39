// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.24;

import {LendingTestBase} from "../utils/LendingTestBase.sol";
import {LiquidationHandler} from "./handlers/LiquidationHandler.sol";
import {LendingHandler} from "../lending/handlers/LendingHandler.sol";
import {ILendingPool} from "../../src/lending/ILendingPool.sol";

/// @notice Setup and property checks shared by the invariant suite and its coverage replay.
abstract contract LiquidationInvariantBase is LendingTestBase {
    uint256 internal constant RESERVE_SEED = 10_000_000e6;
    LiquidationHandler internal handler;

    function setUp() public override {
        super.setUp();
        _supply(lender, 5_000_000e6);
        _fundReserve(RESERVE_SEED);
        address[] memory ls = new address[](2);
        ls[0] = lender;
        ls[1] = lender2;
        address[] memory bs = new address[](3);
        bs[0] = borrower;
        bs[1] = borrower2;
        bs[2] = makeAddr("borrower3");
        allowlist.set(bs[2], true);
        _approveAll(bs[2]);
        handler = new LiquidationHandler(
            LendingHandler.Env(pool, oracle, usdc, weth, usdcFeed, wethFeed, pusher),
            ls,
            bs,
            liquidator,
            reserve,
            taker,
            maker
        );
        bytes4[] memory selectors = new bytes4[](15);
        selectors[0] = LendingHandler.supply.selector;
        selectors[1] = LendingHandler.withdraw.selector;
        selectors[2] = LendingHandler.donate.selector;
        selectors[3] = LiquidationHandler.openPosition.selector;
        selectors[4] = LendingHandler.repay.selector;
        selectors[5] = LendingHandler.withdrawCollateral.selector;
        selectors[6] = LendingHandler.elapse.selector;
        selectors[7] = LiquidationHandler.elapseShort.selector;
        selectors[8] = LiquidationHandler.movePrice.selector;
        selectors[9] = LiquidationHandler.kick.selector;
        selectors[10] = LiquidationHandler.take.selector;
        selectors[11] = LiquidationHandler.reset.selector;
        selectors[12] = LiquidationHandler.distributeFees.selector;
        selectors[13] = LiquidationHandler.fundReserve.selector;
        selectors[14] = LiquidationHandler.coverPendingShortfall.selector;
        targetSelector(FuzzSelector({addr: address(handler), selectors: selectors}));
        targetContract(address(handler));
    }

    /// Collateral is conserved: every unit deposited is held by a position, held in a lot, sold to a taker,
    /// returned to its borrower, or withdrawn; the pool holds exactly the positions' and lots' collateral.
    function _check_collateral_conservedHeldInLotsReturnedOrSold() internal view {
        uint256 positions = handler.sumPositionCollateral();
        uint256 inLots = handler.sumLotCollateral();
        assertEq(
            handler.ghost_collateralDeposited(),
            handler.ghost_collateralWithdrawn() + positions + inLots + handler.ghost_collateralSold()
                + handler.ghost_collateralReturned()
        );
        assertEq(weth.balanceOf(address(pool)), positions + inLots);
    }

    /// An auction's price never rises except on reset.
    function _check_auctionPrice_neverRisesExceptOnReset() internal view {
        assertEq(handler.ghost_priceRoseWithoutReset(), 0);
    }

    /// After every completed auction lenders are whole: supplied + interest <= assets held (including every
    /// shortfall paid by the reserve) + open loans + debt of lots still running.
    function _check_lenders_wholeAfterEveryCompletedAuction() internal view {
        assertEq(handler.ghost_completedWithLendersShort(), 0);
        assertTrue(handler.lendersWholeNow());
        assertEq(liquidator.pendingShortfall(), 0); // the seeded reserve always covered
    }

    /// The pool's auction debt is exactly what running lots still have to raise plus pending shortfalls.
    function _check_auctionDebt_matchesLots() internal view {
        uint256 inLots;
        for (uint256 i; i < handler.lotCount(); ++i) {
            inLots += liquidator.lot(handler.lots(i)).debtLeft;
        }
        assertEq(pool.market().auctionDebt, inLots + liquidator.pendingShortfall());
    }

    /// Reserve accounting equals its token balance and its ghost flows.
    function _check_reserve_accountingEqualsTokenBalance() internal view {
        assertEq(reserve.balance(), usdc.balanceOf(address(reserve)));
        assertEq(reserve.balance(), RESERVE_SEED + handler.ghost_reserveIn() - handler.ghost_reserveOut());
    }

    /// Borrowed and auctioned debt never exceed supplied assets.
    function _check_solvency_borrowsNeverExceedSupply() internal view {
        ILendingPool.Market memory m = pool.market();
        assertLe(uint256(m.totalBorrowAssets) + m.auctionDebt, m.totalSupplyAssets);
    }
}

/// @notice Liquidation invariants under random lending, price moves, time, kicks, takes (by takers and
///         makers), resets, fee distribution and reserve funding.
contract LiquidationInvariantTest is LiquidationInvariantBase {
    function invariant_collateral_conservedHeldInLotsReturnedOrSold() public view {
        _check_collateral_conservedHeldInLotsReturnedOrSold();
    }

    function invariant_auctionPrice_neverRisesExceptOnReset() public view {
        _check_auctionPrice_neverRisesExceptOnReset();
    }

    function invariant_lenders_wholeAfterEveryCompletedAuction() public view {
        _check_lenders_wholeAfterEveryCompletedAuction();
    }

    function invariant_auctionDebt_matchesLots() public view {
        _check_auctionDebt_matchesLots();
    }

    function invariant_reserve_accountingEqualsTokenBalance() public view {
        _check_reserve_accountingEqualsTokenBalance();
    }

    function invariant_solvency_borrowsNeverExceedSupply() public view {
        _check_solvency_borrowsNeverExceedSupply();
    }
}

/// @notice Replays one handler sequence deterministically so the invariant suite is known to reach kicks,
///         partial and final takes, resets, maker takes and reserve-paid shortfalls.
contract LiquidationHandlerCoverageTest is LiquidationInvariantBase {
    function test_handler_reachesEveryAuctionPath() public {
        for (uint256 round; round < 6; ++round) {
            handler.openPosition(round, 100e18, type(uint256).max);
            handler.openPosition(round + 1, 50e18, type(uint256).max);
            if (round % 2 == 0) {
                handler.movePrice(15); // -15%: unhealthy, but the collateral still covers debt + fee
            } else {
                handler.movePrice(0); // -30% twice: underwater, the reserve pays the shortfall
                handler.movePrice(0);
            }
            handler.kick(round);
            handler.take(0, 1e18, false);
            handler.elapseShort(200);
            handler.take(0, type(uint256).max, true);
            handler.reset(0);
            handler.take(1, type(uint256).max, false);
            handler.distributeFees();
            // recover: +15% per move
            for (uint256 up; up < (round % 2 == 0 ? 2 : 5); ++up) {
                handler.movePrice(45);
            }
        }
        assertGt(handler.calls("kick"), 0);
        assertGt(handler.calls("take"), 2);
        assertGt(handler.ghost_auctionsCompleted(), 0);
        assertGt(handler.ghost_shortfallPaidByReserve(), 0);
        assertGt(handler.calls("distributeFees"), 0);
        assertGt(handler.calls("reset"), 0);
        _check_collateral_conservedHeldInLotsReturnedOrSold();
        _check_auctionPrice_neverRisesExceptOnReset();
        _check_lenders_wholeAfterEveryCompletedAuction();
        _check_auctionDebt_matchesLots();
        _check_reserve_accountingEqualsTokenBalance();
    }
}
