// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.24;

import {IQualification} from "../compliance/IQualification.sol";

/// @notice One side of a trade, EIP-712 signed by a qualified client (domain "Palisade Settlement", version "1").
/// @dev `amount` and every fill are in base-token smallest units; `price` is quote smallest units per
///      PRICE_UNIT (1e18) base smallest units, so 1 WETH (18 decimals) for 2,000 USDC (6) is price 2000e6.
///      `nonce` identifies the order among its signer's orders: cancelling it, or filling the order completely,
///      closes that nonce for the signer (two bits per nonce in a word of 128), so a signer must not reuse a nonce.
struct Order {
    address signer;
    address base;
    address quote;
    /// @dev 0 = buy base with quote, 1 = sell base for quote.
    uint8 side;
    uint256 price;
    uint256 amount;
    uint64 expiry;
    uint256 nonce;
}

/// @notice A matched pair of orders and the base amount to settle between them, at the maker's price.
/// @dev Signatures are EIP-2098 compact (r, vs).
struct Fill {
    Order maker;
    Order taker;
    bytes32 makerR;
    bytes32 makerVS;
    bytes32 takerR;
    bytes32 takerVS;
    uint256 baseAmount;
}

/// @notice Listing status of a (base, quote) pair in the settlement's own allowlist.
enum PairStatus {
    Unlisted,
    Listed,
    Suspended
}

/// @title ISettlement
/// @notice Non-custodial delivery-versus-payment settlement of off-chain matched orders (issue 11). The operator
///         submits batches of fills; each fill moves base from seller to buyer and quote from buyer to seller in
///         the same transaction, directly between the two clients (the contract never holds their funds). The
///         seller's quote proceeds pay the fee; fees collect here and `distributeFees` sends 30% to the risk
///         reserve and the rest to the fee recipient.
/// @dev Every fill re-checks both signers' qualification through the registry's one view (service DCE, any
///      category, any jurisdiction) and the pair's listing. A batch is atomic: one bad fill reverts all of it.
interface ISettlement {
    /// @notice Thrown when a caller other than the operator submits a batch.
    error NotOperator(address caller);
    /// @notice Thrown when a value-moving function is re-entered.
    error Reentrancy();
    /// @notice Thrown when a batch holds no fill.
    error EmptyBatch();
    /// @notice Thrown when a signature does not recover to the order's signer.
    error BadSignature(bytes32 orderHash);
    /// @notice Thrown when an order's expiry is in the past.
    error OrderExpired(bytes32 orderHash, uint64 expiry);
    /// @notice Thrown when an order's nonce is closed (cancelled, or the order was filled completely).
    error OrderClosed(bytes32 orderHash, address signer, uint256 nonce);
    /// @notice Thrown when a fill would take an order beyond its amount.
    error Overfill(bytes32 orderHash, uint256 filled, uint256 fill, uint256 amount);
    /// @notice Thrown when a signer is not qualified for the exchange service.
    error NotQualified(address account);
    /// @notice Thrown when the pair is not listed (unlisted or suspended).
    error PairNotListed(address base, address quote, PairStatus status);
    /// @notice Thrown when maker and taker trade different pairs or the same side.
    error OrdersMismatch(bytes32 makerHash, bytes32 takerHash);
    /// @notice Thrown when the taker's limit does not reach the maker's price.
    error PricesDoNotCross(uint256 makerPrice, uint256 takerPrice);
    /// @notice Thrown when a fill's base amount, or the quote amount it is worth, is zero.
    error ZeroAmount();
    /// @notice Thrown when an order's side is neither 0 (buy) nor 1 (sell).
    error InvalidSide(uint8 side);
    /// @notice Thrown when a fee above MAX_FEE_BPS is set.
    error FeeTooHigh(uint256 feeBps, uint256 maxBps);
    /// @notice Thrown when the caller cancelling an order is not its signer.
    error NotSigner(address caller, address signer);
    /// @notice Thrown when base and quote are the same token or either is zero.
    error InvalidPair(address base, address quote);

    /// @notice Emitted for every settled fill.
    event Filled(
        bytes32 indexed makerHash,
        bytes32 indexed takerHash,
        address indexed maker,
        address taker,
        uint256 baseAmount,
        uint256 quoteAmount,
        uint256 fee
    );
    /// @notice Emitted when a signer cancels an order (closing its nonce).
    event OrderCancelled(address indexed signer, uint256 indexed nonce, bytes32 orderHash);
    /// @notice Emitted when governance lists, suspends or delists a pair.
    event PairStatusSet(address indexed base, address indexed quote, PairStatus status);
    /// @notice Emitted when governance appoints the operator (address(0): settlement paused).
    event OperatorSet(address indexed operator);
    /// @notice Emitted when governance changes the fee.
    event FeeSet(uint256 feeBps);
    /// @notice Emitted when governance changes the fee recipient.
    event FeeRecipientSet(address indexed feeRecipient);
    /// @notice Emitted when collected fees are paid out.
    event FeesDistributed(address indexed token, uint256 toReserve, uint256 toFeeRecipient);

    /// @notice Base units per price unit: quote = base * price / PRICE_UNIT.
    function PRICE_UNIT() external view returns (uint256);
    /// @notice Highest fee governance may set, in bps of the quote amount.
    function MAX_FEE_BPS() external view returns (uint256);
    /// @notice Share of every fee that goes to the risk reserve, in bps (3,000 = 30%).
    function RESERVE_SHARE_BPS() external view returns (uint256);
    /// @notice The EIP-712 typehash of Order.
    function ORDER_TYPEHASH() external view returns (bytes32);

    /// @notice The compliance registry asked for both parties of every fill.
    function qualification() external view returns (IQualification);
    /// @notice The risk reserve receiving RESERVE_SHARE_BPS of fees (set at construction).
    function reserve() external view returns (address);
    /// @notice Receives the rest of the fees.
    function feeRecipient() external view returns (address);
    /// @notice Current fee, in bps of each fill's quote amount, paid out of the seller's proceeds.
    function feeBps() external view returns (uint256);
    /// @notice The one account that may submit batches (the matching engine's relayer).
    function operator() external view returns (address);
    /// @notice Listing status of (base, quote).
    /// @dev The hook the product list contract will replace: settlement only asks "is this pair tradable".
    function pairStatus(address base, address quote) external view returns (PairStatus);
    /// @notice Base amount already filled of a partly filled order (0 once it is closed; see `isClosed`).
    function filled(bytes32 orderHash) external view returns (uint256);
    /// @notice Whether `signer`'s `nonce` is closed (cancelled or filled completely).
    function isClosed(address signer, uint256 nonce) external view returns (bool);
    /// @notice EIP-712 digest of `order` (what the signer signs).
    function orderDigest(Order calldata order) external view returns (bytes32);
    /// @notice EIP-712 struct hash of `order` (the key of `filled`).
    function orderHash(Order calldata order) external pure returns (bytes32);

    /// @notice Settles `fills` atomically: every fill or none. Operator only.
    function settle(Fill[] calldata fills) external;
    /// @notice Closes the caller's order so it can never fill again.
    function cancel(Order calldata order) external;
    /// @notice Sends this contract's balance of `token` (collected fees): RESERVE_SHARE_BPS to the reserve,
    ///         the rest to the fee recipient. Anyone may call.
    function distributeFees(address token) external;

    /// @notice Sets the listing status of (base, quote). Governance only.
    function setPairStatus(address base, address quote, PairStatus status) external;
    /// @notice Appoints the operator; address(0) stops settlement. Governance only.
    function setOperator(address operator) external;
    /// @notice Sets the fee (at most MAX_FEE_BPS). Governance only.
    function setFeeBps(uint256 feeBps) external;
    /// @notice Sets the fee recipient. Governance only.
    function setFeeRecipient(address feeRecipient) external;
}
