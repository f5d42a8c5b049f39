// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.24;

import {IAggregatorV3} from "./IAggregatorV3.sol";

/// @title IDevnetPriceFeed
/// @notice A Chainlink-compatible feed (8 decimals) whose answer an authorized pusher sets.
/// @dev Used by the devnet (the off-chain price pusher plays scenario price paths onto it) and by tests.
///      Every push opens a new round; round ids start at 1 and increase by one.
interface IDevnetPriceFeed is IAggregatorV3 {
    /// @notice Thrown when a caller other than the pusher pushes an answer.
    error NotPusher(address caller);
    /// @notice Thrown when `getRoundData` asks for a round that does not exist (Chainlink reverts too).
    error RoundNotFound(uint80 roundId);
    /// @notice Thrown when a pushed answer does not fit in 128 signed bits.
    error AnswerOutOfRange(int256 answer);

    /// @notice Emitted when governance changes the pusher.
    event PusherSet(address indexed pusher);
    /// @notice Chainlink's AggregatorInterface event: emitted on every push.
    event AnswerUpdated(int256 indexed current, uint256 indexed roundId, uint256 updatedAt);
    /// @notice Chainlink's AggregatorInterface event: emitted on every push.
    event NewRound(uint256 indexed roundId, address indexed startedBy, uint256 startedAt);

    /// @notice The only account allowed to push answers.
    function pusher() external view returns (address);

    /// @notice Sets the pusher (governance only).
    function setPusher(address pusher_) external;

    /// @notice Opens a new round with `answer` (8 decimals) timestamped now. Zero and negative answers are
    ///         accepted on purpose so consumers' guards can be exercised.
    /// @return roundId The new round's id.
    function updateAnswer(int256 answer) external returns (uint80 roundId);

    /// @notice Latest answer (Chainlink's legacy getter).
    function latestAnswer() external view returns (int256);

    /// @notice Latest round id (Chainlink's legacy getter).
    function latestRound() external view returns (uint256);
}
