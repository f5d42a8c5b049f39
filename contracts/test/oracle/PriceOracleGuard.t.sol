// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.24;

import {Test} from "forge-std/Test.sol";
import {MockERC20} from "../utils/MockERC20.sol";
import {DevnetPriceFeed} from "../../src/oracle/DevnetPriceFeed.sol";
import {PriceOracle} from "../../src/oracle/PriceOracle.sol";
import {IPriceOracle} from "../../src/oracle/IPriceOracle.sol";
import {OracleLib} from "../../src/oracle/OracleLib.sol";
import {IGoverned} from "../../src/shared/IGoverned.sol";

/// @notice The deviation guard's states: a move beyond the guard is pending (priced at the bound that protects
///         lenders), confirmed or rejected by the guardian within its window, or accepted when the window passes.
contract PriceOracleGuardTest is Test {
    uint16 internal constant GUARD_BPS = 2_000;
    uint256 internal constant T0 = 1_700_000_000;

    address internal gov = makeAddr("governance");
    address internal pusher = makeAddr("pusher");
    address internal guardian = makeAddr("guardian");
    MockERC20 internal usdc;
    MockERC20 internal weth;
    DevnetPriceFeed internal usdcFeed;
    DevnetPriceFeed internal wethFeed;
    PriceOracle internal oracle;

    function setUp() public {
        vm.warp(T0);
        usdc = new MockERC20("USDC", "USDC", 6);
        weth = new MockERC20("WETH", "WETH", 18);
        usdcFeed = new DevnetPriceFeed("USDC / USD", gov, pusher, 1e8);
        wethFeed = new DevnetPriceFeed("ETH / USD", gov, pusher, 2000e8);
        oracle = new PriceOracle(gov);
        vm.startPrank(gov);
        // heartbeats of a day: these tests move time by hours without the feeds going stale
        oracle.setFeed(address(usdc), usdcFeed, 1 days, GUARD_BPS);
        oracle.setFeed(address(weth), wethFeed, 1 days, GUARD_BPS);
        oracle.setGuardian(guardian);
        vm.stopPrank();
    }

    function _push(DevnetPriceFeed feed, int256 answer) internal returns (uint80 round) {
        vm.prank(pusher);
        round = feed.updateAnswer(answer);
    }

    function _liq() internal returns (uint256 c, uint256 d) {
        return oracle.liquidationPrices(address(weth), address(usdc));
    }

    function _risk() internal returns (uint256 c, uint256 d) {
        return oracle.riskPrices(address(weth), address(usdc));
    }

    function _status(address asset) internal view returns (IPriceOracle.PriceStatus s) {
        (s,,,) = oracle.priceStatus(asset);
    }

    // ------------------------------------------------------------------ defaults and governance

    function test_constructor_defaultsToAnHourWindowAndNoGuardian() public {
        PriceOracle fresh = new PriceOracle(gov);
        assertEq(fresh.moveWindow(), 1 hours);
        assertEq(fresh.guardian(), address(0));
        assertEq(fresh.MAX_MOVE_WINDOW(), 1 days);
    }

    function test_setGuardian_onlyGovernanceAndEmits() public {
        vm.expectRevert(abi.encodeWithSelector(IGoverned.NotGovernance.selector, guardian));
        vm.prank(guardian);
        oracle.setGuardian(guardian);
        address next = makeAddr("next");
        vm.expectEmit(address(oracle));
        emit IPriceOracle.GuardianSet(next);
        vm.prank(gov);
        oracle.setGuardian(next);
        assertEq(oracle.guardian(), next);
    }

    function test_setMoveWindow_boundedAndOnlyGovernance() public {
        vm.startPrank(gov);
        vm.expectRevert(abi.encodeWithSelector(IPriceOracle.InvalidMoveWindow.selector, uint32(0)));
        oracle.setMoveWindow(0);
        vm.expectRevert(abi.encodeWithSelector(IPriceOracle.InvalidMoveWindow.selector, uint32(1 days + 1)));
        oracle.setMoveWindow(1 days + 1);
        vm.expectEmit(address(oracle));
        emit IPriceOracle.MoveWindowSet(1 days);
        oracle.setMoveWindow(1 days);
        vm.stopPrank();
        assertEq(oracle.moveWindow(), 1 days);
        vm.expectRevert(abi.encodeWithSelector(IGoverned.NotGovernance.selector, guardian));
        vm.prank(guardian);
        oracle.setMoveWindow(60);
    }

    // ------------------------------------------------------------------ pending: lender-protective bounds

    function test_crash_isPricedAtOnceOnTheNewLowerCollateralPrice() public {
        _push(wethFeed, 800e8); // -60% in one round
        (uint256 c, uint256 d) = _liq();
        assertEq(c, 800e18);
        assertEq(d, 1e30);
        (c, d) = _risk();
        assertEq(c, 800e18);
        assertEq(d, 1e30);
        assertEq(uint8(_status(address(weth))), uint8(IPriceOracle.PriceStatus.Pending));
        assertEq(oracle.lastAcceptedAnswer(address(weth)), 2000e8);
    }

    function test_upwardSpike_ofCollateralKeepsTheLastAcceptedPriceOnBothViews() public {
        _push(wethFeed, 3200e8); // +60%
        (uint256 c,) = _risk();
        assertEq(c, 2000e18);
        (c,) = _liq();
        assertEq(c, 2000e18);
        (c,) = oracle.peekRiskPrices(address(weth), address(usdc));
        assertEq(c, 2000e18);
    }

    function test_downwardSpike_ofTheDebtAssetKeepsTheLastAcceptedPrice() public {
        _push(usdcFeed, 0.4e8);
        (, uint256 d) = _risk();
        assertEq(d, 1e30);
        (, d) = _liq();
        assertEq(d, 1e30);
    }

    function test_upwardMove_ofTheDebtAssetIsPricedAtOnce() public {
        _push(usdcFeed, 1.6e8);
        (, uint256 d) = _risk();
        assertEq(d, 1.6e30);
        (, d) = oracle.peekLiquidationPrices(address(weth), address(usdc));
        assertEq(d, 1.6e30);
    }

    function test_firstRecordingReadOpensTheMoveAndStartsItsWindow() public {
        uint80 round = _push(wethFeed, 800e8);
        vm.warp(T0 + 100);
        vm.expectEmit(address(oracle));
        emit IPriceOracle.MoveOpened(address(weth), round, 800e8, 2000e8, T0 + 100 + 1 hours);
        assertEq(uint8(oracle.update(address(weth))), uint8(IPriceOracle.PriceStatus.Pending));
        IPriceOracle.Move memory m = oracle.moveOf(address(weth));
        assertEq(m.roundId, round);
        assertEq(m.seenAt, T0 + 100);
        assertFalse(m.rejected);
        (IPriceOracle.PriceStatus s, uint256 current, uint256 last, uint256 acceptsAt) =
            oracle.priceStatus(address(weth));
        assertEq(uint8(s), uint8(IPriceOracle.PriceStatus.Pending));
        assertEq(current, 800e18);
        assertEq(last, 2000e18);
        assertEq(acceptsAt, T0 + 100 + 1 hours);
        // a second read records nothing more
        vm.recordLogs();
        oracle.update(address(weth));
        assertEq(vm.getRecordedLogs().length, 0);
    }

    function test_views_recordNothing() public {
        _push(wethFeed, 800e8);
        oracle.peekLiquidationPrices(address(weth), address(usdc));
        oracle.peekRiskPrices(address(weth), address(usdc));
        assertEq(oracle.moveOf(address(weth)).seenAt, 0);
        (,,, uint256 acceptsAt) = oracle.priceStatus(address(weth));
        assertEq(acceptsAt, 0); // not started: still pending however long nobody records it
        vm.warp(T0 + 10 hours);
        assertEq(uint8(_status(address(weth))), uint8(IPriceOracle.PriceStatus.Pending));
    }

    // ------------------------------------------------------------------ window: automatic acceptance

    function test_move_isAcceptedAutomaticallyWhenItsWindowPasses() public {
        uint80 round = _push(wethFeed, 3200e8);
        oracle.update(address(weth));
        vm.warp(T0 + 1 hours - 1);
        (uint256 c,) = _risk();
        assertEq(c, 2000e18);
        vm.warp(T0 + 1 hours);
        vm.expectEmit(address(oracle));
        emit IPriceOracle.MoveAutoAccepted(address(weth), round, 3200e8);
        vm.expectEmit(address(oracle));
        emit IPriceOracle.PriceAccepted(address(weth), 3200e8, 3200e18);
        (c,) = _risk();
        assertEq(c, 3200e18);
        assertEq(oracle.lastAcceptedAnswer(address(weth)), 3200e8);
        assertEq(uint8(_status(address(weth))), uint8(IPriceOracle.PriceStatus.Accepted));
    }

    function test_move_viewsSeeTheAutomaticAcceptanceBeforeAnyoneRecordsIt() public {
        _push(wethFeed, 3200e8);
        oracle.update(address(weth));
        vm.warp(T0 + 1 hours);
        (uint256 c,) = oracle.peekRiskPrices(address(weth), address(usdc));
        assertEq(c, 3200e18);
        assertEq(oracle.lastAcceptedAnswer(address(weth)), 2000e8); // nothing written by a view
    }

    function test_newRoundBeyondTheGuard_opensItsOwnWindow() public {
        _push(wethFeed, 3200e8);
        oracle.update(address(weth));
        vm.warp(T0 + 50 minutes);
        uint80 second = _push(wethFeed, 3300e8);
        oracle.update(address(weth));
        vm.warp(T0 + 1 hours + 1);
        (uint256 c,) = _risk();
        assertEq(c, 2000e18); // the round now current has stood 10 minutes only
        vm.warp(T0 + 50 minutes + 1 hours);
        vm.expectEmit(address(oracle));
        emit IPriceOracle.MoveAutoAccepted(address(weth), second, 3300e8);
        (c,) = _risk();
        assertEq(c, 3300e18);
    }

    function test_feedComingBackWithinTheGuard_endsTheMove() public {
        _push(wethFeed, 800e8);
        oracle.update(address(weth));
        _push(wethFeed, 1900e8);
        vm.expectEmit(address(oracle));
        emit IPriceOracle.PriceAccepted(address(weth), 1900e8, 1900e18);
        (uint256 c,) = _liq();
        assertEq(c, 1900e18);
        assertEq(uint8(_status(address(weth))), uint8(IPriceOracle.PriceStatus.Accepted));
    }

    // ------------------------------------------------------------------ guardian: confirm

    function test_confirmMove_acceptsTheRoundAtOnce() public {
        uint80 round = _push(wethFeed, 3200e8);
        oracle.update(address(weth));
        vm.expectEmit(address(oracle));
        emit IPriceOracle.MoveConfirmed(address(weth), round, 3200e8, guardian);
        vm.expectEmit(address(oracle));
        emit IPriceOracle.PriceAccepted(address(weth), 3200e8, 3200e18);
        vm.prank(guardian);
        oracle.confirmMove(address(weth), round);
        (uint256 c,) = _risk();
        assertEq(c, 3200e18);
        assertEq(oracle.lastAcceptedAnswer(address(weth)), 3200e8);
        assertEq(oracle.moveOf(address(weth)).seenAt, 0);
    }

    function test_confirmMove_worksBeforeAnyoneRecordedTheMove() public {
        uint80 round = _push(wethFeed, 800e8);
        vm.prank(guardian);
        oracle.confirmMove(address(weth), round);
        assertEq(oracle.lastAcceptedAnswer(address(weth)), 800e8);
    }

    function test_confirmMove_revertsForAnyoneButTheGuardian() public {
        uint80 round = _push(wethFeed, 800e8);
        vm.expectRevert(abi.encodeWithSelector(IPriceOracle.NotGuardian.selector, gov));
        vm.prank(gov); // the timelock is not the guardian
        oracle.confirmMove(address(weth), round);
        vm.expectRevert(abi.encodeWithSelector(IPriceOracle.NotGuardian.selector, address(this)));
        oracle.rejectMove(address(weth), round);
    }

    function test_confirmMove_revertsOnAnotherRound() public {
        uint80 first = _push(wethFeed, 800e8);
        uint80 second = _push(wethFeed, 5000e8);
        vm.expectRevert(abi.encodeWithSelector(IPriceOracle.RoundMismatch.selector, address(weth), first, second));
        vm.prank(guardian);
        oracle.confirmMove(address(weth), first);
        assertEq(oracle.lastAcceptedAnswer(address(weth)), 2000e8);
    }

    function test_confirmMove_revertsWithoutAMove() public {
        uint80 round = _push(wethFeed, 1900e8); // within the guard
        vm.expectRevert(
            abi.encodeWithSelector(
                IPriceOracle.NoPendingMove.selector, address(weth), IPriceOracle.PriceStatus.Accepted
            )
        );
        vm.prank(guardian);
        oracle.confirmMove(address(weth), round);
    }

    // ------------------------------------------------------------------ guardian: reject

    function test_rejectMove_liquidationUsesTheLastAcceptedPriceAndRiskPauses() public {
        uint80 round = _push(wethFeed, 800e8); // a broken feed
        oracle.update(address(weth));
        vm.expectEmit(address(oracle));
        emit IPriceOracle.MoveRejected(address(weth), round, 800e8, guardian);
        vm.prank(guardian);
        oracle.rejectMove(address(weth), round);
        assertEq(uint8(_status(address(weth))), uint8(IPriceOracle.PriceStatus.Rejected));
        (uint256 c,) = _liq();
        assertEq(c, 2000e18);
        vm.expectRevert(abi.encodeWithSelector(IPriceOracle.PriceMoveRejected.selector, address(weth), round));
        _risk();
        vm.expectRevert(abi.encodeWithSelector(IPriceOracle.PriceMoveRejected.selector, address(weth), round));
        oracle.peekRiskPrices(address(weth), address(usdc));
        // never accepted by the window
        vm.warp(T0 + 5 hours);
        (c,) = _liq();
        assertEq(c, 2000e18);
        assertEq(oracle.lastAcceptedAnswer(address(weth)), 2000e8);
    }

    function test_rejectMove_beforeAnyRecord() public {
        uint80 round = _push(wethFeed, 800e8);
        vm.prank(guardian);
        oracle.rejectMove(address(weth), round);
        IPriceOracle.Move memory m = oracle.moveOf(address(weth));
        assertTrue(m.rejected);
        assertEq(m.roundId, round);
        assertEq(m.seenAt, T0);
        (uint256 c,) = _liq();
        assertEq(c, 2000e18);
    }

    function test_rejectMove_holdsOnlyForItsRound() public {
        uint80 round = _push(wethFeed, 800e8);
        vm.prank(guardian);
        oracle.rejectMove(address(weth), round);
        _push(wethFeed, 790e8); // the feed insists: a new move, pending again
        (uint256 c,) = _liq();
        assertEq(c, 790e18);
        assertEq(uint8(_status(address(weth))), uint8(IPriceOracle.PriceStatus.Pending));
    }

    function test_rejectMove_revertsAfterTheWindow() public {
        uint80 round = _push(wethFeed, 800e8);
        oracle.update(address(weth));
        vm.warp(T0 + 1 hours);
        vm.expectRevert(
            abi.encodeWithSelector(
                IPriceOracle.NoPendingMove.selector, address(weth), IPriceOracle.PriceStatus.Accepted
            )
        );
        vm.prank(guardian);
        oracle.rejectMove(address(weth), round);
    }

    function test_rejectMove_revertsWhenAlreadyRejected() public {
        uint80 round = _push(wethFeed, 800e8);
        vm.startPrank(guardian);
        oracle.rejectMove(address(weth), round);
        vm.expectRevert(
            abi.encodeWithSelector(
                IPriceOracle.NoPendingMove.selector, address(weth), IPriceOracle.PriceStatus.Rejected
            )
        );
        oracle.rejectMove(address(weth), round);
        // the guardian may still change its mind and confirm
        oracle.confirmMove(address(weth), round);
        vm.stopPrank();
        assertEq(oracle.lastAcceptedAnswer(address(weth)), 800e8);
    }

    function test_acceptPrice_byGovernanceClearsARejection() public {
        uint80 round = _push(wethFeed, 800e8);
        vm.prank(guardian);
        oracle.rejectMove(address(weth), round);
        vm.prank(gov);
        oracle.acceptPrice(address(weth));
        (uint256 c,) = _risk();
        assertEq(c, 800e18);
    }

    function test_setFeed_forgetsTheMoveOfThePreviousFeed() public {
        uint80 round = _push(wethFeed, 800e8);
        vm.prank(guardian);
        oracle.rejectMove(address(weth), round);
        vm.prank(gov);
        oracle.setFeed(address(weth), wethFeed, 1 days, GUARD_BPS);
        assertEq(oracle.moveOf(address(weth)).roundId, 0);
        (uint256 c,) = _risk();
        assertEq(c, 800e18);
    }

    // ------------------------------------------------------------------ fuzz

    /// Any answer, either direction, either asset: each side of both views is the bound that protects lenders.
    function testFuzz_pendingMove_pricesEachSideAtTheLenderProtectiveBound(uint64 wethAnswer, uint64 usdcAnswer)
        public
    {
        wethAnswer = uint64(bound(wethAnswer, 1, 1e15));
        usdcAnswer = uint64(bound(usdcAnswer, 1, 1e10));
        _push(wethFeed, int256(uint256(wethAnswer)));
        _push(usdcFeed, int256(uint256(usdcAnswer)));
        bool wethMove = OracleLib.exceedsDeviation(wethAnswer, 2000e8, GUARD_BPS);
        bool usdcMove = OracleLib.exceedsDeviation(usdcAnswer, 1e8, GUARD_BPS);
        uint256 c = wethMove && wethAnswer > 2000e8 ? 2000e8 : wethAnswer;
        uint256 d = usdcMove && usdcAnswer < 1e8 ? 1e8 : usdcAnswer;
        (uint256 pc, uint256 pd) = oracle.peekLiquidationPrices(address(weth), address(usdc));
        (uint256 rc, uint256 rd) = _risk();
        (uint256 lc, uint256 ld) = _liq();
        assertEq(pc, c * 1e10);
        assertEq(pd, d * 1e22);
        assertEq(rc, pc);
        assertEq(rd, pd);
        assertEq(lc, pc);
        assertEq(ld, pd);
        // the collateral never rises above, the debt never falls below, what the feed says
        assertLe(lc, uint256(wethAnswer) * 1e10);
        assertGe(ld, uint256(usdcAnswer) * 1e22);
    }

    /// A recorded move resolves exactly `window` seconds after it was first recorded, for any governed window.
    function testFuzz_move_acceptedExactlyWhenItsWindowEnds(uint32 window, uint32 wait, bool up) public {
        window = uint32(bound(window, 1, 1 days));
        wait = uint32(bound(wait, 0, 2 days));
        vm.prank(gov);
        oracle.setMoveWindow(window);
        _push(wethFeed, up ? int256(3200e8) : int256(800e8));
        oracle.update(address(weth));
        vm.warp(T0 + wait);
        _push(usdcFeed, 1e8); // keeps nothing stale (heartbeats are a day, waits up to two)
        vm.prank(pusher);
        wethFeed.updateAnswer(up ? int256(3200e8) : int256(800e8)); // same answer, new round: restarts
        oracle.update(address(weth));
        uint256 seenAt = oracle.moveOf(address(weth)).seenAt;
        vm.warp(seenAt + window - 1);
        (uint256 c,) = _risk();
        assertEq(c, up ? 2000e18 : 800e18);
        assertEq(oracle.lastAcceptedAnswer(address(weth)), 2000e8);
        vm.warp(seenAt + window);
        (c,) = _risk();
        assertEq(c, up ? 3200e18 : 800e18);
        assertEq(oracle.lastAcceptedAnswer(address(weth)), up ? 3200e8 : 800e8);
    }

    /// Random sequences of pushes, reads, guardian actions and waits: the liquidation view never reverts on a
    /// move, the risk view only on a rejected round, both agree otherwise, the accepted answer changes only
    /// through the guard, the guardian, the window or governance, and no move outlives its window.
    function testFuzz_stateMachine_neverFreezesLiquidation(uint256 seed) public {
        uint256 lastAccepted = 2000e8;
        uint256 firstSeen; // when the current round's move was first recorded (0: not recorded)
        bool rejected;
        for (uint256 i; i < 24; ++i) {
            uint256 r = uint256(keccak256(abi.encode(seed, i)));
            uint256 action = r % 6;
            (, int256 cur,,,) = wethFeed.latestRoundData();
            if (action == 0) {
                // a new round: anything from -90% to +200% of the current answer
                int256 next = cur * int256(10 + (r >> 8) % 291) / 100;
                if (next == 0) next = 1;
                _push(wethFeed, next);
                firstSeen = 0;
                rejected = false;
            } else if (action == 1 && (r >> 128) % 2 == 0 && _freshFor(90 minutes)) {
                // time passes with no new round: a recorded move may outlive its window here
                vm.warp(block.timestamp + (r >> 8) % 90 minutes);
            } else if (action == 1) {
                vm.warp(block.timestamp + (r >> 8) % 2 hours);
                // keep both feeds fresh without moving them: a same-answer round (the move restarts)
                _push(usdcFeed, 1e8);
                _push(wethFeed, cur);
                firstSeen = 0;
                rejected = false;
            } else if (action == 2) {
                (uint80 round,,,,) = wethFeed.latestRoundData();
                IPriceOracle.PriceStatus s = _status(address(weth));
                vm.prank(guardian);
                if (s == IPriceOracle.PriceStatus.Accepted) {
                    vm.expectRevert();
                    oracle.confirmMove(address(weth), round);
                } else {
                    oracle.confirmMove(address(weth), round);
                    lastAccepted = uint256(cur);
                    firstSeen = 0;
                    rejected = false;
                }
            } else if (action == 3) {
                (uint80 round,,,,) = wethFeed.latestRoundData();
                IPriceOracle.PriceStatus s = _status(address(weth));
                vm.prank(guardian);
                if (s != IPriceOracle.PriceStatus.Pending) {
                    vm.expectRevert();
                    oracle.rejectMove(address(weth), round);
                } else {
                    oracle.rejectMove(address(weth), round);
                    rejected = true;
                    if (firstSeen == 0) firstSeen = block.timestamp;
                }
            } else {
                // a recording read by the protocol (kick/take or borrow/withdraw)
                IPriceOracle.PriceStatus before = _status(address(weth));
                if (before == IPriceOracle.PriceStatus.Pending && firstSeen == 0) firstSeen = block.timestamp;
                if (action == 4 || before == IPriceOracle.PriceStatus.Rejected) _liq();
                else _risk();
                if (before == IPriceOracle.PriceStatus.Accepted) {
                    lastAccepted = uint256(cur);
                    firstSeen = 0;
                }
            }
            _checkInvariants(lastAccepted, firstSeen, rejected);
        }
    }

    /// @dev Both feeds stay fresh (1-day heartbeats) for another `span` seconds.
    function _freshFor(uint256 span) internal view returns (bool) {
        (,,, uint256 w,) = wethFeed.latestRoundData();
        (,,, uint256 u,) = usdcFeed.latestRoundData();
        return block.timestamp + span <= (w < u ? w : u) + 1 days;
    }

    function _checkInvariants(uint256 lastAccepted, uint256 firstSeen, bool rejected) internal view {
        (, int256 cur,,,) = wethFeed.latestRoundData();
        uint256 answer = uint256(cur);
        assertEq(oracle.lastAcceptedAnswer(address(weth)), OracleLib.decompress(OracleLib.compress(lastAccepted)));
        uint256 last = oracle.lastAcceptedAnswer(address(weth));
        IPriceOracle.PriceStatus s = _status(address(weth));
        (uint256 lc,) = oracle.peekLiquidationPrices(address(weth), address(usdc));
        bool beyond = OracleLib.exceedsDeviation(answer, last, GUARD_BPS);
        if (!beyond) {
            assertEq(uint8(s), uint8(IPriceOracle.PriceStatus.Accepted));
        } else if (firstSeen != 0 && rejected) {
            assertEq(uint8(s), uint8(IPriceOracle.PriceStatus.Rejected));
        } else if (firstSeen != 0 && block.timestamp >= firstSeen + 1 hours) {
            assertEq(uint8(s), uint8(IPriceOracle.PriceStatus.Accepted)); // no move outlives its window
        } else {
            assertEq(uint8(s), uint8(IPriceOracle.PriceStatus.Pending));
        }
        if (s == IPriceOracle.PriceStatus.Rejected) {
            assertEq(lc, last * 1e10);
        } else {
            (uint256 rc,) = oracle.peekRiskPrices(address(weth), address(usdc));
            assertEq(rc, lc);
            uint256 expected = s == IPriceOracle.PriceStatus.Pending && last < answer ? last : answer;
            assertEq(lc, expected * 1e10);
        }
    }
}
