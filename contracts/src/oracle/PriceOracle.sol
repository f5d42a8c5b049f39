// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.24;

import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {IAggregatorV3} from "./IAggregatorV3.sol";
import {IPriceOracle} from "./IPriceOracle.sol";
import {OracleLib} from "./OracleLib.sol";
import {Governed} from "../shared/Governed.sol";
import {BPS} from "../shared/Constants.sol";

/// @title PriceOracle
/// @notice Price adapter over Chainlink-compatible USD feeds with staleness and deviation guards; a move beyond
///         the guard is priced at the bound that protects lenders until the guardian or its window resolves it.
/// @dev One slot per asset (feed, guards, scale and the last accepted answer), so a priced read within the guard
///      costs one SLOAD here plus the feed's own read; the move slot and the guardian slot are read only when an
///      answer is beyond the guard.
contract PriceOracle is IPriceOracle, Governed {
    /// @inheritdoc IPriceOracle
    uint32 public constant MAX_MOVE_WINDOW = 1 days;
    uint32 internal constant DEFAULT_MOVE_WINDOW = 1 hours;

    /// @dev What a state-changing read must record for the answer it read.
    enum Step {
        None,
        Accept,
        Open,
        AutoAccept
    }

    /// @dev One asset's current answer against its guard, computed without writing.
    struct Reading {
        address asset;
        uint256 answer;
        uint256 last;
        uint256 acceptsAt;
        uint80 roundId;
        uint40 lastPacked;
        uint8 scale;
        PriceStatus status;
        Step step;
    }

    /// @dev Guardian and window share a slot: both are read together, and only on a move.
    struct Guard {
        address guardian;
        uint32 moveWindow;
    }

    mapping(address asset => FeedConfig) private _feeds;
    mapping(address asset => Move) private _moves;
    Guard private _guard;

    /// @param governance_ sets feeds, the guardian and the window, and force-accepts prices (the timelock in
    ///        production). The guardian starts unset: moves resolve by their window until one is appointed.
    constructor(address governance_) Governed(governance_) {
        _guard.moveWindow = DEFAULT_MOVE_WINDOW;
        emit MoveWindowSet(DEFAULT_MOVE_WINDOW);
    }

    // ------------------------------------------------------------------ prices

    /// @inheritdoc IPriceOracle
    function riskPrices(address collateral, address debtAsset) external returns (uint256, uint256) {
        return (_recordedPrice(collateral, false, true), _recordedPrice(debtAsset, true, true));
    }

    /// @inheritdoc IPriceOracle
    function liquidationPrices(address collateral, address debtAsset) external returns (uint256, uint256) {
        return (_recordedPrice(collateral, false, false), _recordedPrice(debtAsset, true, false));
    }

    /// @inheritdoc IPriceOracle
    function peekRiskPrices(address collateral, address debtAsset) external view returns (uint256, uint256) {
        return (_peekedPrice(collateral, false, true), _peekedPrice(debtAsset, true, true));
    }

    /// @inheritdoc IPriceOracle
    function peekLiquidationPrices(address collateral, address debtAsset) external view returns (uint256, uint256) {
        return (_peekedPrice(collateral, false, false), _peekedPrice(debtAsset, true, false));
    }

    /// @inheritdoc IPriceOracle
    function update(address asset) external returns (PriceStatus) {
        Reading memory r = _read(asset);
        _record(r);
        return r.status;
    }

    /// @inheritdoc IPriceOracle
    function peek(address asset) external view returns (uint256) {
        FeedConfig memory f = _feeds[asset];
        (uint256 answer,) = _freshAnswer(asset, f);
        return answer * uint256(10) ** f.scaleExponent;
    }

    /// @inheritdoc IPriceOracle
    function priceStatus(address asset)
        external
        view
        returns (PriceStatus status, uint256 current, uint256 lastAccepted, uint256 acceptsAt)
    {
        Reading memory r = _read(asset);
        uint256 unit = uint256(10) ** r.scale;
        return (r.status, r.answer * unit, r.last * unit, r.acceptsAt);
    }

    // ------------------------------------------------------------------ views

    /// @inheritdoc IPriceOracle
    function feedOf(address asset) external view returns (FeedConfig memory) {
        return _feeds[asset];
    }

    /// @inheritdoc IPriceOracle
    function moveOf(address asset) external view returns (Move memory) {
        return _moves[asset];
    }

    /// @inheritdoc IPriceOracle
    function lastAcceptedAnswer(address asset) external view returns (uint256) {
        return OracleLib.decompress(_feeds[asset].lastAnswer);
    }

    /// @inheritdoc IPriceOracle
    function guardian() external view returns (address) {
        return _guard.guardian;
    }

    /// @inheritdoc IPriceOracle
    function moveWindow() external view returns (uint32) {
        return _guard.moveWindow;
    }

    // ------------------------------------------------------------------ governance

    /// @inheritdoc IPriceOracle
    function setFeed(address asset, IAggregatorV3 feed, uint32 heartbeat, uint16 maxDeviationBps)
        external
        onlyGovernance
    {
        if (asset == address(0) || address(feed) == address(0)) revert ZeroAddress();
        uint256 decimalsSum = uint256(feed.decimals()) + IERC20Metadata(asset).decimals();
        if (heartbeat == 0 || maxDeviationBps > BPS || decimalsSum > 36) revert InvalidFeedConfig();
        FeedConfig memory f = FeedConfig({
            feed: feed,
            heartbeat: heartbeat,
            maxDeviationBps: maxDeviationBps,
            // safe: decimalsSum <= 36 was just checked
            // forge-lint: disable-next-line(unsafe-typecast)
            scaleExponent: uint8(36 - decimalsSum),
            lastAnswer: 0
        });
        (uint256 answer,) = _freshAnswer(asset, f);
        f.lastAnswer = OracleLib.compress(answer);
        _feeds[asset] = f;
        // a move recorded against the previous feed says nothing about this one
        delete _moves[asset];
        emit FeedSet(asset, address(feed), heartbeat, maxDeviationBps, f.scaleExponent);
        emit PriceAccepted(asset, answer, answer * uint256(10) ** f.scaleExponent);
    }

    /// @inheritdoc IPriceOracle
    function acceptPrice(address asset) external onlyGovernance {
        _accept(_read(asset));
    }

    /// @inheritdoc IPriceOracle
    function setGuardian(address guardian_) external onlyGovernance {
        _guard.guardian = guardian_;
        emit GuardianSet(guardian_);
    }

    /// @inheritdoc IPriceOracle
    function setMoveWindow(uint32 window) external onlyGovernance {
        if (window == 0 || window > MAX_MOVE_WINDOW) revert InvalidMoveWindow(window);
        _guard.moveWindow = window;
        emit MoveWindowSet(window);
    }

    // ------------------------------------------------------------------ guardian

    /// @inheritdoc IPriceOracle
    /// @dev A rejected round may be confirmed too (the guardian corrects itself); an accepted one may not.
    function confirmMove(address asset, uint80 roundId) external {
        Reading memory r = _guardianReading(asset, roundId);
        if (r.status == PriceStatus.Accepted) revert NoPendingMove(asset, r.status);
        emit MoveConfirmed(asset, roundId, r.answer, msg.sender);
        _accept(r);
    }

    /// @inheritdoc IPriceOracle
    function rejectMove(address asset, uint80 roundId) external {
        Reading memory r = _guardianReading(asset, roundId);
        if (r.status != PriceStatus.Pending) revert NoPendingMove(asset, r.status);
        Move storage m = _moves[asset];
        if (r.step == Step.Open) {
            // rejected before any read recorded it: the window never started, so it starts (and ends) here
            m.base = r.lastPacked;
            m.roundId = roundId;
            m.seenAt = uint40(block.timestamp);
        }
        m.rejected = true;
        emit MoveRejected(asset, roundId, r.answer, msg.sender);
    }

    // ------------------------------------------------------------------ internals

    function _guardianReading(address asset, uint80 roundId) private view returns (Reading memory r) {
        if (msg.sender != _guard.guardian) revert NotGuardian(msg.sender);
        r = _read(asset);
        if (r.roundId != roundId) revert RoundMismatch(asset, roundId, r.roundId);
    }

    /// @dev Price of one side for a state-changing read. The common cases, an answer already accepted or within
    ///      the guard, cost what they did before moves existed (config SLOAD, feed read, a write on a change);
    ///      only a move beyond the guard is classified against the move slot.
    function _recordedPrice(address asset, bool isDebt, bool addsRisk) private returns (uint256) {
        FeedConfig memory f = _feeds[asset];
        (uint256 answer, uint80 roundId) = _freshAnswer(asset, f);
        uint40 packed = OracleLib.compress(answer);
        if (packed == f.lastAnswer) return answer * uint256(10) ** f.scaleExponent;
        if (_withinGuard(f, answer)) {
            _feeds[asset].lastAnswer = packed;
            uint256 p = answer * uint256(10) ** f.scaleExponent;
            emit PriceAccepted(asset, answer, p);
            return p;
        }
        Reading memory r = _classify(asset, f, answer, roundId);
        _record(r);
        return _price(r, isDebt, addsRisk);
    }

    /// @dev `_recordedPrice` without recording.
    function _peekedPrice(address asset, bool isDebt, bool addsRisk) private view returns (uint256) {
        FeedConfig memory f = _feeds[asset];
        (uint256 answer, uint80 roundId) = _freshAnswer(asset, f);
        if (OracleLib.compress(answer) == f.lastAnswer || _withinGuard(f, answer)) {
            return answer * uint256(10) ** f.scaleExponent;
        }
        return _price(_classify(asset, f, answer, roundId), isDebt, addsRisk);
    }

    function _withinGuard(FeedConfig memory f, uint256 answer) private pure returns (bool) {
        return f.maxDeviationBps == 0
            || !OracleLib.exceedsDeviation(answer, OracleLib.decompress(f.lastAnswer), f.maxDeviationBps);
    }

    /// @dev Reads `asset`'s feed and classifies its answer.
    function _read(address asset) private view returns (Reading memory) {
        FeedConfig memory f = _feeds[asset];
        (uint256 answer, uint80 roundId) = _freshAnswer(asset, f);
        return _classify(asset, f, answer, roundId);
    }

    /// @dev Classifies `answer` (round `roundId`) against the last accepted answer and the recorded move.
    function _classify(address asset, FeedConfig memory f, uint256 answer, uint80 roundId)
        private
        view
        returns (Reading memory r)
    {
        r.asset = asset;
        r.answer = answer;
        r.roundId = roundId;
        r.scale = f.scaleExponent;
        r.lastPacked = f.lastAnswer;
        r.last = OracleLib.decompress(f.lastAnswer);
        if (OracleLib.compress(answer) == f.lastAnswer) return r;
        if (_withinGuard(f, answer)) {
            r.step = Step.Accept;
            return r;
        }
        Move memory m = _moves[asset];
        if (m.base != f.lastAnswer || m.roundId != roundId) {
            // a round nobody recorded yet: pending, and the next state-changing read starts its window
            r.status = PriceStatus.Pending;
            r.step = Step.Open;
            return r;
        }
        if (m.rejected) {
            r.status = PriceStatus.Rejected;
            return r;
        }
        uint256 acceptsAt = uint256(m.seenAt) + _guard.moveWindow;
        if (block.timestamp >= acceptsAt) {
            r.step = Step.AutoAccept;
            return r;
        }
        r.status = PriceStatus.Pending;
        r.acceptsAt = acceptsAt;
    }

    /// @dev Price of one side of a pair from reading `r`. While a move is pending each side takes the bound that
    ///      protects lenders: a collateral the lower of the new and last accepted answers, a debt asset the higher.
    function _price(Reading memory r, bool isDebt, bool addsRisk) private pure returns (uint256) {
        uint256 answer = r.answer;
        if (r.status == PriceStatus.Pending) {
            if (isDebt ? r.last > answer : r.last < answer) answer = r.last;
        } else if (r.status == PriceStatus.Rejected) {
            if (addsRisk) revert PriceMoveRejected(r.asset, r.roundId);
            answer = r.last;
        }
        return answer * uint256(10) ** r.scale;
    }

    /// @dev Writes what reading `r` found: an accepted answer, a newly seen move, or a move past its window.
    function _record(Reading memory r) private {
        if (r.step == Step.None) return;
        if (r.step == Step.Open) {
            uint40 now_ = uint40(block.timestamp);
            _moves[r.asset] = Move({base: r.lastPacked, roundId: r.roundId, seenAt: now_, rejected: false});
            emit MoveOpened(r.asset, r.roundId, r.answer, r.last, uint256(now_) + _guard.moveWindow);
            return;
        }
        if (r.step == Step.AutoAccept) emit MoveAutoAccepted(r.asset, r.roundId, r.answer);
        _feeds[r.asset].lastAnswer = OracleLib.compress(r.answer);
        emit PriceAccepted(r.asset, r.answer, r.answer * uint256(10) ** r.scale);
    }

    /// @dev Makes `r`'s answer the accepted one and forgets any move (governance and guardian paths).
    function _accept(Reading memory r) private {
        _feeds[r.asset].lastAnswer = OracleLib.compress(r.answer);
        delete _moves[r.asset];
        emit PriceAccepted(r.asset, r.answer, r.answer * uint256(10) ** r.scale);
    }

    /// @dev The feed's latest answer and round if the feed is set and the answer positive and fresh.
    function _freshAnswer(address asset, FeedConfig memory f) private view returns (uint256, uint80) {
        if (address(f.feed) == address(0)) revert FeedNotSet(asset);
        (uint80 roundId, int256 answer,, uint256 updatedAt,) = f.feed.latestRoundData();
        if (answer <= 0) revert InvalidPrice(asset, answer);
        if (updatedAt + f.heartbeat < block.timestamp) revert StalePrice(asset, updatedAt, f.heartbeat);
        // safe: answer > 0 was just checked
        // forge-lint: disable-next-line(unsafe-typecast)
        return (uint256(answer), roundId);
    }
}
