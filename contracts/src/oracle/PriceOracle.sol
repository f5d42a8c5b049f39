// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.24;

import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {IAggregatorV3} from "./IAggregatorV3.sol";
import {IPriceOracle} from "./IPriceOracle.sol";
import {OracleLib} from "./OracleLib.sol";
import {Governed} from "../shared/Governed.sol";
import {BPS} from "../shared/Constants.sol";

/// @title PriceOracle
/// @notice Price adapter over Chainlink-compatible USD feeds with staleness and deviation guards.
/// @dev One slot per asset (feed, guards, scale and the last accepted answer), so a priced read costs one
///      SLOAD here plus the feed's own read.
contract PriceOracle is IPriceOracle, Governed {
    mapping(address asset => FeedConfig) private _feeds;

    /// @param governance_ sets feeds and force-accepts prices (the timelock in production).
    constructor(address governance_) Governed(governance_) {}

    /// @inheritdoc IPriceOracle
    function price(address asset) external returns (uint256) {
        FeedConfig memory f = _feeds[asset];
        uint256 answer = _freshAnswer(asset, f);
        uint40 packed = OracleLib.compress(answer);
        if (packed != f.lastAnswer) {
            _checkDeviation(asset, f, answer);
            _feeds[asset].lastAnswer = packed;
            uint256 p = answer * uint256(10) ** f.scaleExponent;
            emit PriceAccepted(asset, answer, p);
            return p;
        }
        return answer * uint256(10) ** f.scaleExponent;
    }

    /// @inheritdoc IPriceOracle
    function peek(address asset) external view returns (uint256) {
        FeedConfig memory f = _feeds[asset];
        uint256 answer = _freshAnswer(asset, f);
        if (OracleLib.compress(answer) != f.lastAnswer) _checkDeviation(asset, f, answer);
        return answer * uint256(10) ** f.scaleExponent;
    }

    /// @inheritdoc IPriceOracle
    function feedOf(address asset) external view returns (FeedConfig memory) {
        return _feeds[asset];
    }

    /// @inheritdoc IPriceOracle
    function lastAcceptedAnswer(address asset) external view returns (uint256) {
        return OracleLib.decompress(_feeds[asset].lastAnswer);
    }

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
        uint256 answer = _freshAnswer(asset, f);
        f.lastAnswer = OracleLib.compress(answer);
        _feeds[asset] = f;
        emit FeedSet(asset, address(feed), heartbeat, maxDeviationBps, f.scaleExponent);
        emit PriceAccepted(asset, answer, answer * uint256(10) ** f.scaleExponent);
    }

    /// @inheritdoc IPriceOracle
    function acceptPrice(address asset) external onlyGovernance {
        FeedConfig memory f = _feeds[asset];
        uint256 answer = _freshAnswer(asset, f);
        _feeds[asset].lastAnswer = OracleLib.compress(answer);
        emit PriceAccepted(asset, answer, answer * uint256(10) ** f.scaleExponent);
    }

    /// @dev The feed's latest answer if it is set, positive and fresh.
    function _freshAnswer(address asset, FeedConfig memory f) private view returns (uint256) {
        if (address(f.feed) == address(0)) revert FeedNotSet(asset);
        (, int256 answer,, uint256 updatedAt,) = f.feed.latestRoundData();
        if (answer <= 0) revert InvalidPrice(asset, answer);
        if (updatedAt + f.heartbeat < block.timestamp) revert StalePrice(asset, updatedAt, f.heartbeat);
        // safe: answer > 0 was just checked
        // forge-lint: disable-next-line(unsafe-typecast)
        return uint256(answer);
    }

    function _checkDeviation(address asset, FeedConfig memory f, uint256 answer) private pure {
        if (f.maxDeviationBps == 0) return;
        uint256 last = OracleLib.decompress(f.lastAnswer);
        if (OracleLib.exceedsDeviation(answer, last, f.maxDeviationBps)) {
            revert PriceDeviationTooLarge(asset, answer, last, f.maxDeviationBps);
        }
    }
}
