// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.24;

import {Test} from "forge-std/Test.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {MockERC20} from "./MockERC20.sol";
import {AllowlistQualification} from "./AllowlistQualification.sol";
import {DevnetPriceFeed} from "../../src/oracle/DevnetPriceFeed.sol";
import {PriceOracle} from "../../src/oracle/PriceOracle.sol";
import {IPriceOracle} from "../../src/oracle/IPriceOracle.sol";
import {LendingPool} from "../../src/lending/LendingPool.sol";
import {RateParams} from "../../src/lending/InterestRateModel.sol";
import {LendingDefaults} from "../../src/lending/LendingDefaults.sol";
import {RiskReserve} from "../../src/reserve/RiskReserve.sol";
import {Liquidator} from "../../src/liquidation/Liquidator.sol";
import {IQualification, Service} from "../../src/compliance/IQualification.sol";

/// @notice Deploys the whole single-chain lending stack in its documented order, with USDC (6 decimals) as
///         the loan asset and WETH (18, ETH-like: 110% / 80% LTV) and WBTC (8, treated as volatile: 120% / 70%)
///         as collaterals, and qualified actors.
abstract contract LendingTestBase is Test {
    uint256 internal constant START = 1_700_000_000;
    uint64 internal constant WETH_RATIO = LendingDefaults.ETH_LIKE_LIQUIDATION_RATIO;
    uint64 internal constant WETH_LTV = LendingDefaults.ETH_LIKE_MAX_LTV;
    uint64 internal constant WBTC_RATIO = LendingDefaults.VOLATILE_LIQUIDATION_RATIO;
    uint64 internal constant WBTC_LTV = LendingDefaults.VOLATILE_MAX_LTV;
    uint32 internal constant HEARTBEAT = 1 days;
    uint16 internal constant MAX_DEVIATION_BPS = 5_000;

    address internal gov = makeAddr("governance");
    address internal pusher = makeAddr("pusher");
    address internal feeRecipient = makeAddr("feeRecipient");
    address internal lender = makeAddr("lender");
    address internal lender2 = makeAddr("lender2");
    address internal borrower = makeAddr("borrower");
    address internal borrower2 = makeAddr("borrower2");
    address internal taker = makeAddr("taker");
    address internal maker = makeAddr("maker");
    address internal outsider = makeAddr("outsider");

    MockERC20 internal usdc;
    MockERC20 internal weth;
    MockERC20 internal wbtc;
    DevnetPriceFeed internal usdcFeed;
    DevnetPriceFeed internal wethFeed;
    DevnetPriceFeed internal wbtcFeed;
    PriceOracle internal oracle;
    AllowlistQualification internal allowlist;
    LendingPool internal pool;
    RiskReserve internal reserve;
    Liquidator internal liquidator;

    function setUp() public virtual {
        vm.warp(START);
        usdc = new MockERC20("USD Coin", "USDC", 6);
        weth = new MockERC20("Wrapped Ether", "WETH", 18);
        wbtc = new MockERC20("Wrapped BTC", "WBTC", 8);

        // 1. feeds and the price adapter
        usdcFeed = new DevnetPriceFeed("USDC / USD", gov, pusher, 1e8);
        wethFeed = new DevnetPriceFeed("ETH / USD", gov, pusher, 2000e8);
        wbtcFeed = new DevnetPriceFeed("BTC / USD", gov, pusher, 60_000e8);
        oracle = new PriceOracle(gov);
        vm.startPrank(gov);
        oracle.setFeed(address(usdc), usdcFeed, HEARTBEAT, MAX_DEVIATION_BPS);
        oracle.setFeed(address(weth), wethFeed, HEARTBEAT, MAX_DEVIATION_BPS);
        oracle.setFeed(address(wbtc), wbtcFeed, HEARTBEAT, MAX_DEVIATION_BPS);
        vm.stopPrank();

        // 2. compliance view (the real registry in production)
        allowlist = new AllowlistQualification(Service.LEND);

        // 3. pool, 4. reserve, 5. liquidator, 6. wiring
        pool = new LendingPool(
            usdc, IPriceOracle(address(oracle)), IQualification(address(allowlist)), gov, defaultRate()
        );
        reserve = new RiskReserve(usdc, pool, gov);
        liquidator = new Liquidator(pool, reserve, feeRecipient, gov);
        vm.startPrank(gov);
        pool.setCollateral(address(weth), WETH_RATIO, WETH_LTV, true);
        pool.setCollateral(address(wbtc), WBTC_RATIO, WBTC_LTV, true);
        pool.setLiquidator(address(liquidator));
        reserve.setLiquidator(address(liquidator));
        liquidator.setMaker(maker, true);
        vm.stopPrank();

        address[7] memory qualified = [lender, lender2, borrower, borrower2, taker, maker, address(this)];
        for (uint256 i; i < qualified.length; ++i) {
            allowlist.set(qualified[i], true);
            _approveAll(qualified[i]);
        }
        _approveAll(outsider);
    }

    function defaultRate() internal pure returns (RateParams memory) {
        return LendingDefaults.rate();
    }

    function _approveAll(address who) internal {
        vm.startPrank(who);
        usdc.approve(address(pool), type(uint256).max);
        weth.approve(address(pool), type(uint256).max);
        wbtc.approve(address(pool), type(uint256).max);
        usdc.approve(address(liquidator), type(uint256).max);
        usdc.approve(address(reserve), type(uint256).max);
        vm.stopPrank();
    }

    /// @dev Pushes `usd8` (8 decimals) to the asset's feed and has governance accept it (a sanctioned move).
    function _setPrice(address asset, int256 usd8) internal {
        DevnetPriceFeed feed = asset == address(usdc) ? usdcFeed : asset == address(weth) ? wethFeed : wbtcFeed;
        vm.prank(pusher);
        feed.updateAnswer(usd8);
        vm.prank(gov);
        oracle.acceptPrice(asset);
    }

    /// @dev Re-pushes every feed's current answer (keeps them fresh after a warp).
    function _refreshFeeds() internal {
        vm.startPrank(pusher);
        usdcFeed.updateAnswer(usdcFeed.latestAnswer());
        wethFeed.updateAnswer(wethFeed.latestAnswer());
        wbtcFeed.updateAnswer(wbtcFeed.latestAnswer());
        vm.stopPrank();
    }

    function _supply(address who, uint256 assets) internal returns (uint256 shares) {
        usdc.mint(who, assets);
        vm.prank(who);
        shares = pool.supply(assets);
    }

    function _deposit(address who, MockERC20 collateral, uint256 amount) internal {
        collateral.mint(who, amount);
        vm.prank(who);
        pool.supplyCollateral(address(collateral), amount, who);
    }

    function _borrow(address who, MockERC20 collateral, uint256 assets) internal returns (uint256 shares) {
        vm.prank(who);
        shares = pool.borrow(address(collateral), assets);
    }

    /// @dev 1M USDC of liquidity, then `who` posts `coll` of `collateral` and borrows `debt`.
    function _openPosition(address who, MockERC20 collateral, uint256 coll, uint256 debt) internal {
        if (pool.market().totalSupplyAssets == 0) _supply(lender, 1_000_000e6);
        _deposit(who, collateral, coll);
        _borrow(who, collateral, debt);
    }

    function _fundReserve(uint256 amount) internal {
        usdc.mint(address(this), amount);
        usdc.approve(address(reserve), amount);
        reserve.deposit(amount);
    }
}
