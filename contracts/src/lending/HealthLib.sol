// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.24;

import {WAD, VALUE_DIVISOR} from "../shared/Constants.sol";

/// @title HealthLib
/// @notice THE health rule of a position (one collateral asset, one loan asset). The off-chain monitor
///         mirrors these exact formulas and roundings.
/// @dev Inputs: `collateral` and `debt` in smallest units (debt = borrow shares converted to assets rounding
///      UP, at totals including interest accrued to now); prices from the oracle (USD per smallest unit
///      * 1e36).
///        collateralValue = collateral * collateralPrice / 1e18          (rounded down, USD in WAD)
///        debtValue       = ceil(debt * loanPrice / 1e18)                (rounded up,   USD in WAD)
///        liquidatable  <=> collateralValue * WAD <  debtValue * liquidationRatio
///        may borrow    <=> debtValue * WAD       <= collateralValue * maxLtv     (also for withdrawing collateral)
///      liquidationRatio is a minimum collateral ratio in WAD (1.10e18 = 110%); maxLtv a maximum loan-to-value
///      in WAD (0.80e18 = 80%), with maxLtv * liquidationRatio < WAD^2 so borrowing stops before liquidation.
///      A position with zero debt is never liquidatable.
library HealthLib {
    /// @notice USD value (WAD) of `collateral` smallest units at `price`, rounded down.
    function collateralValue(uint256 collateral, uint256 price) internal pure returns (uint256) {
        return collateral * price / VALUE_DIVISOR;
    }

    /// @notice USD value (WAD) of `debt` smallest units at `price`, rounded up.
    function debtValue(uint256 debt, uint256 price) internal pure returns (uint256) {
        return (debt * price + (VALUE_DIVISOR - 1)) / VALUE_DIVISOR;
    }

    /// @notice The liquidation rule: collateralValue * WAD < debtValue * liquidationRatio.
    function isLiquidatable(uint256 collateralValue_, uint256 debtValue_, uint256 liquidationRatio)
        internal
        pure
        returns (bool)
    {
        return collateralValue_ * WAD < debtValue_ * liquidationRatio;
    }

    /// @notice The borrow rule: debtValue * WAD <= collateralValue * maxLtv.
    function isWithinBorrowLimit(uint256 collateralValue_, uint256 debtValue_, uint256 maxLtv)
        internal
        pure
        returns (bool)
    {
        return debtValue_ * WAD <= collateralValue_ * maxLtv;
    }
}
