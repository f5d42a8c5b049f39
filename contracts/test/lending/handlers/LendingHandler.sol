// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.24;

import {Test} from "forge-std/Test.sol";
import {MockERC20} from "../../utils/MockERC20.sol";
import {DevnetPriceFeed} from "../../../src/oracle/DevnetPriceFeed.sol";
import {PriceOracle} from "../../../src/oracle/PriceOracle.sol";
import {LendingPool} from "../../../src/lending/LendingPool.sol";
import {ILendingPool} from "../../../src/lending/ILendingPool.sol";

/// @notice Drives the lending pool with bounded, always-valid user actions (fail_on_revert is on) and keeps
///         ghost sums of what entered and left it.
contract LendingHandler is Test {
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

    function elapse(uint256 seconds_) public {
        seconds_ = bound(seconds_, 1, 3 days);
        vm.warp(block.timestamp + seconds_);
        _refreshFeeds();
        ++calls["elapse"];
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
