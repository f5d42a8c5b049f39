// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {ILendingPool} from "./ILendingPool.sol";
import {InterestRateModel, RateParams} from "./InterestRateModel.sol";
import {SharesMath} from "./SharesMath.sol";
import {HealthLib} from "./HealthLib.sol";
import {IPriceOracle} from "../oracle/IPriceOracle.sol";
import {IQualification, Service, Category} from "../compliance/IQualification.sol";
import {Governed} from "../shared/Governed.sol";
import {FixedPointMath} from "../shared/FixedPointMath.sol";
import {WAD} from "../shared/Constants.sol";

/// @title LendingPool
/// @notice Lending pool for one loan asset with single-collateral positions; see ILendingPool for the rules.
/// @dev No reentrancy lock: as in Morpho Blue, every function finishes its state changes and checks before any
///      token transfer (pulls come last), so a re-entering token or callback only ever sees consistent state;
///      the tokens moved in a transaction either all arrive or the transaction reverts.
///      Warning: the loan and collateral assets must be plain ERC20s (no fee on transfer, no rebasing); the
///      pool counts assets in storage and never reads its balances.
contract LendingPool is ILendingPool, Governed {
    using SafeERC20 for IERC20;
    using SafeCast for uint256;
    using FixedPointMath for uint256;
    using SharesMath for uint256;

    /// @inheritdoc ILendingPool
    IERC20 public immutable loanAsset;
    /// @inheritdoc ILendingPool
    IPriceOracle public immutable oracle;
    /// @inheritdoc ILendingPool
    IQualification public immutable qualification;

    /// @inheritdoc ILendingPool
    address public liquidator;
    /// @dev Collected liquidation fees, packed beside `liquidator` (read by every liquidator hook anyway).
    uint96 private _liquidationFees;
    /// @inheritdoc ILendingPool
    address public guardian;

    Market private _market;
    mapping(address lender => uint256) private _supplyShares;
    mapping(address borrower => mapping(address collateral => Position)) private _positions;
    mapping(address collateral => CollateralConfig) private _collaterals;

    modifier onlyLiquidator() {
        if (msg.sender != liquidator) revert NotLiquidator(msg.sender);
        _;
    }

    /// @param loanAsset_ the asset lent and borrowed (e.g. USDC).
    /// @param oracle_ the price adapter (must price the loan asset and every collateral).
    /// @param qualification_ the compliance registry asked on every user action.
    /// @param governance_ sets parameters (the timelock in production).
    /// @param rate_ initial rate model.
    constructor(
        IERC20 loanAsset_,
        IPriceOracle oracle_,
        IQualification qualification_,
        address governance_,
        RateParams memory rate_
    ) Governed(governance_) {
        if (
            address(loanAsset_) == address(0) || address(oracle_) == address(0) || address(qualification_) == address(0)
        ) {
            revert ZeroAddress();
        }
        if (!InterestRateModel.isValid(rate_)) revert InvalidRateParams();
        loanAsset = loanAsset_;
        oracle = oracle_;
        qualification = qualification_;
        Market memory m;
        m.lastUpdate = uint40(block.timestamp);
        _setRate(m, rate_);
        _market = m;
        emit RateModelSet(rate_.baseBps, rate_.slope1Bps, rate_.slope2Bps, rate_.kinkBps);
    }

    // ------------------------------------------------------------------ lenders

    /// @inheritdoc ILendingPool
    function supply(uint256 assets) external returns (uint256 shares) {
        if (assets == 0) revert ZeroAmount();
        _checkQualified();
        Market memory m = _accrue();
        if (m.paused) revert Paused();
        shares = assets.toSharesDown(m.totalSupplyAssets, m.totalSupplyShares);
        m.totalSupplyAssets = (m.totalSupplyAssets + assets).toUint128();
        m.totalSupplyShares = (m.totalSupplyShares + shares).toUint128();
        _market = m;
        _supplyShares[msg.sender] += shares;
        emit Supply(msg.sender, assets, shares);
        loanAsset.safeTransferFrom(msg.sender, address(this), assets);
    }

    /// @inheritdoc ILendingPool
    function withdraw(uint256 assets, uint256 shares) external returns (uint256, uint256) {
        if ((assets == 0) == (shares == 0)) revert InconsistentInput();
        // no qualification check: a lender whose lease lapsed or was revoked must still get its money out
        Market memory m = _accrue();
        if (assets != 0) shares = assets.toSharesUp(m.totalSupplyAssets, m.totalSupplyShares);
        else assets = shares.toAssetsDown(m.totalSupplyAssets, m.totalSupplyShares);
        uint256 held = _supplyShares[msg.sender];
        if (shares > held) revert InsufficientShares(shares, held);
        // unchecked: shares <= held was just checked
        unchecked {
            _supplyShares[msg.sender] = held - shares;
        }
        // safe: shares <= held <= totalSupplyShares < 2^128
        // forge-lint: disable-next-line(unsafe-typecast)
        m.totalSupplyShares -= uint128(shares);
        m.totalSupplyAssets = (uint256(m.totalSupplyAssets) - assets).toUint128();
        if (uint256(m.totalBorrowAssets) + m.auctionDebt > m.totalSupplyAssets) revert InsufficientLiquidity();
        _market = m;
        emit Withdraw(msg.sender, assets, shares);
        loanAsset.safeTransfer(msg.sender, assets);
        return (assets, shares);
    }

    // ------------------------------------------------------------------ borrowers

    /// @inheritdoc ILendingPool
    function supplyCollateral(address collateral, uint256 amount, address borrower) external {
        if (amount == 0) revert ZeroAmount();
        if (borrower == address(0)) revert ZeroAddress();
        Position storage p = _positions[borrower][collateral];
        // topping up one's own debt position only makes it safer, so a lapsed client may; anything else asks
        if (msg.sender != borrower || p.borrowShares == 0) _checkQualified();
        if (!_collaterals[collateral].enabled) revert CollateralNotEnabled(collateral);
        p.collateral = (p.collateral + amount).toUint128();
        emit SupplyCollateral(msg.sender, borrower, collateral, amount);
        IERC20(collateral).safeTransferFrom(msg.sender, address(this), amount);
    }

    /// @inheritdoc ILendingPool
    function withdrawCollateral(address collateral, uint256 amount) external {
        if (amount == 0) revert ZeroAmount();
        // no qualification check: the borrow limit below is what guards lenders, not the caller's lease
        Position memory p = _positions[msg.sender][collateral];
        if (amount > p.collateral) revert InsufficientCollateral(amount, p.collateral);
        // unchecked: amount <= p.collateral was just checked
        unchecked {
            // safe: amount <= p.collateral < 2^128
            // forge-lint: disable-next-line(unsafe-typecast)
            p.collateral -= uint128(amount);
        }
        _positions[msg.sender][collateral].collateral = p.collateral;
        if (p.borrowShares != 0) {
            Market memory m = _accrue();
            _market = m;
            _checkBorrowLimit(collateral, p, m);
        }
        emit WithdrawCollateral(msg.sender, collateral, amount);
        IERC20(collateral).safeTransfer(msg.sender, amount);
    }

    /// @inheritdoc ILendingPool
    function borrow(address collateral, uint256 assets) external returns (uint256 shares) {
        if (assets == 0) revert ZeroAmount();
        _checkQualified();
        CollateralConfig memory c = _collaterals[collateral];
        if (!c.enabled) revert CollateralNotEnabled(collateral);
        Market memory m = _accrue();
        if (m.paused) revert Paused();
        shares = assets.toSharesUp(m.totalBorrowAssets, m.totalBorrowShares);
        m.totalBorrowAssets = (m.totalBorrowAssets + assets).toUint128();
        m.totalBorrowShares = (m.totalBorrowShares + shares).toUint128();
        if (uint256(m.totalBorrowAssets) + m.auctionDebt > m.totalSupplyAssets) revert InsufficientLiquidity();
        _market = m;
        Position memory p = _positions[msg.sender][collateral];
        p.borrowShares = (p.borrowShares + shares).toUint128();
        _positions[msg.sender][collateral].borrowShares = p.borrowShares;
        if (c.minDebt != 0) _checkMinDebt(p.borrowShares, m, c.minDebt);
        _checkBorrowLimit(collateral, p, m);
        emit Borrow(msg.sender, collateral, assets, shares);
        loanAsset.safeTransfer(msg.sender, assets);
    }

    /// @inheritdoc ILendingPool
    function repay(address collateral, uint256 assets, uint256 shares, address borrower)
        external
        returns (uint256, uint256)
    {
        if ((assets == 0) == (shares == 0)) revert InconsistentInput();
        // no qualification check: repaying only lowers lenders' risk, and a lapsed client must be able to exit
        Market memory m = _accrue();
        if (assets != 0) shares = assets.toSharesDown(m.totalBorrowAssets, m.totalBorrowShares);
        else assets = shares.toAssetsUp(m.totalBorrowAssets, m.totalBorrowShares);
        Position storage p = _positions[borrower][collateral];
        uint256 owed = p.borrowShares;
        if (shares > owed) revert RepayExceedsDebt(shares, owed);
        // unchecked: shares <= owed was just checked
        unchecked {
            // safe: owed - shares <= owed, a uint128
            // forge-lint: disable-next-line(unsafe-typecast)
            p.borrowShares = uint128(owed - shares);
        }
        // safe: shares <= owed <= totalBorrowShares < 2^128
        // forge-lint: disable-next-line(unsafe-typecast)
        m.totalBorrowShares -= uint128(shares);
        m.totalBorrowAssets = uint128(uint256(m.totalBorrowAssets).zeroFloorSub(assets));
        // a partial repay must leave a lot worth taking (a full repay is always allowed)
        if (owed != shares) {
            uint256 minDebt = _collaterals[collateral].minDebt;
            if (minDebt != 0) _checkMinDebt(owed - shares, m, minDebt);
        }
        _market = m;
        emit Repay(msg.sender, borrower, collateral, assets, shares);
        loanAsset.safeTransferFrom(msg.sender, address(this), assets);
        return (assets, shares);
    }

    /// @inheritdoc ILendingPool
    function accrueInterest() external {
        _market = _accrue();
    }

    // ------------------------------------------------------------------ liquidator hooks

    /// @inheritdoc ILendingPool
    function seize(address borrower, address collateral)
        external
        onlyLiquidator
        returns (uint256 collateralAmount, uint256 debt, uint256 collateralPrice, uint256 loanPrice)
    {
        Market memory m = _accrue();
        Position memory p = _positions[borrower][collateral];
        debt = uint256(p.borrowShares).toAssetsUp(m.totalBorrowAssets, m.totalBorrowShares);
        collateralAmount = p.collateral;
        (collateralPrice, loanPrice) = oracle.liquidationPrices(collateral, address(loanAsset));
        if (!HealthLib.isLiquidatable(
                HealthLib.collateralValue(collateralAmount, collateralPrice),
                HealthLib.debtValue(debt, loanPrice),
                _collaterals[collateral].liquidationRatio
            )) revert PositionHealthy(borrower, collateral);
        m.totalBorrowShares -= p.borrowShares;
        m.totalBorrowAssets = uint128(uint256(m.totalBorrowAssets).zeroFloorSub(debt));
        m.auctionDebt = (m.auctionDebt + debt).toUint128();
        _market = m;
        delete _positions[borrower][collateral];
        emit Seize(borrower, collateral, collateralAmount, debt, p.borrowShares);
    }

    /// @inheritdoc ILendingPool
    /// @dev Does not accrue interest (saves three slot writes per take): the window since the last accrual is
    ///      charged at the next accrual with the utilization after this settlement.
    function settleLiquidation(
        address collateral,
        address receiver,
        uint256 collateralOut,
        address borrower,
        uint256 collateralReturned,
        uint256 debtRepaid,
        uint256 feePaid
    ) external onlyLiquidator {
        if (debtRepaid != 0) {
            _market.auctionDebt = (uint256(_market.auctionDebt) - debtRepaid).toUint128();
        }
        if (feePaid != 0) _liquidationFees = (_liquidationFees + feePaid).toUint96();
        if (collateralOut != 0) IERC20(collateral).safeTransfer(receiver, collateralOut);
        if (collateralReturned != 0) {
            // a token that refuses the transfer (e.g. a blocklist) must not block the lot: credit the position
            bool credited = !_tryTransfer(collateral, borrower, collateralReturned);
            if (credited) {
                Position storage p = _positions[borrower][collateral];
                p.collateral = (p.collateral + collateralReturned).toUint128();
            }
            emit CollateralReturned(borrower, collateral, collateralReturned, credited);
        }
    }

    /// @inheritdoc ILendingPool
    function releaseLiquidationFees(address to, uint256 amount) external onlyLiquidator {
        _liquidationFees = (_liquidationFees - amount).toUint96();
        emit LiquidationFeesReleased(to, amount);
        loanAsset.safeTransfer(to, amount);
    }

    // ------------------------------------------------------------------ governance

    /// @inheritdoc ILendingPool
    function setCollateral(address collateral, uint64 liquidationRatio, uint64 maxLtv, bool enabled)
        external
        onlyGovernance
    {
        if (collateral == address(0)) revert ZeroAddress();
        if (
            collateral == address(loanAsset) || liquidationRatio <= WAD || maxLtv == 0
                || uint256(maxLtv) * liquidationRatio >= WAD * WAD
        ) revert InvalidCollateralConfig();
        _collaterals[collateral] = CollateralConfig(liquidationRatio, maxLtv, enabled, _collaterals[collateral].minDebt);
        emit CollateralSet(collateral, liquidationRatio, maxLtv, enabled);
    }

    /// @inheritdoc ILendingPool
    function setMinDebt(address collateral, uint112 minDebt) external onlyGovernance {
        if (_collaterals[collateral].liquidationRatio == 0) revert CollateralNotListed(collateral);
        _collaterals[collateral].minDebt = minDebt;
        emit MinDebtSet(collateral, minDebt);
    }

    /// @inheritdoc ILendingPool
    function setGuardian(address guardian_) external onlyGovernance {
        guardian = guardian_;
        emit GuardianSet(guardian_);
    }

    /// @inheritdoc ILendingPool
    function pause() external {
        _checkGuardian();
        if (_market.paused) revert AlreadyInState(true);
        _market.paused = true;
        emit PauseSet(msg.sender, true);
    }

    /// @inheritdoc ILendingPool
    function unpause() external {
        _checkGuardian();
        if (!_market.paused) revert AlreadyInState(false);
        _market.paused = false;
        emit PauseSet(msg.sender, false);
    }

    /// @inheritdoc ILendingPool
    function setRateModel(RateParams calldata params) external onlyGovernance {
        if (!InterestRateModel.isValid(params)) revert InvalidRateParams();
        Market memory m = _accrue();
        _setRate(m, params);
        _market = m;
        emit RateModelSet(params.baseBps, params.slope1Bps, params.slope2Bps, params.kinkBps);
    }

    /// @inheritdoc ILendingPool
    function setLiquidator(address liquidator_) external onlyGovernance {
        liquidator = liquidator_;
        emit LiquidatorSet(liquidator_);
    }

    // ------------------------------------------------------------------ views

    /// @inheritdoc ILendingPool
    function liquidationFees() external view returns (uint256) {
        return _liquidationFees;
    }

    /// @inheritdoc ILendingPool
    function market() external view returns (Market memory) {
        return _market;
    }

    /// @inheritdoc ILendingPool
    function expectedMarket() public view returns (Market memory m) {
        m = _market;
        _accrueInMemory(m);
    }

    /// @inheritdoc ILendingPool
    function position(address borrower, address collateral) external view returns (Position memory) {
        return _positions[borrower][collateral];
    }

    /// @inheritdoc ILendingPool
    function supplyShares(address lender) external view returns (uint256) {
        return _supplyShares[lender];
    }

    /// @inheritdoc ILendingPool
    function collateralConfig(address collateral) external view returns (CollateralConfig memory) {
        return _collaterals[collateral];
    }

    /// @inheritdoc ILendingPool
    function debtOf(address borrower, address collateral) public view returns (uint256) {
        Market memory m = expectedMarket();
        return
            uint256(_positions[borrower][collateral].borrowShares).toAssetsUp(m.totalBorrowAssets, m.totalBorrowShares);
    }

    /// @inheritdoc ILendingPool
    function health(address borrower, address collateral)
        external
        view
        returns (uint256 collateralValue, uint256 debtValue, bool liquidatable)
    {
        // the liquidation view: a price move beyond the oracle's guard never makes this view revert
        (uint256 collateralPrice, uint256 loanPrice) = oracle.peekLiquidationPrices(collateral, address(loanAsset));
        collateralValue = HealthLib.collateralValue(_positions[borrower][collateral].collateral, collateralPrice);
        debtValue = HealthLib.debtValue(debtOf(borrower, collateral), loanPrice);
        liquidatable = HealthLib.isLiquidatable(collateralValue, debtValue, _collaterals[collateral].liquidationRatio);
    }

    /// @inheritdoc ILendingPool
    function outstandingDebt() external view returns (uint256) {
        Market memory m = expectedMarket();
        return uint256(m.totalBorrowAssets) + m.auctionDebt;
    }

    /// @inheritdoc ILendingPool
    function borrowRate() external view returns (uint256) {
        Market memory m = _market;
        return
            InterestRateModel.ratePerSecond(
                uint256(m.totalBorrowAssets) + m.auctionDebt, m.totalSupplyAssets, _rateOf(m)
            );
    }

    // ------------------------------------------------------------------ internals

    /// @dev Reverts unless the caller is the guardian or governance (either may pause and unpause).
    function _checkGuardian() private view {
        if (msg.sender != guardian && msg.sender != governance) revert NotGuardian(msg.sender);
    }

    /// @dev Reverts if `shares` of debt at market `m` are worth less than `minDebt` loan units.
    function _checkMinDebt(uint256 shares, Market memory m, uint256 minDebt) private pure {
        uint256 debt = shares.toAssetsUp(m.totalBorrowAssets, m.totalBorrowShares);
        if (debt < minDebt) revert DebtBelowMinimum(debt, minDebt);
    }

    /// @dev Reverts unless the caller is a qualified LEND client.
    function _checkQualified() private view {
        if (!qualification.isQualified(msg.sender, Service.LEND, Category.ANY, bytes2(0))) {
            revert NotQualified(msg.sender);
        }
    }

    /// @dev Loads the market, accrues interest to now in memory and emits; the caller writes it back.
    function _accrue() private returns (Market memory m) {
        m = _market;
        (uint256 rate, uint256 interest) = _accrueInMemory(m);
        if (interest != 0) emit AccrueInterest(rate, interest);
    }

    function _accrueInMemory(Market memory m) private view returns (uint256 rate, uint256 interest) {
        uint256 elapsed = block.timestamp - m.lastUpdate;
        if (elapsed == 0) return (0, 0);
        m.lastUpdate = uint40(block.timestamp);
        if (m.totalBorrowAssets == 0) return (0, 0);
        rate = InterestRateModel.ratePerSecond(
            uint256(m.totalBorrowAssets) + m.auctionDebt, m.totalSupplyAssets, _rateOf(m)
        );
        interest = uint256(m.totalBorrowAssets).wMulDown(FixedPointMath.wTaylorCompounded(rate, elapsed));
        m.totalBorrowAssets = (m.totalBorrowAssets + interest).toUint128();
        m.totalSupplyAssets = (m.totalSupplyAssets + interest).toUint128();
    }

    /// @dev Reverts unless the position `p` against `collateral` is within its borrow limit at market `m`.
    function _checkBorrowLimit(address collateral, Position memory p, Market memory m) private {
        uint256 debt = uint256(p.borrowShares).toAssetsUp(m.totalBorrowAssets, m.totalBorrowShares);
        // the risk view: while a price move is pending, the lower collateral and the higher loan-asset price
        (uint256 collateralPrice, uint256 loanPrice) = oracle.riskPrices(collateral, address(loanAsset));
        uint256 collateralValue = HealthLib.collateralValue(p.collateral, collateralPrice);
        uint256 debtValue = HealthLib.debtValue(debt, loanPrice);
        uint256 maxLtv = _collaterals[collateral].maxLtv;
        if (!HealthLib.isWithinBorrowLimit(collateralValue, debtValue, maxLtv)) {
            revert ExceedsBorrowLimit(debtValue, collateralValue * maxLtv / WAD);
        }
    }

    function _rateOf(Market memory m) private pure returns (RateParams memory) {
        return RateParams(m.baseRateBps, m.slope1Bps, m.slope2Bps, m.kinkBps);
    }

    function _setRate(Market memory m, RateParams memory r) private pure {
        m.baseRateBps = r.baseBps;
        m.slope1Bps = r.slope1Bps;
        m.slope2Bps = r.slope2Bps;
        m.kinkBps = r.kinkBps;
    }

    /// @dev Transfers without reverting (OZ 5.1 has no `trySafeTransfer`): false when the token reverts,
    ///      returns false, returns malformed data, or is not a contract. A refused transfer must not block
    ///      a liquidation, so the caller credits the position instead.
    function _tryTransfer(address token, address to, uint256 amount) private returns (bool) {
        (bool success, bytes memory ret) = token.call(abi.encodeCall(IERC20.transfer, (to, amount)));
        if (!success) return false;
        if (ret.length == 0) return token.code.length > 0;
        return ret.length >= 32 && abi.decode(ret, (uint256)) == 1;
    }
}
