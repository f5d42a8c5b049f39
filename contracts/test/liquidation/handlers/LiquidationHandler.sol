// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.24;

import {LendingHandler} from "../../lending/handlers/LendingHandler.sol";
import {MockERC20} from "../../utils/MockERC20.sol";
import {DevnetPriceFeed} from "../../../src/oracle/DevnetPriceFeed.sol";
import {PriceOracle} from "../../../src/oracle/PriceOracle.sol";
import {LendingPool} from "../../../src/lending/LendingPool.sol";
import {ILendingPool} from "../../../src/lending/ILendingPool.sol";
import {Liquidator} from "../../../src/liquidation/Liquidator.sol";
import {ILiquidator} from "../../../src/liquidation/ILiquidator.sol";
import {LotId} from "../../../src/liquidation/LotId.sol";
import {AuctionMath} from "../../../src/liquidation/AuctionMath.sol";
import {RiskReserve} from "../../../src/reserve/RiskReserve.sol";

/// @notice Adds price moves, kicks, takes (plain and by makers), resets, fee distribution, reserve funding and
///         shortfall cover to the lending actions, with ghost state for the liquidation invariants.
contract LiquidationHandler is LendingHandler {
    Liquidator internal liquidator;
    RiskReserve internal reserve;
    address internal taker;
    address internal maker;

    LotId[] public lots;
    mapping(LotId => uint256) public ghost_lastPrice;
    mapping(LotId => bool) public ghost_finished;

    uint256 public ghost_collateralSold;
    uint256 public ghost_collateralReturned;
    uint256 public ghost_reserveIn;
    uint256 public ghost_reserveOut;
    uint256 public ghost_shortfallPaidByReserve;
    uint256 public ghost_priceRoseWithoutReset;
    uint256 public ghost_auctionsCompleted;
    uint256 public ghost_completedWithLendersShort;

    constructor(
        Env memory env,
        address[] memory lenders_,
        address[] memory borrowers_,
        Liquidator liquidator_,
        RiskReserve reserve_,
        address taker_,
        address maker_
    ) LendingHandler(env, lenders_, borrowers_) {
        liquidator = liquidator_;
        reserve = reserve_;
        taker = taker_;
        maker = maker_;
    }

    function lotCount() external view returns (uint256) {
        return lots.length;
    }

    /// @dev After every action: an active lot's price may only have fallen since last seen, unless it was reset.
    modifier checksPrices() {
        _;
        _observePrices();
    }

    function _observePrices() internal {
        for (uint256 i; i < lots.length; ++i) {
            LotId id = lots[i];
            if (ghost_finished[id]) continue;
            ILiquidator.Lot memory l = liquidator.lot(id);
            if (l.collateral == 0) continue;
            uint256 price = priceOf(id);
            if (price > ghost_lastPrice[id]) ++ghost_priceRoseWithoutReset;
            ghost_lastPrice[id] = price;
        }
    }

    /// @dev The lot's current auction price from its stored start, independent of the oracle.
    function priceOf(LotId id) public view returns (uint256) {
        ILiquidator.Lot memory l = liquidator.lot(id);
        ILiquidator.AuctionParams memory p = liquidator.params();
        return AuctionMath.priceAt(l.startPrice, block.timestamp - l.startTime, p.stepSeconds, p.stepFactorBps);
    }

    // ------------------------------------------------------------------ market

    /// Moves WETH by -30%..+15% (within the oracle's 50% guard, biased down so positions become unhealthy)
    /// and has it accepted.
    function movePrice(uint256 seed) external checksPrices {
        int256 current = wethFeed.latestAnswer();
        int256 pct = int256(bound(seed, 0, 45)) - 30;
        int256 next = current * (100 + pct) / 100;
        if (next < 100e8) next = 100e8;
        if (next > 5_000e8) next = 5_000e8;
        vm.prank(pusher);
        wethFeed.updateAnswer(next);
        oracle.update(address(weth));
        ++calls["movePrice"];
    }

    function elapseShort(uint256 seconds_) external checksPrices {
        seconds_ = bound(seconds_, 1, 200);
        vm.warp(block.timestamp + seconds_);
        _refreshFeeds();
        ++calls["elapseShort"];
    }

    /// Deposits and borrows between half and all of the remaining room.
    function openPosition(uint256 who, uint256 coll, uint256 amount) external checksPrices {
        depositCollateral(who, coll);
        address b = borrowers[who % borrowers.length];
        uint256 room = _borrowRoom(b);
        if (room < 4) return;
        amount = bound(amount, room / 2, room - 1);
        vm.prank(b);
        pool.borrow(address(weth), amount);
        ++calls["borrow"];
    }

    // ------------------------------------------------------------------ liquidation

    /// Kicks every liquidatable position, starting from a random borrower.
    function kick(uint256 who) external checksPrices {
        for (uint256 i; i < borrowers.length; ++i) {
            address b = borrowers[(who % borrowers.length + i) % borrowers.length];
            (,, bool liquidatable) = pool.health(b, address(weth));
            if (!liquidatable) continue;
            vm.prank(taker);
            LotId id = liquidator.kick(b, address(weth));
            lots.push(id);
            ghost_lastPrice[id] = priceOf(id);
            ++calls["kick"];
        }
    }

    /// Takes part or all of a running lot (resetting it first if it must be), as a taker or a maker.
    function take(uint256 which, uint256 slice, bool asMaker) external checksPrices {
        if (lots.length == 0) return;
        LotId id;
        bool found;
        for (uint256 i; i < lots.length; ++i) {
            id = lots[(which % lots.length + i) % lots.length];
            if (liquidator.lot(id).collateral != 0) {
                found = true;
                break;
            }
        }
        if (!found) return;
        (,,, bool needsReset,) = liquidator.status(id);
        if (needsReset) {
            liquidator.reset(id);
            ghost_lastPrice[id] = priceOf(id); // the one sanctioned rise
            ++calls["reset"];
        }
        ILiquidator.Lot memory before = liquidator.lot(id);
        address who = asMaker ? maker : taker;
        usdc.mint(who, 100_000_000e6);
        uint256 reserveBefore = reserve.balance();
        uint256 borrowerBefore = weth.balanceOf(before.borrower);
        // a third of the takes buy everything they can, so lots finish; the others buy at least the minimum take
        uint256 minSlice = AuctionMath.collateralFor(liquidator.minTake(), priceOf(id)) + 1;
        slice = slice % 3 == 0 || minSlice >= before.collateral
            ? type(uint256).max
            : bound(slice, minSlice, before.collateral);
        vm.prank(who);
        (uint256 out,) = liquidator.take(id, slice, type(uint256).max, who, "");
        ghost_collateralSold += out;
        ghost_collateralReturned += weth.balanceOf(before.borrower) - borrowerBefore;
        ghost_shortfallPaidByReserve += reserveBefore - reserve.balance();
        ghost_reserveOut += reserveBefore - reserve.balance();
        if (liquidator.lot(id).collateral == 0) {
            ghost_finished[id] = true;
            ++ghost_auctionsCompleted;
            if (liquidator.pendingShortfall() != 0 || !lendersWholeNow()) ++ghost_completedWithLendersShort;
        }
        ++calls["take"];
    }

    function reset(uint256 which) external checksPrices {
        if (lots.length == 0) return;
        LotId id = lots[which % lots.length];
        (bool active,,, bool needsReset,) = liquidator.status(id);
        if (!active || !needsReset) return;
        liquidator.reset(id);
        ghost_lastPrice[id] = priceOf(id);
        ++calls["reset"];
    }

    function distributeFees() external checksPrices {
        if (pool.liquidationFees() == 0) return;
        uint256 before = reserve.balance();
        liquidator.distributeFees();
        ghost_reserveIn += reserve.balance() - before;
        ++calls["distributeFees"];
    }

    function fundReserve(uint256 amount) external checksPrices {
        amount = bound(amount, 1, 50_000e6);
        usdc.mint(address(this), amount);
        usdc.approve(address(reserve), amount);
        reserve.deposit(amount);
        ghost_reserveIn += amount;
        ++calls["fundReserve"];
    }

    function coverPendingShortfall() external checksPrices {
        if (liquidator.pendingShortfall() == 0 || reserve.balance() == 0) return;
        uint256 before = reserve.balance();
        liquidator.coverPendingShortfall();
        ghost_shortfallPaidByReserve += before - reserve.balance();
        ghost_reserveOut += before - reserve.balance();
        ++calls["coverPendingShortfall"];
    }

    // ------------------------------------------------------------------ views for invariants

    function sumLotCollateral() public view returns (uint256 s) {
        for (uint256 i; i < lots.length; ++i) {
            s += liquidator.lot(lots[i]).collateral;
        }
    }

    function activeLots() public view returns (uint256 n) {
        for (uint256 i; i < lots.length; ++i) {
            if (liquidator.lot(lots[i]).collateral != 0) ++n;
        }
    }

    /// @dev Lenders' claims (supplied + interest) <= cash held for them (pool balance minus fees and
    ///      donations, including every shortfall the reserve paid) + open loans + debt still in running lots.
    function lendersWholeNow() public view returns (bool) {
        ILendingPool.Market memory m = pool.market();
        uint256 held = usdc.balanceOf(address(pool)) - pool.liquidationFees() - ghost_donated;
        uint256 inLots;
        for (uint256 i; i < lots.length; ++i) {
            inLots += liquidator.lot(lots[i]).debtLeft;
        }
        return m.totalSupplyAssets <= held + m.totalBorrowAssets + inLots;
    }
}
