// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IPriceOracle} from "../oracle/IPriceOracle.sol";
import {IQualification} from "../compliance/IQualification.sol";
import {RateParams} from "./InterestRateModel.sol";

/// @title ILendingPool
/// @notice A lending pool for ONE loan asset (e.g. USDC) on one chain. Qualified lenders supply the loan asset
///         for shares; qualified borrowers open positions, each backed by ONE collateral asset: a position is
///         the pair (borrower, collateral asset), so a borrower with WETH and WBTC holds two independent
///         positions sharing the same lender liquidity. One collateral per position keeps every health check
///         to two prices and one storage slot (Morpho Blue's market = (loan, collateral) shape, with the lender
///         side pooled across collaterals).
/// @dev Health rule (mirrored exactly off chain; see HealthLib): with debt = borrow shares converted to assets
///      rounding UP at totals including interest accrued to now, and oracle prices P (USD per smallest unit
///      * 1e36):
///        collateralValue = collateral * P_collateral / 1e18 (down), debtValue = ceil(debt * P_loan / 1e18)
///        LIQUIDATABLE iff collateralValue * 1e18 < debtValue * liquidationRatio   (ratio 1.10e18 = 110%)
///        BORROW / WITHDRAW COLLATERAL allowed iff debtValue * 1e18 <= collateralValue * maxLtv
///      QUALIFICATION: only new exposure asks `qualification.isQualified(msg.sender, Service.LEND, Category.ANY,
///      bytes2(0))`: `supply`, `borrow`, and `supplyCollateral` except a borrower topping up its own position that
///      has debt. A client whose lease lapsed or was revoked can still repay, add collateral to its debt
///      position, withdraw collateral within the borrow limit and withdraw its supply: an exit is never trapped.
///      PAUSE: the guardian (or governance) can pause `supply` and `borrow`; repay, collateral deposits and
///      withdrawals within the limits and liquidation always run. The guardian moves no funds.
///      MINIMUM DEBT: a position's debt after a borrow, or after a partial repay, is at least its collateral's
///      governed `minDebt`, so every auction lot is worth taking.
///      Liquidation: the liquidator contract seizes an unhealthy position (its debt moves to `auctionDebt`,
///      which still counts as lenders' assets but earns no interest) and settles it as its auction lot sells.
interface ILendingPool {
    /// @notice Pool totals and interest state: three storage slots.
    /// @param totalSupplyAssets Loan assets owed to lenders, interest included.
    /// @param totalSupplyShares Lender shares outstanding.
    /// @param totalBorrowAssets Debt of open positions, interest included.
    /// @param totalBorrowShares Borrow shares outstanding.
    /// @param lastUpdate Timestamp of the last interest accrual.
    /// @param auctionDebt Debt of seized positions not yet raised by their auction lots (or by the reserve).
    /// @param baseRateBps Rate model: annual borrow rate at 0% utilization.
    /// @param slope1Bps Rate model: added up to the kink.
    /// @param slope2Bps Rate model: added from the kink to 100%.
    /// @param kinkBps Rate model: optimal utilization.
    /// @param paused Whether the guardian has paused new exposure (`supply`, `borrow`); packed in the slot both
    ///        already load.
    struct Market {
        uint128 totalSupplyAssets;
        uint128 totalSupplyShares;
        uint128 totalBorrowAssets;
        uint128 totalBorrowShares;
        uint40 lastUpdate;
        uint128 auctionDebt;
        uint16 baseRateBps;
        uint16 slope1Bps;
        uint16 slope2Bps;
        uint16 kinkBps;
        bool paused;
    }

    /// @notice A borrower's position against one collateral asset (one slot).
    struct Position {
        uint128 borrowShares;
        uint128 collateral;
    }

    /// @notice Governed parameters of a collateral asset (one slot).
    /// @param liquidationRatio Minimum collateral ratio in WAD; below it the position is liquidatable.
    /// @param maxLtv Maximum loan-to-value in WAD for borrowing and withdrawing collateral.
    /// @param enabled Whether new collateral deposits and borrows are accepted (existing positions can always
    ///        repay, withdraw within the limit and be liquidated).
    /// @param minDebt Smallest debt (loan-asset units) a position may keep after a borrow or a partial repay.
    struct CollateralConfig {
        uint64 liquidationRatio;
        uint64 maxLtv;
        bool enabled;
        uint112 minDebt;
    }

    /// @notice Thrown when an amount argument is zero.
    error ZeroAmount();
    /// @notice Thrown when not exactly one of `assets` and `shares` is non-zero.
    error InconsistentInput();
    /// @notice Thrown when the caller is not a qualified LEND client in the compliance registry.
    error NotQualified(address account);
    /// @notice Thrown when a caller other than the liquidator calls a liquidation hook.
    error NotLiquidator(address caller);
    /// @notice Thrown when depositing or borrowing against a collateral asset that is not enabled.
    error CollateralNotEnabled(address collateral);
    /// @notice Thrown when a withdrawal or borrow needs more loan assets than the pool holds free.
    error InsufficientLiquidity();
    /// @notice Thrown when a lender withdraws more shares than it holds.
    error InsufficientShares(uint256 requested, uint256 held);
    /// @notice Thrown when withdrawing more collateral than the position holds.
    error InsufficientCollateral(uint256 requested, uint256 held);
    /// @notice Thrown when a borrow or collateral withdrawal would leave debtValue above collateralValue * maxLtv.
    error ExceedsBorrowLimit(uint256 debtValue, uint256 maxDebtValue);
    /// @notice Thrown when repaying more shares than the position owes.
    error RepayExceedsDebt(uint256 shares, uint256 owedShares);
    /// @notice Thrown when the liquidator tries to seize a position that is not liquidatable.
    error PositionHealthy(address borrower, address collateral);
    /// @notice Thrown when collateral parameters are out of range (ratio <= 100%, maxLtv zero or not stricter
    ///         than the liquidation threshold, or the loan asset itself as collateral).
    error InvalidCollateralConfig();
    /// @notice Thrown when rate-model parameters are out of range (kink must be strictly between 0 and 100%).
    error InvalidRateParams();
    /// @notice Thrown when supplying or borrowing while the guardian has paused new exposure.
    error Paused();
    /// @notice Thrown when a caller other than the guardian or governance pauses or unpauses.
    error NotGuardian(address caller);
    /// @notice Thrown when pausing a paused pool or unpausing a running one.
    error AlreadyInState(bool paused);
    /// @notice Thrown when a borrow or partial repay would leave a position's `debt` below `minDebt`.
    error DebtBelowMinimum(uint256 debt, uint256 minDebt);
    /// @notice Thrown when setting the minimum debt of an asset that was never listed as collateral.
    error CollateralNotListed(address collateral);

    /// @notice Emitted when `lender` supplies `assets` for `shares`.
    event Supply(address indexed lender, uint256 assets, uint256 shares);
    /// @notice Emitted when `lender` withdraws `assets` by burning `shares`.
    event Withdraw(address indexed lender, uint256 assets, uint256 shares);
    /// @notice Emitted when `caller` adds `amount` of `collateral` to `borrower`'s position.
    event SupplyCollateral(
        address indexed caller, address indexed borrower, address indexed collateral, uint256 amount
    );
    /// @notice Emitted when `borrower` withdraws `amount` of `collateral`.
    event WithdrawCollateral(address indexed borrower, address indexed collateral, uint256 amount);
    /// @notice Emitted when `borrower` borrows `assets` (minting `shares` of debt) against `collateral`.
    event Borrow(address indexed borrower, address indexed collateral, uint256 assets, uint256 shares);
    /// @notice Emitted when `caller` repays `assets` (burning `shares`) of `borrower`'s debt against `collateral`.
    event Repay(
        address indexed caller, address indexed borrower, address indexed collateral, uint256 assets, uint256 shares
    );
    /// @notice Emitted when interest accrues: `interest` added to both borrow and supply totals.
    event AccrueInterest(uint256 ratePerSecond, uint256 interest);
    /// @notice Emitted when the liquidator seizes a position: its collateral goes to an auction lot and its
    ///         `debt` (from `shares`) to `auctionDebt`.
    event Seize(
        address indexed borrower, address indexed collateral, uint256 collateralAmount, uint256 debt, uint256 shares
    );
    /// @notice Emitted when unsold collateral of a finished lot goes back to `borrower`: to its wallet, or
    ///         (`credited` true, when the token refuses that transfer) to its position.
    event CollateralReturned(address indexed borrower, address indexed collateral, uint256 amount, bool credited);
    /// @notice Emitted when the liquidator moves `amount` of collected liquidation fees to `to`.
    event LiquidationFeesReleased(address indexed to, uint256 amount);
    /// @notice Emitted when governance lists or changes a collateral asset.
    event CollateralSet(address indexed collateral, uint64 liquidationRatio, uint64 maxLtv, bool enabled);
    /// @notice Emitted when governance changes the rate model.
    event RateModelSet(uint16 baseRateBps, uint16 slope1Bps, uint16 slope2Bps, uint16 kinkBps);
    /// @notice Emitted when governance sets the liquidator contract.
    event LiquidatorSet(address indexed liquidator);
    /// @notice Emitted when governance sets the minimum debt of positions against `collateral`.
    event MinDebtSet(address indexed collateral, uint256 minDebt);
    /// @notice Emitted when governance sets the guardian.
    event GuardianSet(address indexed guardian);
    /// @notice Emitted when `by` (the guardian or governance) pauses or unpauses new exposure.
    event PauseSet(address indexed by, bool paused);

    // ------------------------------------------------------------------ lenders

    /// @notice Supplies `assets` of the loan asset from the caller (qualified; not while paused) for shares.
    /// @return shares Shares minted (rounded down).
    function supply(uint256 assets) external returns (uint256 shares);

    /// @notice Withdraws to the caller either `assets` (burning shares rounded up) or exactly `shares`
    ///         (paying assets rounded down); exactly one must be non-zero.
    function withdraw(uint256 assets, uint256 shares) external returns (uint256 assetsOut, uint256 sharesBurned);

    // ------------------------------------------------------------------ borrowers

    /// @notice Adds `amount` of `collateral` from the caller to `borrower`'s position (no interest accrual, no price).
    function supplyCollateral(address collateral, uint256 amount, address borrower) external;

    /// @notice Withdraws `amount` of `collateral` from the caller's position to the caller; must stay within
    ///         the borrow limit if the position has debt.
    function withdrawCollateral(address collateral, uint256 amount) external;

    /// @notice Borrows `assets` of the loan asset to the caller against its `collateral` position.
    /// @return shares Debt shares minted (rounded up).
    function borrow(address collateral, uint256 assets) external returns (uint256 shares);

    /// @notice Repays from the caller either `assets` (burning shares rounded down) or exactly `shares`
    ///         (pulling assets rounded up) of `borrower`'s debt against `collateral`; exactly one non-zero.
    function repay(address collateral, uint256 assets, uint256 shares, address borrower)
        external
        returns (uint256 assetsRepaid, uint256 sharesBurned);

    /// @notice Accrues interest up to now.
    function accrueInterest() external;

    // ------------------------------------------------------------------ liquidator hooks

    /// @notice Seizes `borrower`'s `collateral` position if it is liquidatable (liquidator only): the position is
    ///         emptied, its collateral stays in the pool on behalf of the lot, its debt moves to `auctionDebt`.
    /// @return collateralAmount Collateral moved to the lot.
    /// @return debt Debt moved to `auctionDebt` (interest included, rounded up).
    /// @return collateralPrice Oracle price of the collateral used for the check.
    /// @return loanPrice Oracle price of the loan asset used for the check.
    function seize(address borrower, address collateral)
        external
        returns (uint256 collateralAmount, uint256 debt, uint256 collateralPrice, uint256 loanPrice);

    /// @notice Settles part of an auction lot (liquidator only): books `debtRepaid` against `auctionDebt` and
    ///         `feePaid` as collected liquidation fees, sends `collateralOut` of `collateral` to `receiver` and
    ///         `collateralReturned` back to `borrower` (to its position if the token refuses the transfer).
    /// @dev The liquidator has the taker pay `debtRepaid + feePaid` to this pool in the same transaction, after
    ///      the optional flash callback. The liquidator's Take / LotFinished events describe each settlement.
    function settleLiquidation(
        address collateral,
        address receiver,
        uint256 collateralOut,
        address borrower,
        uint256 collateralReturned,
        uint256 debtRepaid,
        uint256 feePaid
    ) external;

    /// @notice Sends `amount` of collected liquidation fees to `to` (liquidator only).
    function releaseLiquidationFees(address to, uint256 amount) external;

    // ------------------------------------------------------------------ governance

    /// @notice Lists or updates a collateral asset (governance only).
    function setCollateral(address collateral, uint64 liquidationRatio, uint64 maxLtv, bool enabled) external;

    /// @notice Sets the rate model after accruing interest under the old one (governance only).
    function setRateModel(RateParams calldata params) external;

    /// @notice Sets the minimum debt of positions against a listed `collateral` (governance only). Existing
    ///         positions below it can still repay in full, add collateral and be liquidated.
    function setMinDebt(address collateral, uint112 minDebt) external;

    /// @notice Sets the guardian that may pause and unpause new exposure (governance only; zero removes it).
    function setGuardian(address guardian_) external;

    /// @notice Pauses `supply` and `borrow` (guardian or governance). Repay, collateral deposits, withdrawals
    ///         within the limits and liquidation keep running.
    function pause() external;

    /// @notice Lifts the pause (guardian or governance).
    function unpause() external;

    /// @notice Sets the liquidator contract (governance only).
    /// @dev Warning: lots running on the previous liquidator can no longer settle; change it with no lot running.
    function setLiquidator(address liquidator_) external;

    // ------------------------------------------------------------------ views

    /// @notice The loan asset.
    function loanAsset() external view returns (IERC20);

    /// @notice The price adapter.
    function oracle() external view returns (IPriceOracle);

    /// @notice The compliance registry.
    function qualification() external view returns (IQualification);

    /// @notice The account that may pause and unpause new exposure.
    function guardian() external view returns (address);

    /// @notice The liquidator contract allowed to seize and settle.
    function liquidator() external view returns (address);

    /// @notice Liquidation fees collected from takers and not yet released (held apart from lenders' assets).
    function liquidationFees() external view returns (uint256);

    /// @notice Stored totals and interest state.
    function market() external view returns (Market memory);

    /// @notice Totals with interest accrued to now (what the next action will see).
    function expectedMarket() external view returns (Market memory);

    /// @notice `borrower`'s position against `collateral`.
    function position(address borrower, address collateral) external view returns (Position memory);

    /// @notice Lender shares of `lender`.
    function supplyShares(address lender) external view returns (uint256);

    /// @notice Governed parameters of `collateral`.
    function collateralConfig(address collateral) external view returns (CollateralConfig memory);

    /// @notice Debt of a position in loan-asset units, interest to now included, rounded up.
    function debtOf(address borrower, address collateral) external view returns (uint256);

    /// @notice Health of a position under the rule above, with the oracle's liquidation-view prices (peeked): what
    ///         a kick would see now; a price move beyond the oracle's guard does not make it revert.
    function health(address borrower, address collateral)
        external
        view
        returns (uint256 collateralValue, uint256 debtValue, bool liquidatable);

    /// @notice Debt owed to lenders: open positions' debt with interest to now, plus `auctionDebt`.
    function outstandingDebt() external view returns (uint256);

    /// @notice Current borrow rate per second (WAD).
    function borrowRate() external view returns (uint256);
}
