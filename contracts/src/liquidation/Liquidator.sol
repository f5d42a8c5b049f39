// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ILiquidator} from "./ILiquidator.sol";
import {ILiquidationTaker} from "./ILiquidationTaker.sol";
import {LotId, LotIdLib} from "./LotId.sol";
import {AuctionMath} from "./AuctionMath.sol";
import {ILendingPool} from "../lending/ILendingPool.sol";
import {IPriceOracle} from "../oracle/IPriceOracle.sol";
import {IRiskReserve} from "../reserve/IRiskReserve.sol";
import {IQualification, Service, Category} from "../compliance/IQualification.sol";
import {Governed} from "../shared/Governed.sol";
import {FixedPointMath} from "../shared/FixedPointMath.sol";
import {BPS} from "../shared/Constants.sol";

/// @title Liquidator
/// @notice Stairstep Dutch auctions of one lending pool's seized positions; see ILiquidator.
/// @dev The collateral of a lot stays in the pool until taken (kick moves it by bookkeeping only), and takers
///      pay straight to the pool: a take is one pool call and two token transfers, like a single-step
///      liquidation. The fee part of each payment is booked by the pool apart from lenders' assets until
///      `distributeFees`; this contract holds no tokens between transactions.
contract Liquidator is ILiquidator, Governed {
    using SafeERC20 for IERC20;
    using FixedPointMath for uint256;

    uint16 internal constant DEFAULT_LIQUIDATION_FEE_BPS = 500;
    uint16 internal constant DEFAULT_RESERVE_SHARE_BPS = 5_000;
    uint16 internal constant DEFAULT_START_PREMIUM_BPS = 11_000;
    uint16 internal constant DEFAULT_STEP_FACTOR_BPS = 9_500;
    uint16 internal constant DEFAULT_FLOOR_BPS = 9_000;
    uint16 internal constant DEFAULT_MAKER_REBATE_BPS = 50;
    uint16 internal constant DEFAULT_STEP_SECONDS = 10;
    uint32 internal constant DEFAULT_TAIL_SECONDS = 900;
    uint32 internal constant DEFAULT_MAKER_DELAY_SECONDS = 180;

    /// @dev Taker role bits: registered executor, registered market maker (one slot read per take for both).
    uint8 internal constant ROLE_EXECUTOR = 1;
    uint8 internal constant ROLE_MAKER = 2;

    /// @inheritdoc ILiquidator
    ILendingPool public immutable pool;
    /// @inheritdoc ILiquidator
    IERC20 public immutable loanAsset;
    /// @inheritdoc ILiquidator
    IPriceOracle public immutable oracle;
    /// @inheritdoc ILiquidator
    IRiskReserve public immutable reserve;
    /// @inheritdoc ILiquidator
    IQualification public immutable qualification;

    AuctionParams private _params;
    /// @inheritdoc ILiquidator
    address public feeRecipient;
    /// @inheritdoc ILiquidator
    uint256 public pendingShortfall;
    mapping(address taker => uint8 roles) private _takerRoles;
    mapping(LotId => Lot) private _lots;

    /// @dev The lock lives in the parameter slot every guarded function reads anyway.
    modifier nonReentrant() {
        if (_params.locked) revert Reentrancy();
        _params.locked = true;
        _;
        _params.locked = false;
    }

    /// @param pool_ the lending pool (this contract must then be set as its liquidator).
    /// @param reserve_ the pool's risk reserve (this contract must then be set as its liquidator).
    /// @param feeRecipient_ receives the non-reserve share of fees (zero: everything to the reserve).
    /// @param governance_ sets parameters and market makers (the timelock in production).
    constructor(ILendingPool pool_, IRiskReserve reserve_, address feeRecipient_, address governance_)
        Governed(governance_)
    {
        IERC20 asset = pool_.loanAsset();
        if (address(reserve_.asset()) != address(asset)) revert AssetMismatch();
        pool = pool_;
        loanAsset = asset;
        oracle = pool_.oracle();
        reserve = reserve_;
        qualification = pool_.qualification();
        feeRecipient = feeRecipient_;
        _params = AuctionParams({
            liquidationFeeBps: DEFAULT_LIQUIDATION_FEE_BPS,
            reserveShareBps: DEFAULT_RESERVE_SHARE_BPS,
            startPremiumBps: DEFAULT_START_PREMIUM_BPS,
            stepFactorBps: DEFAULT_STEP_FACTOR_BPS,
            floorBps: DEFAULT_FLOOR_BPS,
            makerRebateBps: DEFAULT_MAKER_REBATE_BPS,
            stepSeconds: DEFAULT_STEP_SECONDS,
            tailSeconds: DEFAULT_TAIL_SECONDS,
            makerDelaySeconds: DEFAULT_MAKER_DELAY_SECONDS,
            lotCount: 0,
            locked: false,
            // one whole loan-asset unit until governance sets a figure for the market: 1 wei is never enough
            minTakeMantissa: 1,
            minTakeExponent: _decimalsOf(asset)
        });
        emit FeeRecipientSet(feeRecipient_);
        emit LiquidationFeeSet(DEFAULT_LIQUIDATION_FEE_BPS, DEFAULT_RESERVE_SHARE_BPS);
        emit AuctionCurveSet(
            DEFAULT_START_PREMIUM_BPS,
            DEFAULT_STEP_SECONDS,
            DEFAULT_STEP_FACTOR_BPS,
            DEFAULT_FLOOR_BPS,
            DEFAULT_TAIL_SECONDS
        );
        emit MakerTermsSet(DEFAULT_MAKER_DELAY_SECONDS, DEFAULT_MAKER_REBATE_BPS);
        emit MinTakeSet(minTake());
        asset.forceApprove(address(reserve_), type(uint256).max);
    }

    // ------------------------------------------------------------------ auctions

    /// @inheritdoc ILiquidator
    function kick(address borrower, address collateral) external nonReentrant returns (LotId id) {
        (uint256 amount, uint256 debt, uint256 collateralPrice, uint256 loanPrice) = pool.seize(borrower, collateral);
        AuctionParams memory p = _params;
        uint256 valuation = AuctionMath.valuation(collateralPrice, loanPrice);
        uint256 top = AuctionMath.startPrice(valuation, p.startPremiumBps).min(type(uint160).max);
        // fee clamped to 96 bits: only a debt above 2^96 / 5% loan units could reach it
        uint256 fee = (debt * p.liquidationFeeBps / BPS).min(type(uint96).max);
        // unchecked: a 48-bit counter cannot overflow at one kick per call (2^48 kicks)
        unchecked {
            _params.lotCount = ++p.lotCount;
        }
        id = LotIdLib.make(collateral, p.lotCount);
        emit Kick(id, borrower, collateral, msg.sender, amount, debt, fee, top);
        if (amount == 0) {
            // no collateral to sell (not reachable through the pool's borrow limit): the reserve pays at once
            emit LotFinished(id, borrower, 0, debt);
            _coverShortfall(id, debt);
            return id;
        }
        // fits: amount and debt come from the pool's uint128 fields, top and fee are clamped above
        // forge-lint: disable-start(unsafe-typecast)
        _lots[id] = Lot({
            borrower: borrower,
            feeLeft: uint96(fee),
            collateral: uint128(amount),
            debtLeft: uint128(debt),
            startPrice: uint160(top),
            startTime: uint48(block.timestamp),
            lastTake: uint48(block.timestamp)
        });
        // forge-lint: disable-end(unsafe-typecast)
    }

    /// @dev Outcome of a take, kept in memory to stay within the stack.
    struct Fill {
        uint256 collateralOut;
        uint256 paid;
        uint256 debtRepaid;
        uint256 feePaid;
        uint256 rebate;
        uint256 returned;
        uint256 shortfall;
        bool finished;
    }

    /// @inheritdoc ILiquidator
    function take(LotId id, uint256 maxCollateral, uint256 maxPrice, address receiver, bytes calldata data)
        external
        nonReentrant
        returns (uint256, uint256)
    {
        Lot memory l = _lots[id];
        if (l.collateral == 0) revert LotNotActive(id);
        if (receiver == address(0)) revert ZeroAddress();
        uint8 roles = _takerRoles[msg.sender];
        if (roles == 0 && !qualification.isQualified(msg.sender, Service.LEND, Category.ANY, bytes2(0))) {
            revert NotTaker(msg.sender);
        }
        AuctionParams memory p = _params;
        uint256 price = _takeablePrice(id, l, p, maxPrice);
        Fill memory f = _fill(l, p, maxCollateral, price, roles & ROLE_MAKER != 0);
        if (f.finished) {
            delete _lots[id];
        } else {
            l.lastTake = uint48(block.timestamp);
            _lots[id] = l;
        }
        emit Take(id, msg.sender, receiver, f.collateralOut, price, f.paid, f.debtRepaid, f.feePaid, f.rebate);
        if (f.finished) emit LotFinished(id, l.borrower, f.returned, f.shortfall);

        pool.settleLiquidation(
            id.collateral(), receiver, f.collateralOut, l.borrower, f.returned, f.debtRepaid, f.feePaid
        );
        if (data.length != 0) {
            ILiquidationTaker(msg.sender).onTake(id, receiver, f.collateralOut, f.paid, data);
        }
        // debt and fee in one transfer: the pool books the fee apart from lenders' assets
        if (f.paid != 0) loanAsset.safeTransferFrom(msg.sender, address(pool), f.paid);
        if (f.shortfall != 0) _coverShortfall(id, f.shortfall);
        return (f.collateralOut, f.paid);
    }

    /// @inheritdoc ILiquidator
    function reset(LotId id) external nonReentrant returns (uint256 startPrice) {
        Lot memory l = _lots[id];
        if (l.collateral == 0) revert LotNotActive(id);
        AuctionParams memory p = _params;
        uint256 elapsed = block.timestamp - l.startTime;
        uint256 price = AuctionMath.priceAt(l.startPrice, elapsed, p.stepSeconds, p.stepFactorBps);
        (uint256 collateralPrice, uint256 loanPrice) = oracle.liquidationPrices(id.collateral(), address(loanAsset));
        uint256 valuation = AuctionMath.valuation(collateralPrice, loanPrice);
        if (elapsed <= p.tailSeconds && !AuctionMath.isBelowFloor(price, valuation, p.floorBps)) {
            revert LotNotResettable(id, price, valuation);
        }
        startPrice = AuctionMath.startPrice(valuation, p.startPremiumBps).min(type(uint160).max);
        Lot storage s = _lots[id];
        // safe: clamped to 160 bits above
        // forge-lint: disable-next-line(unsafe-typecast)
        s.startPrice = uint160(startPrice);
        s.startTime = uint48(block.timestamp);
        emit Reset(id, startPrice, valuation);
    }

    /// @inheritdoc ILiquidator
    function distributeFees() external nonReentrant {
        uint256 amount = pool.liquidationFees();
        if (amount == 0) revert ZeroAmount();
        address recipient = feeRecipient;
        uint256 toReserve = recipient == address(0) ? amount : amount * _params.reserveShareBps / BPS;
        uint256 toRecipient = amount - toReserve;
        emit FeesDistributed(toReserve, recipient, toRecipient);
        if (toRecipient != 0) pool.releaseLiquidationFees(recipient, toRecipient);
        if (toReserve != 0) {
            pool.releaseLiquidationFees(address(this), toReserve);
            reserve.deposit(toReserve);
        }
    }

    /// @inheritdoc ILiquidator
    function coverPendingShortfall() external nonReentrant {
        uint256 owed = pendingShortfall;
        if (owed == 0) revert ZeroAmount();
        uint256 paid = reserve.coverShortfall(owed);
        if (paid == 0) revert ZeroAmount();
        pendingShortfall = owed - paid;
        emit PendingShortfallCovered(paid, owed - paid);
        loanAsset.safeTransfer(address(pool), paid);
        pool.settleLiquidation(address(0), address(0), 0, address(0), 0, paid, 0);
    }

    // ------------------------------------------------------------------ governance

    /// @inheritdoc ILiquidator
    function setLiquidationFee(uint16 liquidationFeeBps, uint16 reserveShareBps) external onlyGovernance {
        if (liquidationFeeBps > BPS || reserveShareBps > BPS) revert InvalidParams();
        _params.liquidationFeeBps = liquidationFeeBps;
        _params.reserveShareBps = reserveShareBps;
        emit LiquidationFeeSet(liquidationFeeBps, reserveShareBps);
    }

    /// @inheritdoc ILiquidator
    function setAuctionCurve(
        uint16 startPremiumBps,
        uint16 stepSeconds,
        uint16 stepFactorBps,
        uint16 floorBps,
        uint32 tailSeconds
    ) external onlyGovernance {
        if (
            stepSeconds == 0 || stepFactorBps == 0 || stepFactorBps >= BPS || floorBps >= startPremiumBps
                || tailSeconds == 0
        ) revert InvalidParams();
        AuctionParams storage p = _params;
        p.startPremiumBps = startPremiumBps;
        p.stepSeconds = stepSeconds;
        p.stepFactorBps = stepFactorBps;
        p.floorBps = floorBps;
        p.tailSeconds = tailSeconds;
        emit AuctionCurveSet(startPremiumBps, stepSeconds, stepFactorBps, floorBps, tailSeconds);
    }

    /// @inheritdoc ILiquidator
    function setMakerTerms(uint32 makerDelaySeconds, uint16 makerRebateBps) external onlyGovernance {
        if (makerRebateBps > BPS) revert InvalidParams();
        _params.makerDelaySeconds = makerDelaySeconds;
        _params.makerRebateBps = makerRebateBps;
        emit MakerTermsSet(makerDelaySeconds, makerRebateBps);
    }

    /// @inheritdoc ILiquidator
    function setMaker(address maker, bool registered) external onlyGovernance {
        _setRole(maker, ROLE_MAKER, registered);
        emit MakerSet(maker, registered);
    }

    /// @inheritdoc ILiquidator
    function setExecutor(address executor, bool registered) external onlyGovernance {
        _setRole(executor, ROLE_EXECUTOR, registered);
        emit ExecutorSet(executor, registered);
    }

    /// @inheritdoc ILiquidator
    function setMinTake(uint256 minTake_) external onlyGovernance {
        uint256 mantissa = minTake_;
        uint256 exponent;
        while (mantissa > type(uint16).max) {
            if (mantissa % 10 != 0) revert InvalidParams();
            mantissa /= 10;
            ++exponent;
        }
        // safe: mantissa <= 2^16 - 1 by the loop; exponent <= 77 (10^78 > 2^256)
        // forge-lint: disable-start(unsafe-typecast)
        _params.minTakeMantissa = uint16(mantissa);
        _params.minTakeExponent = uint8(exponent);
        // forge-lint: disable-end(unsafe-typecast)
        emit MinTakeSet(minTake_);
    }

    /// @inheritdoc ILiquidator
    function setFeeRecipient(address recipient) external onlyGovernance {
        feeRecipient = recipient;
        emit FeeRecipientSet(recipient);
    }

    // ------------------------------------------------------------------ views

    /// @inheritdoc ILiquidator
    function params() external view returns (AuctionParams memory) {
        return _params;
    }

    /// @inheritdoc ILiquidator
    function minTake() public view returns (uint256) {
        AuctionParams memory p = _params;
        return _minTake(p);
    }

    /// @inheritdoc ILiquidator
    function isMaker(address account) external view returns (bool) {
        return _takerRoles[account] & ROLE_MAKER != 0;
    }

    /// @inheritdoc ILiquidator
    function isExecutor(address account) external view returns (bool) {
        return _takerRoles[account] & ROLE_EXECUTOR != 0;
    }

    /// @inheritdoc ILiquidator
    function lot(LotId id) external view returns (Lot memory) {
        return _lots[id];
    }

    /// @inheritdoc ILiquidator
    function status(LotId id)
        external
        view
        returns (bool active, uint256 price, uint256 valuation, bool needsReset, bool makerRebate)
    {
        Lot memory l = _lots[id];
        if (l.collateral == 0) return (false, 0, 0, false, false);
        AuctionParams memory p = _params;
        uint256 elapsed = block.timestamp - l.startTime;
        price = AuctionMath.priceAt(l.startPrice, elapsed, p.stepSeconds, p.stepFactorBps);
        (uint256 collateralPrice, uint256 loanPrice) = oracle.peekLiquidationPrices(id.collateral(), address(loanAsset));
        valuation = AuctionMath.valuation(collateralPrice, loanPrice);
        needsReset = elapsed > p.tailSeconds || AuctionMath.isBelowFloor(price, valuation, p.floorBps);
        makerRebate = block.timestamp - l.lastTake >= p.makerDelaySeconds;
        active = true;
    }

    // ------------------------------------------------------------------ internals

    /// @dev Current price of lot `l`, reverting unless it may be taken at no more than `maxPrice`.
    function _takeablePrice(LotId id, Lot memory l, AuctionParams memory p, uint256 maxPrice)
        private
        returns (uint256 price)
    {
        uint256 elapsed = block.timestamp - l.startTime;
        if (elapsed > p.tailSeconds) revert LotExpired(id);
        price = AuctionMath.priceAt(l.startPrice, elapsed, p.stepSeconds, p.stepFactorBps);
        if (price > maxPrice) revert PriceAboveMax(price, maxPrice);
        (uint256 collateralPrice, uint256 loanPrice) = oracle.liquidationPrices(id.collateral(), address(loanAsset));
        uint256 valuation = AuctionMath.valuation(collateralPrice, loanPrice);
        if (AuctionMath.isBelowFloor(price, valuation, p.floorBps)) revert LotNeedsReset(id, price, valuation);
    }

    /// @dev Fills a take of up to `maxCollateral` at `price` against lot `l`, updating `l` in memory; `maker`
    ///      says whether the taker is a registered market maker.
    function _fill(Lot memory l, AuctionParams memory p, uint256 maxCollateral, uint256 price, bool maker)
        private
        view
        returns (Fill memory f)
    {
        // a slice of collateral and what it owes, never more than the tab (debt + fee left)
        uint256 tab = uint256(l.debtLeft) + l.feeLeft;
        f.collateralOut = maxCollateral.min(l.collateral);
        uint256 owed = AuctionMath.owe(f.collateralOut, price);
        if (owed > tab) {
            owed = tab;
            f.collateralOut = AuctionMath.collateralFor(tab, price);
        }
        if (owed == 0) revert ZeroAmount();
        // a take that leaves the lot running must be worth something, or 1-wei takes could hold the makers'
        // window shut forever; the last take of a lot (its whole tab or all its collateral) may be smaller
        if (owed != tab && f.collateralOut != l.collateral) {
            uint256 least = _minTake(p);
            if (owed < least) revert TakeTooSmall(owed, least);
        }

        // proceeds repay the debt first, then the fee; the makers' rebate is a discount on the fee part of THIS
        // take only, so it never lowers what lenders get back (and so never what the reserve must cover)
        f.debtRepaid = owed.min(l.debtLeft);
        // unchecked: debtRepaid <= owed
        uint256 feePart;
        unchecked {
            feePart = owed - f.debtRepaid;
        }
        if (maker && block.timestamp - l.lastTake >= p.makerDelaySeconds) {
            f.rebate = (owed * p.makerRebateBps / BPS).min(feePart);
        }
        // unchecked: rebate <= feePart <= owed
        unchecked {
            f.feePaid = feePart - f.rebate;
            f.paid = owed - f.rebate;
        }
        // unchecked: debtRepaid <= debtLeft; feePart is 0 while owed <= debtLeft, else owed - debtLeft <= tab -
        // debtLeft = feeLeft; collateralOut <= collateral since owed > tab implies collateral * price > tab * 1e36
        unchecked {
            l.debtLeft -= uint128(f.debtRepaid);
            l.feeLeft -= uint96(feePart);
            l.collateral -= uint128(f.collateralOut);
        }
        if (l.debtLeft == 0 && l.feeLeft == 0) {
            f.finished = true;
            f.returned = l.collateral;
        } else if (l.collateral == 0) {
            f.finished = true;
            f.shortfall = l.debtLeft; // the unraised fee is forgiven: it was never lenders' money
        }
    }

    function _setRole(address account, uint8 role, bool registered) private {
        if (account == address(0)) revert ZeroAddress();
        uint8 roles = _takerRoles[account];
        _takerRoles[account] = registered ? roles | role : roles & ~role;
    }

    /// @dev Minimum take in loan-asset units (see AuctionParams.minTakeMantissa).
    function _minTake(AuctionParams memory p) private pure returns (uint256) {
        return uint256(p.minTakeMantissa) * 10 ** uint256(p.minTakeExponent);
    }

    /// @dev Decimals of `asset` (so the default minimum take is one whole unit), 0 if it does not say or is absurd.
    function _decimalsOf(IERC20 asset) private view returns (uint8) {
        try IERC20Metadata(address(asset)).decimals() returns (uint8 d) {
            return d <= 36 ? d : 0; // beyond 36 no token is sane, and 10^d must not overflow the take check
        } catch {
            return 0;
        }
    }

    /// @dev Draws `shortfall` from the reserve and repays the pool with it; what the reserve cannot pay stays in
    ///      the pool's `auctionDebt` as `pendingShortfall` until `coverPendingShortfall`.
    function _coverShortfall(LotId id, uint256 shortfall) private {
        uint256 paid = reserve.coverShortfall(shortfall);
        if (paid < shortfall) pendingShortfall += shortfall - paid;
        emit ShortfallCovered(id, shortfall, paid);
        if (paid != 0) {
            loanAsset.safeTransfer(address(pool), paid);
            pool.settleLiquidation(address(0), address(0), 0, address(0), 0, paid, 0);
        }
    }
}
