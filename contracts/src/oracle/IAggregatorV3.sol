// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title IAggregatorV3
/// @notice Chainlink's AggregatorV3Interface, declared here because the @chainlink npm package cannot be installed offline.
/// @dev Same selectors and return shapes as Chainlink's, so real feeds and DevnetPriceFeed are interchangeable.
interface IAggregatorV3 {
    /// @notice Number of decimals of `answer`.
    function decimals() external view returns (uint8);

    /// @notice Human-readable pair, e.g. "ETH / USD".
    function description() external view returns (string memory);

    /// @notice Aggregator version.
    function version() external view returns (uint256);

    /// @notice Data of round `roundId`.
    function getRoundData(uint80 roundId)
        external
        view
        returns (uint80 roundId_, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound);

    /// @notice Data of the latest round.
    function latestRoundData()
        external
        view
        returns (uint80 roundId, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound);
}
