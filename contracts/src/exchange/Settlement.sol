// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {ISettlement, Order, Fill, PairStatus} from "./ISettlement.sol";
import {OrderLib} from "./OrderLib.sol";
import {IQualification, Service, Category} from "../compliance/IQualification.sol";
import {Governed} from "../shared/Governed.sol";
import {BPS} from "../shared/Constants.sol";

/// @title Settlement
/// @notice Non-custodial DvP settlement of matched orders; see ISettlement for the rules.
/// @dev Per order, state is two bits per (signer, nonce) in a word of 128 nonces — "closed" (cancelled or
///      completely filled) and "partly filled" — plus a filled amount by order hash only while partly filled:
///      a fresh order filled in one go reads and writes its signer's word (usually already non-zero: 5,000 gas)
///      instead of creating a slot (22,100), and never reads the filled amount it cannot have.
///      The operator, the fee and the reentrancy lock share one slot: one cold read per batch.
///      Warning: base and quote tokens must be plain ERC20s (no fee on transfer, no rebasing, no callbacks to
///      untrusted code); governance lists only such pairs. Collected fees are this contract's token balances.
contract Settlement is ISettlement, Governed, EIP712 {
    using SafeERC20 for IERC20;

    /// @inheritdoc ISettlement
    uint256 public constant PRICE_UNIT = OrderLib.PRICE_UNIT;
    /// @inheritdoc ISettlement
    uint256 public constant MAX_FEE_BPS = 100;
    /// @inheritdoc ISettlement
    uint256 public constant RESERVE_SHARE_BPS = 3_000;
    /// @inheritdoc ISettlement
    bytes32 public constant ORDER_TYPEHASH = OrderLib.ORDER_TYPEHASH;

    /// @inheritdoc ISettlement
    IQualification public immutable qualification;
    /// @inheritdoc ISettlement
    address public immutable reserve;

    /// @inheritdoc ISettlement
    address public operator;
    /// @dev <= MAX_FEE_BPS, packed with `operator` and `_lock`.
    uint16 private _feeBps;
    /// @dev 1 = unlocked, 2 = inside settle/distributeFees (never 0, so the shared slot stays non-zero).
    uint8 private _lock;
    /// @inheritdoc ISettlement
    address public feeRecipient;
    mapping(address base => mapping(address quote => PairStatus)) private _pairs;
    /// @inheritdoc ISettlement
    mapping(bytes32 orderHash => uint256) public filled;
    mapping(address signer => mapping(uint256 word => uint256)) private _state;

    uint256 private constant CLOSED = 1;
    uint256 private constant PARTLY_FILLED = 2;

    modifier nonReentrant() {
        if (_lock == 2) revert Reentrancy();
        _lock = 2;
        _;
        _lock = 1;
    }

    /// @param qualification_ the compliance registry (its one view is asked for both parties of every fill).
    /// @param reserve_ the risk reserve receiving RESERVE_SHARE_BPS of fees.
    /// @param feeRecipient_ receives the rest of the fees.
    /// @param feeBps_ the initial fee, at most MAX_FEE_BPS.
    /// @param governance_ lists pairs, appoints operators and sets the fee (the timelock in production).
    constructor(
        IQualification qualification_,
        address reserve_,
        address feeRecipient_,
        uint256 feeBps_,
        address governance_
    ) Governed(governance_) EIP712("Palisade Settlement", "1") {
        if (address(qualification_) == address(0) || reserve_ == address(0) || feeRecipient_ == address(0)) {
            revert ZeroAddress();
        }
        if (feeBps_ > MAX_FEE_BPS) revert FeeTooHigh(feeBps_, MAX_FEE_BPS);
        qualification = qualification_;
        reserve = reserve_;
        feeRecipient = feeRecipient_;
        // feeBps_ <= MAX_FEE_BPS fits 16 bits
        _feeBps = uint16(feeBps_);
        _lock = 1;
        emit FeeRecipientSet(feeRecipient_);
        emit FeeSet(feeBps_);
    }

    // ------------------------------------------------------------------------------------------- views

    /// @inheritdoc ISettlement
    function pairStatus(address base, address quote) external view returns (PairStatus) {
        return _pairs[base][quote];
    }

    /// @inheritdoc ISettlement
    function feeBps() external view returns (uint256) {
        return _feeBps;
    }

    /// @inheritdoc ISettlement
    function isClosed(address signer, uint256 nonce) external view returns (bool) {
        return (_state[signer][nonce >> 7] >> ((nonce & 0x7f) << 1)) & CLOSED != 0;
    }

    /// @inheritdoc ISettlement
    function orderDigest(Order calldata order) external view returns (bytes32) {
        return _hashTypedDataV4(OrderLib.hash(order));
    }

    /// @inheritdoc ISettlement
    function orderHash(Order calldata order) external pure returns (bytes32) {
        return OrderLib.hash(order);
    }

    // ------------------------------------------------------------------------------------------- trading

    /// @inheritdoc ISettlement
    function settle(Fill[] calldata fills) external nonReentrant {
        if (msg.sender != operator) revert NotOperator(msg.sender);
        uint256 n = fills.length;
        if (n == 0) revert EmptyBatch();
        uint256 fee = _feeBps; // one read per batch
        for (uint256 i; i < n;) {
            _settleOne(fills[i], fee);
            // i < n <= calldata length: cannot overflow
            unchecked {
                ++i;
            }
        }
    }

    /// @inheritdoc ISettlement
    function cancel(Order calldata order) external {
        if (msg.sender != order.signer) revert NotSigner(msg.sender, order.signer);
        _state[order.signer][order.nonce >> 7] |= CLOSED << ((order.nonce & 0x7f) << 1);
        bytes32 h = OrderLib.hash(order);
        delete filled[h];
        emit OrderCancelled(order.signer, order.nonce, h);
    }

    /// @inheritdoc ISettlement
    function distributeFees(address token) external nonReentrant {
        uint256 balance = IERC20(token).balanceOf(address(this));
        uint256 toReserve = balance * RESERVE_SHARE_BPS / BPS;
        uint256 toRecipient;
        // toReserve <= balance because RESERVE_SHARE_BPS <= BPS
        unchecked {
            toRecipient = balance - toReserve;
        }
        emit FeesDistributed(token, toReserve, toRecipient);
        if (toReserve != 0) IERC20(token).safeTransfer(reserve, toReserve);
        if (toRecipient != 0) IERC20(token).safeTransfer(feeRecipient, toRecipient);
    }

    // ------------------------------------------------------------------------------------------- governance

    /// @inheritdoc ISettlement
    function setPairStatus(address base, address quote, PairStatus status) external onlyGovernance {
        if (base == quote || base == address(0) || quote == address(0)) revert InvalidPair(base, quote);
        _pairs[base][quote] = status;
        emit PairStatusSet(base, quote, status);
    }

    /// @inheritdoc ISettlement
    function setOperator(address operator_) external onlyGovernance {
        operator = operator_;
        emit OperatorSet(operator_);
    }

    /// @inheritdoc ISettlement
    function setFeeBps(uint256 feeBps_) external onlyGovernance {
        if (feeBps_ > MAX_FEE_BPS) revert FeeTooHigh(feeBps_, MAX_FEE_BPS);
        // feeBps_ <= MAX_FEE_BPS fits 16 bits
        _feeBps = uint16(feeBps_);
        emit FeeSet(feeBps_);
    }

    /// @inheritdoc ISettlement
    function setFeeRecipient(address feeRecipient_) external onlyGovernance {
        if (feeRecipient_ == address(0)) revert ZeroAddress();
        feeRecipient = feeRecipient_;
        emit FeeRecipientSet(feeRecipient_);
    }

    // ------------------------------------------------------------------------------------------- internals

    /// @dev Checks one fill, records it on both orders, then moves the tokens (checks-effects-interactions
    ///      per fill; the batch is under one reentrancy lock).
    function _settleOne(Fill calldata f, uint256 fee_) private {
        bytes32 makerHash = OrderLib.hash(f.maker);
        bytes32 takerHash = OrderLib.hash(f.taker);
        (uint256 quoteAmount, uint256 fee) = _checkMatch(f, makerHash, takerHash, fee_);
        _useOrder(f.maker, makerHash, f.makerR, f.makerVS, f.baseAmount);
        _useOrder(f.taker, takerHash, f.takerR, f.takerVS, f.baseAmount);
        emit Filled(makerHash, takerHash, f.maker.signer, f.taker.signer, f.baseAmount, quoteAmount, fee);
        _move(f, quoteAmount, fee);
    }

    /// @dev Same pair, opposite sides, pair listed, prices cross; returns the quote amount and the fee.
    function _checkMatch(Fill calldata f, bytes32 makerHash, bytes32 takerHash, uint256 fee_)
        private
        view
        returns (uint256 quoteAmount, uint256 fee)
    {
        Order calldata maker = f.maker;
        Order calldata taker = f.taker;
        address base = maker.base;
        address quote = maker.quote;
        uint8 makerSide = maker.side;
        if (makerSide > OrderLib.SELL) revert InvalidSide(makerSide);
        if (taker.base != base || taker.quote != quote || uint256(taker.side) + makerSide != 1) {
            revert OrdersMismatch(makerHash, takerHash);
        }
        PairStatus status = _pairs[base][quote];
        if (status != PairStatus.Listed) revert PairNotListed(base, quote, status);
        uint256 price = maker.price;
        if (!OrderLib.crosses(makerSide, price, taker.price)) revert PricesDoNotCross(price, taker.price);
        quoteAmount = OrderLib.quoteOf(f.baseAmount, price);
        if (quoteAmount == 0) revert ZeroAmount(); // also catches baseAmount == 0
        fee = quoteAmount * fee_ / BPS;
    }

    /// @dev Delivery versus payment, directly between the two clients; the fee comes out of the seller's proceeds.
    function _move(Fill calldata f, uint256 quoteAmount, uint256 fee) private {
        (address seller, address buyer) =
            f.maker.side == OrderLib.SELL ? (f.maker.signer, f.taker.signer) : (f.taker.signer, f.maker.signer);
        IERC20(f.maker.base).safeTransferFrom(seller, buyer, f.baseAmount);
        address quote = f.maker.quote;
        // fee <= quoteAmount because fee_ <= MAX_FEE_BPS < BPS
        unchecked {
            IERC20(quote).safeTransferFrom(buyer, seller, quoteAmount - fee);
        }
        if (fee != 0) IERC20(quote).safeTransferFrom(buyer, address(this), fee);
    }

    /// @dev Verifies `o` (expiry, signature, signer's qualification, open nonce, room for `amount`) and records
    ///      the fill: a completed order closes its nonce and frees its filled slot, a partial one stores its total.
    function _useOrder(Order calldata o, bytes32 h, bytes32 r, bytes32 vs, uint256 amount) private {
        if (o.expiry < block.timestamp) revert OrderExpired(h, o.expiry);
        address signer = o.signer;
        (address recovered,,) = ECDSA.tryRecover(_hashTypedDataV4(h), r, vs);
        if (recovered != signer || recovered == address(0)) revert BadSignature(h);
        if (!qualification.isQualified(signer, Service.DCE, Category.ANY, bytes2(0))) revert NotQualified(signer);

        uint256 nonce = o.nonce;
        uint256 shift = (nonce & 0x7f) << 1;
        uint256 word = _state[signer][nonce >> 7];
        uint256 flags = word >> shift;
        if (flags & CLOSED != 0) revert OrderClosed(h, signer, nonce);

        // only a partly filled order has a filled amount to read
        uint256 prev = flags & PARTLY_FILLED != 0 ? filled[h] : 0;
        uint256 total = o.amount;
        uint256 remaining;
        // prev < total: a filled amount is stored only while below the order's amount
        unchecked {
            remaining = total - prev;
        }
        if (amount > remaining) revert Overfill(h, prev, amount, total);
        if (amount == remaining) {
            _state[signer][nonce >> 7] = word | (CLOSED << shift);
            if (prev != 0) delete filled[h];
        } else {
            // amount < remaining = total - prev, so prev + amount < total: no overflow
            unchecked {
                filled[h] = prev + amount;
            }
            if (flags & PARTLY_FILLED == 0) _state[signer][nonce >> 7] = word | (PARTLY_FILLED << shift);
        }
    }
}
