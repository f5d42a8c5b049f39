// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.24;

import {Test} from "forge-std/Test.sol";
import {MockERC20} from "../utils/MockERC20.sol";
import {DevnetPriceFeed} from "../../src/oracle/DevnetPriceFeed.sol";
import {PriceOracle} from "../../src/oracle/PriceOracle.sol";
import {IPriceOracle} from "../../src/oracle/IPriceOracle.sol";
import {IAggregatorV3} from "../../src/oracle/IAggregatorV3.sol";
import {OracleLib} from "../../src/oracle/OracleLib.sol";
import {IGoverned} from "../../src/shared/IGoverned.sol";

contract PriceOracleTest is Test {
    address internal gov = makeAddr("governance");
    address internal pusher = makeAddr("pusher");
    MockERC20 internal usdc;
    MockERC20 internal weth;
    MockERC20 internal wbtc;
    DevnetPriceFeed internal usdcFeed;
    DevnetPriceFeed internal wethFeed;
    DevnetPriceFeed internal wbtcFeed;
    PriceOracle internal oracle;

    function setUp() public {
        vm.warp(1_700_000_000);
        usdc = new MockERC20("USDC", "USDC", 6);
        weth = new MockERC20("WETH", "WETH", 18);
        wbtc = new MockERC20("WBTC", "WBTC", 8);
        usdcFeed = new DevnetPriceFeed("USDC / USD", gov, pusher, 1e8);
        wethFeed = new DevnetPriceFeed("ETH / USD", gov, pusher, 2000e8);
        wbtcFeed = new DevnetPriceFeed("BTC / USD", gov, pusher, 60_000e8);
        oracle = new PriceOracle(gov);
        vm.startPrank(gov);
        oracle.setFeed(address(usdc), usdcFeed, 1 days, 5_000);
        oracle.setFeed(address(weth), wethFeed, 1 hours, 2_000);
        oracle.setFeed(address(wbtc), wbtcFeed, 1 hours, 2_000);
        vm.stopPrank();
    }

    function _push(DevnetPriceFeed feed, int256 answer) internal {
        vm.prank(pusher);
        feed.updateAnswer(answer);
    }

    /// @dev `asset` priced as a collateral against USDC on the liquidation view, recording transitions.
    function _price(address asset) internal returns (uint256 p) {
        (p,) = oracle.liquidationPrices(asset, address(usdc));
    }

    function test_price_isUsdPerSmallestUnitTimes1e36() public {
        assertEq(_price(address(weth)), 2000e18);
        assertEq(_price(address(usdc)), 1e30);
        assertEq(_price(address(wbtc)), 6e32);
        // value of 1 WETH in WAD USD = amount * price / 1e18
        assertEq(1e18 * _price(address(weth)) / 1e18, 2000e18);
        assertEq(1e8 * _price(address(wbtc)) / 1e18, 60_000e18);
    }

    function test_price_revertsWhenAnswerStale() public {
        vm.warp(block.timestamp + 1 hours + 1);
        vm.expectRevert(
            abi.encodeWithSelector(IPriceOracle.StalePrice.selector, address(weth), 1_700_000_000, uint256(1 hours))
        );
        _price(address(weth));
        vm.expectRevert(
            abi.encodeWithSelector(IPriceOracle.StalePrice.selector, address(weth), 1_700_000_000, uint256(1 hours))
        );
        oracle.peek(address(weth));
    }

    function test_price_acceptsAnswerExactlyAtHeartbeat() public {
        vm.warp(block.timestamp + 1 hours);
        assertEq(_price(address(weth)), 2000e18);
    }

    function test_price_revertsWhenAnswerZero() public {
        _push(wethFeed, 0);
        vm.expectRevert(abi.encodeWithSelector(IPriceOracle.InvalidPrice.selector, address(weth), int256(0)));
        _price(address(weth));
    }

    function test_price_revertsWhenAnswerNegative() public {
        _push(wethFeed, -5);
        vm.expectRevert(abi.encodeWithSelector(IPriceOracle.InvalidPrice.selector, address(weth), int256(-5)));
        _price(address(weth));
    }

    function test_price_revertsWhenFeedNotSet() public {
        vm.expectRevert(abi.encodeWithSelector(IPriceOracle.FeedNotSet.selector, address(0xdead)));
        _price(address(0xdead));
    }

    function test_price_acceptsStepsWithinDeviationAndRecordsThem() public {
        _push(wethFeed, 1700e8); // -15%
        vm.expectEmit(address(oracle));
        emit IPriceOracle.PriceAccepted(address(weth), 1700e8, 1700e18);
        assertEq(_price(address(weth)), 1700e18);
        assertEq(oracle.lastAcceptedAnswer(address(weth)), 1700e8);
        _push(wethFeed, 1445e8); // another -15%, 27.75% below the first answer
        assertEq(_price(address(weth)), 1445e18);
    }

    function test_peek_returnsTheCurrentAnswerWithoutRecording() public {
        _push(wethFeed, 1900e8);
        assertEq(oracle.peek(address(weth)), 1900e18);
        assertEq(oracle.lastAcceptedAnswer(address(weth)), 2000e8);
        // beyond the guard too: peek reports the market, never reverts on a move (it did before)
        _push(wethFeed, 1000e8);
        assertEq(oracle.peek(address(weth)), 1000e18);
        assertEq(oracle.lastAcceptedAnswer(address(weth)), 2000e8);
    }

    function test_acceptPrice_letsGovernanceThroughALargeMove() public {
        _push(wethFeed, 700e8);
        vm.prank(gov);
        oracle.acceptPrice(address(weth));
        assertEq(_price(address(weth)), 700e18);
    }

    function test_acceptPrice_revertsWhenCallerIsNotGovernance() public {
        vm.expectRevert(abi.encodeWithSelector(IGoverned.NotGovernance.selector, address(this)));
        oracle.acceptPrice(address(weth));
    }

    function test_setFeed_revertsWhenCallerIsNotGovernance() public {
        vm.expectRevert(abi.encodeWithSelector(IGoverned.NotGovernance.selector, address(this)));
        oracle.setFeed(address(weth), wethFeed, 1, 1);
    }

    function test_setFeed_revertsOnInvalidConfig() public {
        vm.startPrank(gov);
        vm.expectRevert(IPriceOracle.InvalidFeedConfig.selector);
        oracle.setFeed(address(weth), wethFeed, 0, 100);
        vm.expectRevert(IPriceOracle.InvalidFeedConfig.selector);
        oracle.setFeed(address(weth), wethFeed, 1 hours, 10_001);
        MockERC20 wide = new MockERC20("WIDE", "WIDE", 29); // 29 + 8 > 36
        vm.expectRevert(IPriceOracle.InvalidFeedConfig.selector);
        oracle.setFeed(address(wide), wethFeed, 1 hours, 100);
        vm.expectRevert(IGoverned.ZeroAddress.selector);
        oracle.setFeed(address(weth), IAggregatorV3(address(0)), 1 hours, 100);
        vm.stopPrank();
    }

    function test_setFeed_revertsWhenFeedAnswerInvalid() public {
        _push(wethFeed, 0);
        vm.prank(gov);
        vm.expectRevert(abi.encodeWithSelector(IPriceOracle.InvalidPrice.selector, address(weth), int256(0)));
        oracle.setFeed(address(weth), wethFeed, 1 hours, 100);
    }

    function test_setFeed_recordsConfigAndEmits() public {
        vm.expectEmit(address(oracle));
        emit IPriceOracle.FeedSet(address(wbtc), address(wbtcFeed), 7200, 1_000, 20);
        vm.prank(gov);
        oracle.setFeed(address(wbtc), wbtcFeed, 7200, 1_000);
        IPriceOracle.FeedConfig memory f = oracle.feedOf(address(wbtc));
        assertEq(address(f.feed), address(wbtcFeed));
        assertEq(f.heartbeat, 7200);
        assertEq(f.maxDeviationBps, 1_000);
        assertEq(f.scaleExponent, 20);
    }

    function test_price_withZeroMaxDeviationAcceptsAnyMove() public {
        vm.prank(gov);
        oracle.setFeed(address(weth), wethFeed, 1 hours, 0);
        _push(wethFeed, 1e8);
        assertEq(_price(address(weth)), 1e18);
    }

    function testFuzz_liquidationPrices_acceptExactlyTheMovesWithinTheGuard(uint64 next) public {
        vm.assume(next > 0);
        _push(wethFeed, int256(uint256(next)));
        uint256 last = 2000e8;
        uint256 diff = next > last ? next - last : last - next;
        bool tooFar = diff * 10_000 > last * 2_000;
        // never reverts; a move beyond the guard prices the collateral at the lower of the two
        assertEq(_price(address(weth)), (tooFar && next > last ? last : uint256(next)) * 1e10);
        assertEq(
            oracle.lastAcceptedAnswer(address(weth)), tooFar ? last : OracleLib.decompress(OracleLib.compress(next))
        );
    }

    function testFuzz_compress_relativeErrorBelow2pow31(uint256 x) public pure {
        vm.assume(x != 0);
        uint256 y = OracleLib.decompress(OracleLib.compress(x));
        assertLe(y, x);
        assertLe((x - y), x >> 31);
        if (x < 2 ** 32) assertEq(y, x);
    }
}
