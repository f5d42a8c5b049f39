// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.24;

import {IAggregatorV3} from "./IAggregatorV3.sol";

/// @title IPriceOracle
/// @notice Palisade's price adapter over Chainlink-compatible USD feeds, one feed per asset, guarded by
///         staleness (heartbeat) and by a maximum deviation from the last accepted answer.
/// @dev PRICE UNIT (see shared/Constants.sol): the USD value of ONE SMALLEST UNIT of the asset, times 1e36.
///      `amount * price / 1e18` is a USD value in WAD. WETH at 2,000 USD -> 2000e18; USDC at 1 USD -> 1e30;
///      WBTC at 60,000 USD -> 6e32. Normalisation: price = answer * 10^(36 - feedDecimals - assetDecimals).
///
///      DEVIATION GUARD, FAIL SAFE FOR LENDERS. A feed answer within `maxDeviationBps` of the last accepted
///      answer is accepted (and recorded by the next state-changing read). A round beyond it is a MOVE, which
///      never stops the protocol:
///      - PENDING (from the first state-changing read that sees the round, for `moveWindow`, default 1 h):
///        both views price each side at the bound that protects lenders: a collateral at the LOWER of the
///        last accepted and the new answer, a debt asset at the HIGHER. So a one-round upward spike of a
///        collateral (or downward spike of the debt asset) cannot be borrowed against, and a crash is
///        liquidated at once on the new price.
///      - The guardian (not the timelock) may CONFIRM the round (it becomes the accepted answer) or REJECT it
///        while it is pending. A rejected round is priced at the last accepted answer by the liquidation
///        view, and refused (`PriceMoveRejected`) by the risk view, until the feed publishes another round.
///      - A round still current and unresolved `moveWindow` after it was first recorded is ACCEPTED
///        automatically: nothing waits on governance.
///      A new feed round beyond the guard opens a new move (its own window). Every transition is an event.
///      State-changing reads (`riskPrices`, `liquidationPrices`, `update`) record transitions; the `peek*`
///      views compute the same prices without recording (a move nobody recorded yet counts as pending).
interface IPriceOracle {
    /// @notice Per-asset configuration, packed in one slot.
    /// @param feed Chainlink-compatible USD feed of the asset.
    /// @param heartbeat Seconds after the feed's `updatedAt` beyond which the answer is stale.
    /// @param maxDeviationBps Largest move from the last accepted answer accepted without a move window, in
    ///        bps; 0 disables the guard.
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

    /// @notice The open move of an asset (one slot), valid only while `base` is still the last accepted answer
    ///         and `roundId` is still the feed's latest round.
    /// @param base The packed last accepted answer the move departs from.
    /// @param roundId Feed round of the move.
    /// @param seenAt When a state-changing read first recorded the round (its window starts there).
    /// @param rejected The guardian rejected the round.
    struct Move {
        uint40 base;
        uint80 roundId;
        uint40 seenAt;
        bool rejected;
    }

    /// @notice How the feed's current answer stands against the guard.
    enum PriceStatus {
        Accepted,
        Pending,
        Rejected
    }

    /// @notice Thrown when an asset has no feed.
    error FeedNotSet(address asset);
    /// @notice Thrown when a feed's answer is zero or negative.
    error InvalidPrice(address asset, int256 answer);
    /// @notice Thrown when a feed's answer is older than its heartbeat allows.
    error StalePrice(address asset, uint256 updatedAt, uint256 heartbeat);
    /// @notice Thrown when an action that adds risk needs the price of a round the guardian rejected.
    error PriceMoveRejected(address asset, uint80 roundId);
    /// @notice Thrown when a configuration argument is out of range (zero heartbeat, deviation above 100%,
    ///         feed + asset decimals above 36).
    error InvalidFeedConfig();
    /// @notice Thrown when a caller other than the guardian confirms or rejects a move.
    error NotGuardian(address caller);
    /// @notice Thrown when the guardian names a round that is not the feed's latest.
    error RoundMismatch(address asset, uint80 roundId, uint80 latestRoundId);
    /// @notice Thrown when the guardian acts on an answer that is not a pending move (within the guard, already
    ///         accepted, past its window, or for `reject`, already rejected).
    error NoPendingMove(address asset, PriceStatus status);
    /// @notice Thrown when the move window is zero or longer than `MAX_MOVE_WINDOW`.
    error InvalidMoveWindow(uint32 window);

    /// @notice Emitted when governance sets (or replaces) an asset's feed; the current answer is accepted.
    event FeedSet(
        address indexed asset, address indexed feed, uint32 heartbeat, uint16 maxDeviationBps, uint8 scaleExponent
    );
    /// @notice Emitted whenever a new answer becomes the last accepted one.
    event PriceAccepted(address indexed asset, uint256 answer, uint256 price);
    /// @notice Emitted when a round beyond the guard is first recorded: it is pending until `acceptsAt`.
    event MoveOpened(
        address indexed asset, uint80 indexed roundId, uint256 answer, uint256 lastAccepted, uint256 acceptsAt
    );
    /// @notice Emitted when the guardian confirms a move (followed by PriceAccepted).
    event MoveConfirmed(address indexed asset, uint80 indexed roundId, uint256 answer, address indexed guardian);
    /// @notice Emitted when the guardian rejects a move.
    event MoveRejected(address indexed asset, uint80 indexed roundId, uint256 answer, address indexed guardian);
    /// @notice Emitted when a move is accepted because its window passed unresolved (followed by PriceAccepted).
    event MoveAutoAccepted(address indexed asset, uint80 indexed roundId, uint256 answer);
    /// @notice Emitted when governance appoints the guardian (address(0): none).
    event GuardianSet(address indexed guardian);
    /// @notice Emitted when governance sets the move window.
    event MoveWindowSet(uint32 window);

    /// @notice Longest move window governance may set: no move waits longer than this to be accepted.
    function MAX_MOVE_WINDOW() external view returns (uint32);

    /// @notice Prices for an action that ADDS RISK (borrow, withdraw collateral): the collateral and the debt
    ///         asset each at the bound that protects lenders while a move is pending.
    /// @dev Records transitions. Reverts with FeedNotSet, InvalidPrice, StalePrice, or PriceMoveRejected.
    function riskPrices(address collateral, address debtAsset)
        external
        returns (uint256 collateralPrice, uint256 debtPrice);

    /// @notice Prices for LIQUIDATION (the health check of a kick, auction valuations): the same bounds as
    ///         `riskPrices` while a move is pending, the last accepted answer for a rejected round; never refuses
    ///         a move.
    /// @dev Records transitions. Reverts only with FeedNotSet, InvalidPrice or StalePrice.
    function liquidationPrices(address collateral, address debtAsset)
        external
        returns (uint256 collateralPrice, uint256 debtPrice);

    /// @notice `riskPrices` without recording.
    function peekRiskPrices(address collateral, address debtAsset)
        external
        view
        returns (uint256 collateralPrice, uint256 debtPrice);

    /// @notice `liquidationPrices` without recording (what the pool's `health` view uses).
    function peekLiquidationPrices(address collateral, address debtAsset)
        external
        view
        returns (uint256 collateralPrice, uint256 debtPrice);

    /// @notice Records the feed's current answer of `asset`: accepts it within the guard, opens a move beyond
    ///         it, accepts a move whose window passed. Keepers call it after each feed update so windows start.
    /// @return status How the current answer stands after the call.
    function update(address asset) external returns (PriceStatus status);

    /// @notice The feed's current answer as a price, checked for freshness and sign but NOT against the guard:
    ///         what the market says now (for off-chain readers). The protocol prices through the views above.
    function peek(address asset) external view returns (uint256);

    /// @notice How the current answer of `asset` stands, with the price of the current answer and of the last
    ///         accepted one, and when a pending move is accepted automatically (0 unless pending and recorded).
    function priceStatus(address asset)
        external
        view
        returns (PriceStatus status, uint256 current, uint256 lastAccepted, uint256 acceptsAt);

    /// @notice Configuration of `asset`'s feed.
    function feedOf(address asset) external view returns (FeedConfig memory);

    /// @notice The recorded move of `asset` (stale once its base or round is no longer current).
    function moveOf(address asset) external view returns (Move memory);

    /// @notice Last accepted answer of `asset` (in feed decimals, as stored: relative error < 2^-31).
    function lastAcceptedAnswer(address asset) external view returns (uint256);

    /// @notice Who may confirm or reject moves.
    function guardian() external view returns (address);

    /// @notice Seconds a recorded move stays pending before it is accepted automatically.
    function moveWindow() external view returns (uint32);

    /// @notice Sets `asset`'s feed and guards and accepts its current answer (governance only).
    /// @dev The current answer must be positive and fresh. Decimals are read from the feed and the token.
    function setFeed(address asset, IAggregatorV3 feed, uint32 heartbeat, uint16 maxDeviationBps) external;

    /// @notice Accepts the feed's current answer whatever its deviation (governance only).
    function acceptPrice(address asset) external;

    /// @notice Appoints the guardian (governance only; address(0) leaves moves to their window).
    function setGuardian(address guardian_) external;

    /// @notice Sets the move window, in (0, MAX_MOVE_WINDOW] seconds (governance only).
    function setMoveWindow(uint32 window) external;

    /// @notice Confirms the pending move of `asset` at feed round `roundId` (guardian only): its answer becomes
    ///         the accepted one.
    function confirmMove(address asset, uint80 roundId) external;

    /// @notice Rejects the pending move of `asset` at feed round `roundId` (guardian only) within its window.
    function rejectMove(address asset, uint80 roundId) external;
}
