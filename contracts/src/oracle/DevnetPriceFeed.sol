// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.24;

import {IAggregatorV3} from "./IAggregatorV3.sol";
import {IDevnetPriceFeed} from "./IDevnetPriceFeed.sol";
import {Governed} from "../shared/Governed.sol";

/// @title DevnetPriceFeed
/// @notice Chainlink-compatible 8-decimal feed for the devnet and tests; governance appoints the pusher.
contract DevnetPriceFeed is IDevnetPriceFeed, Governed {
    /// @dev One round in one slot, so `latestRoundData` costs a single SLOAD.
    struct Round {
        int128 answer;
        uint64 updatedAt;
        uint64 roundId;
    }

    uint8 public constant override decimals = 8;
    uint256 public constant override version = 4;

    /// @inheritdoc IDevnetPriceFeed
    address public pusher;

    string private _description;
    Round private _latest;
    mapping(uint256 roundId => Round) private _rounds;

    /// @param description_ e.g. "ETH / USD".
    /// @param governance_ may change the pusher.
    /// @param pusher_ pushes answers.
    /// @param initialAnswer first round's answer (8 decimals); opens round 1.
    constructor(string memory description_, address governance_, address pusher_, int256 initialAnswer)
        Governed(governance_)
    {
        _description = description_;
        pusher = pusher_;
        emit PusherSet(pusher_);
        _push(initialAnswer);
    }

    /// @inheritdoc IAggregatorV3
    function description() external view returns (string memory) {
        return _description;
    }

    /// @inheritdoc IDevnetPriceFeed
    function setPusher(address pusher_) external onlyGovernance {
        pusher = pusher_;
        emit PusherSet(pusher_);
    }

    /// @inheritdoc IDevnetPriceFeed
    function updateAnswer(int256 answer) external returns (uint80) {
        if (msg.sender != pusher) revert NotPusher(msg.sender);
        return _push(answer);
    }

    /// @inheritdoc IAggregatorV3
    function latestRoundData() external view returns (uint80, int256, uint256, uint256, uint80) {
        Round memory r = _latest;
        return (r.roundId, r.answer, r.updatedAt, r.updatedAt, r.roundId);
    }

    /// @inheritdoc IAggregatorV3
    function getRoundData(uint80 roundId) external view returns (uint80, int256, uint256, uint256, uint80) {
        Round memory r = _rounds[roundId];
        if (r.roundId == 0) revert RoundNotFound(roundId);
        return (r.roundId, r.answer, r.updatedAt, r.updatedAt, r.roundId);
    }

    /// @inheritdoc IDevnetPriceFeed
    function latestAnswer() external view returns (int256) {
        return _latest.answer;
    }

    /// @inheritdoc IDevnetPriceFeed
    function latestRound() external view returns (uint256) {
        return _latest.roundId;
    }

    function _push(int256 answer) private returns (uint80 roundId) {
        if (answer > type(int128).max || answer < type(int128).min) revert AnswerOutOfRange(answer);
        // unchecked: a uint64 round counter cannot overflow at one push per transaction
        unchecked {
            roundId = uint80(_latest.roundId + 1);
        }
        // safe: answer fits int128 (checked above), timestamps fit 64 bits, roundId came from a uint64
        // forge-lint: disable-start(unsafe-typecast)
        Round memory r = Round({answer: int128(answer), updatedAt: uint64(block.timestamp), roundId: uint64(roundId)});
        // forge-lint: disable-end(unsafe-typecast)
        _latest = r;
        _rounds[roundId] = r;
        emit NewRound(roundId, msg.sender, block.timestamp);
        emit AnswerUpdated(answer, roundId, block.timestamp);
    }
}
