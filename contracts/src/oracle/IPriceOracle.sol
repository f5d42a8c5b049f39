// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.24;

import {IAggregatorV3} from "./IAggregatorV3.sol";

/// @title IPriceOracle
/// @notice Palisade's price adapter over Chainlink-compatible USD feeds, one feed per asset, guarded by
///         staleness (heartbeat) and by a maximum deviation from the last accepted answer.
/// @dev PRICE UNIT (see shared/Constants.sol): the USD value of ONE SMALLEST UNIT of the asset, times 1e36.
///      `amount * price / 1e18` is a USD value in WAD. WETH at 2,000 USD -> 2000e18; USDC at 1 USD -> 1e30;
///      WBTC at 60,000 USD -> 6e32. Normalisation: price = answer * 10^(36 - feedDecimals - assetDecimals).
///      Deviation guard: the last accepted answer moves only when someone reads through `price` (the lending
///      pool and liquidator do on every priced action; keepers such as the devnet pusher or an executor call
///      `price(asset)` after each feed update). If the feed jumps by more than `maxDeviationBps` since the last
///      accepted answer, prices are refused until the feed comes back in range or governance calls `acceptPrice`.
interface IPriceOracle {
    /// @notice Per-asset configuration, packed in one slot.
    /// @param feed Chainlink-compatible USD feed of the asset.
    /// @param heartbeat Seconds after the feed's `updatedAt` beyond which the answer is stale.
    /// @param maxDeviationBps Largest accepted move from the last accepted answer, in bps; 0 disables the guard.
    /// @param scaleExponent 36 - feedDecimals - assetDecimals.
    /// @param lastAnswer Last accepted answer as a 40-bit float (32-bit mantissa << 8 | binary exponent); the
    ///        guard needs only relative precision (error < 2^-31).
    struct FeedConfig {
        IAggregatorV3 feed;
        uint32 heartbeat;
        uint16 maxDeviationBps;
        uint8 scaleExponent;
        uint40 lastAnswer;
    }

    /// @notice Thrown when an asset has no feed.
    error FeedNotSet(address asset);
    /// @notice Thrown when a feed's answer is zero or negative.
    error InvalidPrice(address asset, int256 answer);
    /// @notice Thrown when a feed's answer is older than its heartbeat allows.
    error StalePrice(address asset, uint256 updatedAt, uint256 heartbeat);
    /// @notice Thrown when a feed's answer moved more than `maxDeviationBps` from the last accepted answer.
    error PriceDeviationTooLarge(address asset, uint256 answer, uint256 lastAccepted, uint256 maxDeviationBps);
    /// @notice Thrown when a configuration argument is out of range (zero heartbeat, deviation above 100%,
    ///         feed + asset decimals above 36).
    error InvalidFeedConfig();

    /// @notice Emitted when governance sets (or replaces) an asset's feed; the current answer is accepted.
    event FeedSet(
        address indexed asset, address indexed feed, uint32 heartbeat, uint16 maxDeviationBps, uint8 scaleExponent
    );
    /// @notice Emitted whenever a new answer becomes the last accepted one.
    event PriceAccepted(address indexed asset, uint256 answer, uint256 price);

    /// @notice Validated price of `asset` (unit above); records the answer as last accepted when it changed.
    /// @dev Reverts with FeedNotSet, InvalidPrice, StalePrice or PriceDeviationTooLarge. Anyone may call it.
    function price(address asset) external returns (uint256);

    /// @notice Same checks and result as `price`, without recording the answer. For off-chain readers and views.
    function peek(address asset) external view returns (uint256);

    /// @notice Configuration of `asset`'s feed.
    function feedOf(address asset) external view returns (FeedConfig memory);

    /// @notice Last accepted answer of `asset` (in feed decimals, as stored: relative error < 2^-31).
    function lastAcceptedAnswer(address asset) external view returns (uint256);

    /// @notice Sets `asset`'s feed and guards and accepts its current answer (governance only).
    /// @dev The current answer must be positive and fresh. Decimals are read from the feed and the token.
    function setFeed(address asset, IAggregatorV3 feed, uint32 heartbeat, uint16 maxDeviationBps) external;

    /// @notice Accepts the feed's current answer whatever its deviation (governance only): how a refused,
    ///         genuine market move is let through.
    function acceptPrice(address asset) external;
}
