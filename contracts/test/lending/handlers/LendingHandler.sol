// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.24;

import {Test} from "forge-std/Test.sol";
import {MockERC20} from "../../utils/MockERC20.sol";
import {DevnetPriceFeed} from "../../../src/oracle/DevnetPriceFeed.sol";
import {PriceOracle} from "../../../src/oracle/PriceOracle.sol";
import {LendingPool} from "../../../src/lending/LendingPool.sol";
import {ILendingPool} from "../../../src/lending/ILendingPool.sol";
import {InterestRateModel, RateParams} from "../../../src/lending/InterestRateModel.sol";
import {Liquidator} from "../../../src/liquidation/Liquidator.sol";
import {ILiquidator} from "../../../src/liquidation/ILiquidator.sol";
import {LotId} from "../../../src/liquidation/LotId.sol";
import {AuctionMath} from "../../../src/liquidation/AuctionMath.sol";
import {FixedPointMath} from "../../../src/shared/FixedPointMath.sol";

/// @notice Drives the lending pool with bounded, always-valid user actions (fail_on_revert is on) and keeps
///         ghost sums of what entered and left it.
contract LendingHandler is Test {
    using FixedPointMath for uint256;

    LendingPool internal pool;
    PriceOracle internal oracle;
    MockERC20 internal usdc;
    MockERC20 internal weth;
    DevnetPriceFeed internal usdcFeed;
    DevnetPriceFeed internal wethFeed;
    address internal pusher;

    address[] public lenders;
    address[] public borrowers;

    // ghost state
    uint256 public ghost_collateralDeposited;
    uint256 public ghost_collateralWithdrawn;
    uint256 public ghost_loanSupplied;
    uint256 public ghost_loanWithdrawn;
    uint256 public ghost_donated;
    mapping(bytes32 => uint256) public calls;

    // liquidation from the lending suite (off unless `enableLiquidation` is called)
    Liquidator internal lendingLiquidator;
    address internal liquidationTaker;
    LotId[] internal handlerLots;
    /// Collateral that left the pool through lots this handler kicked: sold to the taker or returned.
    uint256 public ghost_collateralAuctioned;
    /// Accruals whose interest differs from the rate model at a utilization counting auction debt.
    uint256 public ghost_interestMismatches;

    /// @notice What the handlers drive.
    struct Env {
        LendingPool pool;
        PriceOracle oracle;
        MockERC20 usdc;
        MockERC20 weth;
        DevnetPriceFeed usdcFeed;
        DevnetPriceFeed wethFeed;
        address pusher;
    }

    constructor(Env memory env, address[] memory lenders_, address[] memory borrowers_) {
        pool = env.pool;
        oracle = env.oracle;
        usdc = env.usdc;
        weth = env.weth;
        usdcFeed = env.usdcFeed;
        wethFeed = env.wethFeed;
        pusher = env.pusher;
        lenders = lenders_;
        borrowers = borrowers_;
    }

    /// @notice Lets `liquidate` and `settleLots` run: kicks with `liquidator_`, takes as `taker_` (a qualified
    ///         account approved for the loan asset).
    function enableLiquidation(Liquidator liquidator_, address taker_) external {
        lendingLiquidator = liquidator_;
        liquidationTaker = taker_;
    }

    function lenderCount() external view returns (uint256) {
        return lenders.length;
    }

    function borrowerCount() external view returns (uint256) {
        return borrowers.length;
    }

    // ------------------------------------------------------------------ lenders

    function supply(uint256 who, uint256 assets) external {
        address l = lenders[who % lenders.length];
        assets = bound(assets, 1, 1_000_000e6);
        usdc.mint(l, assets);
        vm.prank(l);
        pool.supply(assets);
        ghost_loanSupplied += assets;
        ++calls["supply"];
    }

    function withdraw(uint256 who, uint256 fraction) external {
        address l = lenders[who % lenders.length];
        uint256 shares = pool.supplyShares(l);
        if (shares == 0) return;
        shares = bound(fraction, 1, shares);
        ILendingPool.Market memory m = pool.expectedMarket();
        uint256 assets = shares * (uint256(m.totalSupplyAssets) + 1) / (uint256(m.totalSupplyShares) + 1e6);
        uint256 free = uint256(m.totalSupplyAssets) - m.totalBorrowAssets - m.auctionDebt;
        if (assets == 0 || assets > free) return;
        vm.prank(l);
        (uint256 out,) = pool.withdraw(0, shares);
        ghost_loanWithdrawn += out;
        ++calls["withdraw"];
    }

    function donate(uint256 assets) external {
        assets = bound(assets, 1, 1_000_000e6);
        usdc.mint(address(pool), assets);
        ghost_donated += assets;
        ++calls["donate"];
    }

    // ------------------------------------------------------------------ borrowers

    function depositCollateral(uint256 who, uint256 amount) public {
        address b = borrowers[who % borrowers.length];
        amount = bound(amount, 1e15, 100e18);
        weth.mint(b, amount);
        vm.prank(b);
        pool.supplyCollateral(address(weth), amount, b);
        ghost_collateralDeposited += amount;
        ++calls["depositCollateral"];
    }

    function borrow(uint256 who, uint256 amount) public {
        address b = borrowers[who % borrowers.length];
        uint256 room = _borrowRoom(b);
        if (room < 2) return;
        amount = bound(amount, 1, room - 1);
        vm.prank(b);
        pool.borrow(address(weth), amount);
        ++calls["borrow"];
    }

    function repay(uint256 who, uint256 amount, bool all) external {
        address b = borrowers[who % borrowers.length];
        uint256 shares = pool.position(b, address(weth)).borrowShares;
        if (shares == 0) return;
        uint256 debt = pool.debtOf(b, address(weth));
        usdc.mint(b, debt + 1);
        if (all) {
            vm.prank(b);
            pool.repay(address(weth), 0, shares, b);
        } else {
            amount = bound(amount, 1, debt);
            ILendingPool.Market memory m = pool.expectedMarket();
            uint256 burn = amount * (uint256(m.totalBorrowShares) + 1e6) / (uint256(m.totalBorrowAssets) + 1);
            if (burn > shares) return;
            vm.prank(b);
            pool.repay(address(weth), amount, 0, b);
        }
        ++calls["repay"];
    }

    function withdrawCollateral(uint256 who, uint256 amount) external {
        address b = borrowers[who % borrowers.length];
        ILendingPool.Position memory p = pool.position(b, address(weth));
        if (p.collateral == 0) return;
        uint256 free = p.collateral;
        if (p.borrowShares != 0) {
            // keep 2% headroom above the borrow limit so rounding never bites
            uint256 debtValue = pool.debtOf(b, address(weth)) * oracle.peek(address(usdc)) / 1e18;
            uint256 needed = debtValue * 1e18 / 0.8e18 * 102 / 100 * 1e18 / oracle.peek(address(weth)) + 1;
            if (needed >= p.collateral) return;
            free = p.collateral - needed;
        }
        amount = bound(amount, 1, free);
        vm.prank(b);
        pool.withdrawCollateral(address(weth), amount);
        ghost_collateralWithdrawn += amount;
        ++calls["withdrawCollateral"];
    }

    // ------------------------------------------------------------------ time

    /// Lets time pass and checks the interest charged for it against the rate model, at a utilization that
    /// counts debt still in auction lots as borrowed.
    function elapse(uint256 seconds_) public {
        seconds_ = bound(seconds_, 1, 3 days);
        pool.accrueInterest();
        ILendingPool.Market memory m = pool.market();
        vm.warp(block.timestamp + seconds_);
        pool.accrueInterest();
        uint256 expected;
        if (m.totalBorrowAssets != 0) {
            uint256 rate = InterestRateModel.ratePerSecond(
                uint256(m.totalBorrowAssets) + m.auctionDebt,
                m.totalSupplyAssets,
                RateParams(m.baseRateBps, m.slope1Bps, m.slope2Bps, m.kinkBps)
            );
            expected = uint256(m.totalBorrowAssets).wMulDown(FixedPointMath.wTaylorCompounded(rate, seconds_));
        }
        ILendingPool.Market memory n = pool.market();
        if (n.totalBorrowAssets != m.totalBorrowAssets + expected || n.totalSupplyAssets != m.totalSupplyAssets + expected)
        {
            ++ghost_interestMismatches;
        }
        _refreshFeeds();
        ++calls["elapse"];
    }

    // ------------------------------------------------------------------ liquidation

    /// Drops WETH (by at most 40%, inside the oracle's guard) to 3% under a borrower's liquidation price, kicks
    /// its position, takes nothing, a slice or the whole lot, then brings the price back.
    function liquidate(uint256 who, uint256 slice) external {
        if (address(lendingLiquidator) == address(0)) return;
        address b = borrowers[who % borrowers.length];
        ILendingPool.Position memory p = pool.position(b, address(weth));
        if (p.borrowShares == 0 || p.collateral == 0) return;
        int256 before = wethFeed.latestAnswer();
        (,, bool liquidatable) = pool.health(b, address(weth));
        if (!liquidatable) {
            uint256 debtValue = pool.debtOf(b, address(weth)) * oracle.peek(address(usdc)) / 1e18;
            // oracle price of WETH is the 8-decimal answer * 1e10
            int256 target = int256(debtValue * 1.1e18 / p.collateral * 97 / 100 / 1e10);
            if (target * 100 < before * 60) return;
            _pushWeth(target);
        }
        vm.prank(liquidationTaker);
        LotId id = lendingLiquidator.kick(b, address(weth));
        handlerLots.push(id);
        ++calls["kick"];
        if (slice % 3 != 0) _take(id, slice % 3 == 1 ? slice : type(uint256).max);
        _restoreWeth(before);
    }

    /// Takes everything left in every open lot (resetting those that must be).
    function settleLots() external {
        for (uint256 i; i < handlerLots.length; ++i) {
            if (lendingLiquidator.lot(handlerLots[i]).collateral != 0) _take(handlerLots[i], type(uint256).max);
        }
    }

    function _take(LotId id, uint256 slice) internal {
        (,,, bool needsReset,) = lendingLiquidator.status(id);
        if (needsReset) lendingLiquidator.reset(id);
        ILiquidator.Lot memory l = lendingLiquidator.lot(id);
        (, uint256 price,,,) = lendingLiquidator.status(id);
        uint256 minSlice = AuctionMath.collateralFor(lendingLiquidator.minTake(), price) + 1;
        if (slice != type(uint256).max) slice = minSlice >= l.collateral ? type(uint256).max : bound(slice, minSlice, l.collateral);
        usdc.mint(liquidationTaker, 100_000_000e6);
        uint256 returnedBefore = weth.balanceOf(l.borrower);
        vm.prank(liquidationTaker);
        (uint256 out,) = lendingLiquidator.take(id, slice, type(uint256).max, liquidationTaker, "");
        ghost_collateralAuctioned += out + weth.balanceOf(l.borrower) - returnedBefore;
        ++calls["take"];
    }

    function _pushWeth(int256 answer) internal {
        vm.prank(pusher);
        wethFeed.updateAnswer(answer);
        oracle.update(address(weth));
    }

    /// @dev Climbs back to `answer` in steps of at most +40% (each inside the oracle's guard).
    function _restoreWeth(int256 answer) internal {
        int256 current = wethFeed.latestAnswer();
        while (current < answer) {
            int256 next = current * 14 / 10;
            if (next <= current) next = current + 1;
            current = next < answer ? next : answer;
            _pushWeth(current);
        }
    }

    /// @notice Collateral still held in open lots this handler kicked.
    function sumOpenLotCollateral() public view returns (uint256 s) {
        for (uint256 i; i < handlerLots.length; ++i) {
            s += lendingLiquidator.lot(handlerLots[i]).collateral;
        }
    }

    // ------------------------------------------------------------------ helpers

    function _refreshFeeds() internal {
        vm.startPrank(pusher);
        usdcFeed.updateAnswer(usdcFeed.latestAnswer());
        wethFeed.updateAnswer(wethFeed.latestAnswer());
        vm.stopPrank();
    }

    /// @dev Loan assets `b` may still borrow: 98% of its limit, capped by free liquidity.
    function _borrowRoom(address b) internal view returns (uint256) {
        ILendingPool.Position memory p = pool.position(b, address(weth));
        uint256 limitValue = uint256(p.collateral) * oracle.peek(address(weth)) / 1e18 * 0.8e18 / 1e18 * 98 / 100;
        uint256 debtValue = pool.debtOf(b, address(weth)) * oracle.peek(address(usdc)) / 1e18;
        if (limitValue <= debtValue) return 0;
        uint256 room = (limitValue - debtValue) * 1e18 / oracle.peek(address(usdc));
        ILendingPool.Market memory m = pool.expectedMarket();
        uint256 free = uint256(m.totalSupplyAssets) - m.totalBorrowAssets - m.auctionDebt;
        return room < free ? room : free;
    }

    function sumSupplyShares() external view returns (uint256 s) {
        for (uint256 i; i < lenders.length; ++i) {
            s += pool.supplyShares(lenders[i]);
        }
    }

    function sumBorrowShares() external view returns (uint256 s) {
        for (uint256 i; i < borrowers.length; ++i) {
            s += pool.position(borrowers[i], address(weth)).borrowShares;
        }
    }

    function sumPositionCollateral() public view returns (uint256 s) {
        for (uint256 i; i < borrowers.length; ++i) {
            s += pool.position(borrowers[i], address(weth)).collateral;
        }
    }
}
