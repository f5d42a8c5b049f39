// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {LotId} from "./LotId.sol";
import {ILendingPool} from "../lending/ILendingPool.sol";
import {IPriceOracle} from "../oracle/IPriceOracle.sol";
import {IRiskReserve} from "../reserve/IRiskReserve.sol";
import {IQualification} from "../compliance/IQualification.sol";

/// @title ILiquidator
/// @notice Dutch-auction liquidation of one lending pool's unhealthy positions (SPEC §E).
///         A liquidation is an instruction any executor can act on: `kick(borrower, collateral)` is
///         permissionless and succeeds only if the pool's health rule says the position is liquidatable.
///         Kick moves the position's collateral into a LOT and its debt into `auctionDebt`, and charges a
///         liquidation fee (default 5% of the debt) that the lot must raise too. The lot's price starts at
///         110% of the oracle valuation and steps down by a factor of 0.95 every 10 s. Anyone `take`s part or
///         all of it at the current price; with callback data the collateral is sent first, `onTake` is called
///         on the taker, then the loan asset is pulled (flash liquidation). Proceeds repay the debt first
///         (straight to the pool), then the fee (held by the pool apart from lenders' assets until
///         `distributeFees`: 50% to the reserve, the rest to the fee recipient). When the debt and fee are
///         raised, unsold collateral goes back to the borrower's wallet (or position, if the token refuses);
///         when the collateral runs out first, the missing debt is drawn from the risk reserve (the unraised
///         fee is forgiven). After 3 minutes without a take, registered market makers get a 0.5% rebate, out of
///         the fee part of their take only (never out of the debt, so never out of the reserve). A lot priced
///         below 90% of the CURRENT oracle valuation, or older than the tail, cannot be taken: anyone `reset`s
///         it to 110% of a fresh valuation.
///         TAKERS: registered executors, registered market makers, or accounts the pool's registry qualifies
///         for LEND. A take that leaves the lot running must pay at least `minTake`, so dust takes cannot hold
///         the makers' window shut.
/// @dev AUCTION PRICE UNIT: loan-asset smallest units per collateral smallest unit, times 1e36
///      (`collateral * price / 1e36` loan units; WETH in USDC at 2,000 USD -> 2e27).
///      Price at time t: startPrice * (stepFactorBps / 1e4) ^ floor((t - startTime) / stepSeconds), each product
///      rounded down; it never rises except on `reset`.
///      Take amounts: slice = min(maxCollateral, lot collateral); owed = ceil(slice * price / 1e36); if owed
///      exceeds the tab (debt + fee left) the take pays exactly the tab for floor(tab * 1e36 / price).
///      Warning: changing the curve through governance re-prices running lots; do it with no lot running.
///      Prices come from the oracle's liquidation view: a move beyond its deviation guard does not block kick,
///      take or reset (collateral priced at the lower, loan asset at the higher of the new and last accepted).
///      Warning: an oracle refusal (stale or non-positive answer) blocks them until the feed recovers.
interface ILiquidator {
    /// @notice An auction lot (three slots). Amounts in smallest units; prices in the auction price unit.
    /// @param borrower Owner of the seized position; receives unsold collateral.
    /// @param feeLeft Liquidation fee still to raise (raised after the debt).
    /// @param collateral Collateral left to sell.
    /// @param debtLeft Debt still to raise.
    /// @param startPrice Price at `startTime`.
    /// @param startTime Kick or last reset.
    /// @param lastTake Kick or last take: market makers' rebate starts `makerDelaySeconds` after it.
    struct Lot {
        address borrower;
        uint96 feeLeft;
        uint128 collateral;
        uint128 debtLeft;
        uint160 startPrice;
        uint48 startTime;
        uint48 lastTake;
    }

    /// @notice Governed auction parameters (one slot, with the lot counter and the reentrancy lock).
    /// @param liquidationFeeBps Fee charged at kick as a share of the debt (500 = 5%).
    /// @param reserveShareBps Share of collected fees sent to the risk reserve (5,000 = 50%).
    /// @param startPremiumBps Start price as a share of the valuation (11,000 = 110%).
    /// @param stepFactorBps Price multiplier per step (9,500 = x0.95).
    /// @param floorBps Reset threshold as a share of the current valuation (9,000 = 90%).
    /// @param makerRebateBps Rebate for registered market makers after `makerDelaySeconds` (50 = 0.5%).
    /// @param stepSeconds Step length (10 s).
    /// @param tailSeconds Maximum age of a lot's start price before it must be reset.
    /// @param makerDelaySeconds Time without a take after which makers get the rebate (180 s).
    /// @param lotCount Lots kicked so far (the last sequence number).
    /// @param locked Reentrancy lock.
    /// @param minTakeMantissa With `minTakeExponent`, the minimum take `minTakeMantissa * 10^minTakeExponent` in
    ///        loan-asset units, packed in this slot so a take reads no extra one (see `minTake`).
    /// @param minTakeExponent See `minTakeMantissa`.
    struct AuctionParams {
        uint16 liquidationFeeBps;
        uint16 reserveShareBps;
        uint16 startPremiumBps;
        uint16 stepFactorBps;
        uint16 floorBps;
        uint16 makerRebateBps;
        uint16 stepSeconds;
        uint32 tailSeconds;
        uint32 makerDelaySeconds;
        uint48 lotCount;
        bool locked;
        uint16 minTakeMantissa;
        uint8 minTakeExponent;
    }

    /// @notice Thrown when a lot does not exist or has finished (sold out, or its debt and fee raised).
    error LotNotActive(LotId id);
    /// @notice Thrown when taking a lot older than the tail: it must be reset first.
    error LotExpired(LotId id);
    /// @notice Thrown when taking a lot priced below the floor of the current valuation: it must be reset first.
    error LotNeedsReset(LotId id, uint256 price, uint256 valuation);
    /// @notice Thrown when resetting a lot that is neither past the tail nor below the floor.
    error LotNotResettable(LotId id, uint256 price, uint256 valuation);
    /// @notice Thrown when the current price is above the taker's `maxPrice`.
    error PriceAboveMax(uint256 price, uint256 maxPrice);
    /// @notice Thrown when a take would move nothing, or there is nothing to distribute or cover.
    error ZeroAmount();
    /// @notice Thrown when kick, take, reset or a payout is re-entered (e.g. from the take callback).
    error Reentrancy();
    /// @notice Thrown when governed parameters are out of range.
    error InvalidParams();
    /// @notice Thrown when the reserve's asset is not the pool's loan asset.
    error AssetMismatch();
    /// @notice Thrown when the taker is neither a registered executor or market maker nor a qualified account.
    error NotTaker(address account);
    /// @notice Thrown when a take that leaves the lot running would pay `owed`, less than `minTake`.
    error TakeTooSmall(uint256 owed, uint256 minTake);

    /// @notice Emitted when `kicker` starts lot `id` from `borrower`'s `collateral` position.
    /// @param fee Liquidation fee added to what the lot must raise.
    /// @param startPrice Auction start price (110% of the valuation by default).
    event Kick(
        LotId indexed id,
        address indexed borrower,
        address indexed collateral,
        address kicker,
        uint256 collateralAmount,
        uint256 debt,
        uint256 fee,
        uint256 startPrice
    );
    /// @notice Emitted on every take: `taker` bought `collateralOut` at `price`, paying `paid`, of which
    ///         `debtRepaid` repaid lenders and `feePaid` the liquidation fee; `rebate` was the maker rebate.
    event Take(
        LotId indexed id,
        address indexed taker,
        address receiver,
        uint256 collateralOut,
        uint256 price,
        uint256 paid,
        uint256 debtRepaid,
        uint256 feePaid,
        uint256 rebate
    );
    /// @notice Emitted when a lot restarts at `startPrice` from a fresh `valuation`.
    event Reset(LotId indexed id, uint256 startPrice, uint256 valuation);
    /// @notice Emitted when a lot finishes: `collateralReturned` given back to the borrower, or `shortfall`
    ///         of debt left when the collateral ran out (drawn from the reserve).
    event LotFinished(LotId indexed id, address indexed borrower, uint256 collateralReturned, uint256 shortfall);
    /// @notice Emitted when the reserve pays `paid` of lot `id`'s `shortfall`.
    event ShortfallCovered(LotId indexed id, uint256 shortfall, uint256 paid);
    /// @notice Emitted when the reserve pays `paid` of shortfalls it could not cover earlier; `remaining` is still owed.
    event PendingShortfallCovered(uint256 paid, uint256 remaining);
    /// @notice Emitted when collected fees are paid out.
    event FeesDistributed(uint256 toReserve, address indexed recipient, uint256 toRecipient);
    /// @notice Emitted when governance changes the fee terms.
    event LiquidationFeeSet(uint16 liquidationFeeBps, uint16 reserveShareBps);
    /// @notice Emitted when governance changes the auction curve.
    event AuctionCurveSet(
        uint16 startPremiumBps, uint16 stepSeconds, uint16 stepFactorBps, uint16 floorBps, uint32 tailSeconds
    );
    /// @notice Emitted when governance changes the market-maker terms.
    event MakerTermsSet(uint32 makerDelaySeconds, uint16 makerRebateBps);
    /// @notice Emitted when governance registers or removes a market maker.
    event MakerSet(address indexed maker, bool registered);
    /// @notice Emitted when governance sets the recipient of the non-reserve share of fees.
    event FeeRecipientSet(address indexed recipient);
    /// @notice Emitted when governance registers or removes an executor as a taker.
    event ExecutorSet(address indexed executor, bool registered);
    /// @notice Emitted when governance sets the minimum payment of a take that leaves its lot running.
    event MinTakeSet(uint256 minTake);

    /// @notice Starts an auction for `borrower`'s `collateral` position; reverts with the pool's
    ///         `PositionHealthy` unless it is liquidatable. Permissionless.
    /// @return id The new lot.
    function kick(address borrower, address collateral) external returns (LotId id);

    /// @notice Buys up to `maxCollateral` of lot `id` at the current price if it is at most `maxPrice`,
    ///         delivering the collateral to `receiver`. If `data` is non-empty, calls
    ///         `ILiquidationTaker(msg.sender).onTake` after delivery and before pulling payment.
    ///         The taker pays from `msg.sender` (approve this contract for the loan asset).
    /// @dev A take that would raise more than the lot's debt + fee buys only what that amount pays for.
    /// @return collateralOut Collateral delivered.
    /// @return paid Loan assets pulled from the taker.
    function take(LotId id, uint256 maxCollateral, uint256 maxPrice, address receiver, bytes calldata data)
        external
        returns (uint256 collateralOut, uint256 paid);

    /// @notice Restarts a lot past its tail or priced below the floor of the current valuation, at
    ///         `startPremiumBps` of a fresh valuation. Permissionless.
    function reset(LotId id) external returns (uint256 startPrice);

    /// @notice Pays the collected fees: `reserveShareBps` to the reserve, the rest to the fee recipient
    ///         (all to the reserve if none is set). Permissionless.
    function distributeFees() external;

    /// @notice Draws shortfalls the reserve could not pay at the time. Permissionless.
    function coverPendingShortfall() external;

    /// @notice Sets fee terms (governance only).
    function setLiquidationFee(uint16 liquidationFeeBps, uint16 reserveShareBps) external;

    /// @notice Sets the auction curve (governance only); floor must stay below the start premium.
    function setAuctionCurve(
        uint16 startPremiumBps,
        uint16 stepSeconds,
        uint16 stepFactorBps,
        uint16 floorBps,
        uint32 tailSeconds
    ) external;

    /// @notice Sets the market-maker delay and rebate (governance only).
    function setMakerTerms(uint32 makerDelaySeconds, uint16 makerRebateBps) external;

    /// @notice Registers or removes a market maker (governance only); makers may take and earn the rebate.
    function setMaker(address maker, bool registered) external;

    /// @notice Registers or removes an executor (governance only); executors may take without a registry check.
    function setExecutor(address executor, bool registered) external;

    /// @notice Sets the minimum payment (loan-asset units) of a take that leaves its lot running (governance
    ///         only); the last take of a lot may be smaller. It must be m * 10^e with m < 65,536 (any round
    ///         figure: 100 USDC = 1 * 10^8), else `InvalidParams`.
    function setMinTake(uint256 minTake_) external;

    /// @notice Sets the recipient of the non-reserve share of fees (governance only; zero = all to the reserve).
    function setFeeRecipient(address recipient) external;

    /// @notice The lending pool liquidated.
    function pool() external view returns (ILendingPool);

    /// @notice The pool's loan asset.
    function loanAsset() external view returns (IERC20);

    /// @notice The pool's price adapter.
    function oracle() external view returns (IPriceOracle);

    /// @notice The risk reserve drawn on for shortfalls.
    function reserve() external view returns (IRiskReserve);

    /// @notice Recipient of the non-reserve share of fees.
    function feeRecipient() external view returns (address);

    /// @notice Whether `account` is a registered market maker.
    function isMaker(address account) external view returns (bool);

    /// @notice Whether `account` is a registered executor.
    function isExecutor(address account) external view returns (bool);

    /// @notice Minimum payment of a take that leaves its lot running (one whole loan-asset unit by default).
    function minTake() external view returns (uint256);

    /// @notice The compliance registry asked about takers that are neither executors nor makers (the pool's).
    function qualification() external view returns (IQualification);

    /// @notice Shortfall the reserve could not pay yet (still counted in the pool's `auctionDebt`).
    function pendingShortfall() external view returns (uint256);

    /// @notice Governed parameters and lot counter.
    function params() external view returns (AuctionParams memory);

    /// @notice Stored state of lot `id` (all zero once finished).
    function lot(LotId id) external view returns (Lot memory);

    /// @notice Live view of lot `id` with peeked oracle prices.
    /// @return active Whether the lot can still sell.
    /// @return price Current auction price.
    /// @return valuation Current oracle valuation (auction price unit).
    /// @return needsReset Past the tail or below the floor: `take` reverts and `reset` is open.
    /// @return makerRebate Whether registered makers get the rebate now.
    function status(LotId id)
        external
        view
        returns (bool active, uint256 price, uint256 valuation, bool needsReset, bool makerRebate);
}
