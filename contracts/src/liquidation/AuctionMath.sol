// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.24;

import {FixedPointMath} from "../shared/FixedPointMath.sol";
import {BPS, PRICE_SCALE} from "../shared/Constants.sol";

/// @title AuctionMath
/// @notice Pure maths of the stairstep Dutch auction. AUCTION PRICE UNIT: loan-asset smallest units per
///         collateral smallest unit, times 1e36 (so `collateral * price / 1e36` is in loan smallest units).
///         WETH (18) in USDC (6) at 2,000 -> 2000e6 * 1e36 / 1e18 = 2e27.
library AuctionMath {
    using FixedPointMath for uint256;

    /// @dev Scales a bps factor to WAD.
    uint256 private constant BPS_TO_WAD = 1e14;

    /// @notice Oracle valuation of one collateral unit in loan units (auction price unit), rounded down.
    /// @param collateralPrice Oracle price of the collateral (USD per smallest unit * 1e36).
    /// @param loanPrice Oracle price of the loan asset (same unit).
    function valuation(uint256 collateralPrice, uint256 loanPrice) internal pure returns (uint256) {
        return collateralPrice * PRICE_SCALE / loanPrice;
    }

    /// @notice Price a lot starts (or restarts) at: `premiumBps` of the valuation (11,000 = 110%).
    function startPrice(uint256 valuation_, uint256 premiumBps) internal pure returns (uint256) {
        return valuation_ * premiumBps / BPS;
    }

    /// @notice Stairstep price: start * factor^floor(elapsed / step), factor = stepFactorBps / 10,000.
    /// @dev Non-increasing in `elapsed` for a fixed start (every rounding is downward and factor <= 1).
    function priceAt(uint256 start, uint256 elapsed, uint256 stepSeconds, uint256 stepFactorBps)
        internal
        pure
        returns (uint256)
    {
        return start.wMulDown(FixedPointMath.wPow(stepFactorBps * BPS_TO_WAD, elapsed / stepSeconds));
    }

    /// @notice True when `price` is below `floorBps` of the current `valuation_`: the lot must be reset.
    function isBelowFloor(uint256 price, uint256 valuation_, uint256 floorBps) internal pure returns (bool) {
        return price * BPS < valuation_ * floorBps;
    }

    /// @notice Loan assets owed for `collateral` at `price`, rounded up (against the taker).
    function owe(uint256 collateral, uint256 price) internal pure returns (uint256) {
        return collateral.mulDivUp(price, PRICE_SCALE);
    }

    /// @notice Collateral bought by paying exactly `amount` at `price`, rounded down (against the taker).
    function collateralFor(uint256 amount, uint256 price) internal pure returns (uint256) {
        return amount.mulDivDown(PRICE_SCALE, price);
    }
}
