// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.24;

import {Test} from "forge-std/Test.sol";
import {DevnetPriceFeed} from "../../src/oracle/DevnetPriceFeed.sol";
import {IDevnetPriceFeed} from "../../src/oracle/IDevnetPriceFeed.sol";
import {IGoverned} from "../../src/shared/IGoverned.sol";

contract DevnetPriceFeedTest is Test {
    address internal gov = makeAddr("governance");
    address internal pusher = makeAddr("pusher");
    DevnetPriceFeed internal feed;

    function setUp() public {
        vm.warp(1_000);
        feed = new DevnetPriceFeed("ETH / USD", gov, pusher, 2000e8);
    }

    function test_constructor_opensRoundOneWithEightDecimals() public view {
        assertEq(feed.decimals(), 8);
        assertEq(feed.description(), "ETH / USD");
        (uint80 roundId, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredIn) =
            feed.latestRoundData();
        assertEq(roundId, 1);
        assertEq(answer, 2000e8);
        assertEq(startedAt, 1_000);
        assertEq(updatedAt, 1_000);
        assertEq(answeredIn, 1);
    }

    function test_updateAnswer_increasesRoundIdAndKeepsHistory() public {
        vm.warp(2_000);
        vm.expectEmit(address(feed));
        emit IDevnetPriceFeed.AnswerUpdated(1900e8, 2, 2_000);
        vm.prank(pusher);
        uint80 id = feed.updateAnswer(1900e8);
        assertEq(id, 2);
        (uint80 roundId, int256 answer,, uint256 updatedAt,) = feed.latestRoundData();
        assertEq(roundId, 2);
        assertEq(answer, 1900e8);
        assertEq(updatedAt, 2_000);
        (, int256 old,, uint256 oldAt,) = feed.getRoundData(1);
        assertEq(old, 2000e8);
        assertEq(oldAt, 1_000);
        assertEq(feed.latestAnswer(), 1900e8);
        assertEq(feed.latestRound(), 2);
    }

    function test_updateAnswer_acceptsZeroAndNegativeForConsumersToRefuse() public {
        vm.startPrank(pusher);
        feed.updateAnswer(0);
        assertEq(feed.latestAnswer(), 0);
        feed.updateAnswer(-1);
        assertEq(feed.latestAnswer(), -1);
    }

    function test_updateAnswer_revertsWhenCallerIsNotPusher() public {
        vm.expectRevert(abi.encodeWithSelector(IDevnetPriceFeed.NotPusher.selector, address(this)));
        feed.updateAnswer(1);
    }

    function test_updateAnswer_revertsWhenAnswerExceeds128Bits() public {
        vm.prank(pusher);
        vm.expectRevert(abi.encodeWithSelector(IDevnetPriceFeed.AnswerOutOfRange.selector, int256(1) << 130));
        feed.updateAnswer(int256(1) << 130);
    }

    function test_getRoundData_revertsWhenRoundUnknown() public {
        vm.expectRevert(abi.encodeWithSelector(IDevnetPriceFeed.RoundNotFound.selector, uint80(7)));
        feed.getRoundData(7);
    }

    function test_setPusher_revertsWhenCallerIsNotGovernance() public {
        vm.expectRevert(abi.encodeWithSelector(IGoverned.NotGovernance.selector, address(this)));
        feed.setPusher(address(this));
    }

    function test_setPusher_handsOverPushing() public {
        address next = makeAddr("next");
        vm.prank(gov);
        feed.setPusher(next);
        vm.prank(next);
        feed.updateAnswer(5);
        vm.prank(pusher);
        vm.expectRevert(abi.encodeWithSelector(IDevnetPriceFeed.NotPusher.selector, pusher));
        feed.updateAnswer(6);
    }

    function testFuzz_updateAnswer_roundIdsStrictlyIncrease(int128[8] memory answers) public {
        uint256 last = feed.latestRound();
        for (uint256 i; i < answers.length; ++i) {
            vm.prank(pusher);
            uint256 id = feed.updateAnswer(answers[i]);
            assertEq(id, last + 1);
            last = id;
            assertEq(feed.latestAnswer(), answers[i]);
        }
    }
}
