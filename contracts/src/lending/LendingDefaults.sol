// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.24;

import {RateParams} from "./InterestRateModel.sol";

/// @title LendingDefaults
/// @notice Default governed parameters (SPEC §D) for deployers; governance changes them per pool and asset.
library LendingDefaults {
    /// @dev ETH-like collateral (WETH, WBTC): liquidatable below a 110% collateral ratio.
    uint64 internal constant ETH_LIKE_LIQUIDATION_RATIO = 1.1e18;
    /// @dev ETH-like collateral: borrow up to 80% loan-to-value (a 125% ratio), stricter than 1 / 1.10.
    uint64 internal constant ETH_LIKE_MAX_LTV = 0.8e18;
    /// @dev Volatile collateral (SOL-like): liquidatable below a 120% collateral ratio.
    uint64 internal constant VOLATILE_LIQUIDATION_RATIO = 1.2e18;
    /// @dev Volatile collateral: borrow up to 70% loan-to-value, stricter than 1 / 1.20.
    uint64 internal constant VOLATILE_MAX_LTV = 0.7e18;

    /// @notice Kinked rate model: 0% base, +4% a year up to 80% utilization, +60% more from 80% to 100%.
    function rate() internal pure returns (RateParams memory) {
        return RateParams({baseBps: 0, slope1Bps: 400, slope2Bps: 6_000, kinkBps: 8_000});
    }
}
