// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.24;

import {WAD, BPS, SECONDS_PER_YEAR} from "../shared/Constants.sol";

/// @notice Kinked (two-slope) rate model parameters, annual rates in basis points. Packed into the pool's
///         state slot, so accruing interest reads no extra storage.
/// @param baseBps Annual borrow rate at 0% utilization.
/// @param slope1Bps Added linearly from 0% to `kinkBps` utilization.
/// @param slope2Bps Added linearly from `kinkBps` to 100% utilization.
/// @param kinkBps Optimal utilization, strictly between 0 and 10,000.
struct RateParams {
    uint16 baseBps;
    uint16 slope1Bps;
    uint16 slope2Bps;
    uint16 kinkBps;
}

/// @title InterestRateModel
/// @notice Utilization-based kinked borrow rate: rate(u) = base + slope1 * min(u, kink) / kink
///         + slope2 * max(u - kink, 0) / (1 - kink), quoted per year and returned per second.
/// @dev Utilization u = borrowed / supplied, capped at 100%; borrowed includes debt held in auctions.
library InterestRateModel {
    /// @dev Scales an annual rate in bps to WAD.
    uint256 private constant BPS_TO_WAD = WAD / BPS;

    /// @notice Utilization in WAD, capped at 1 (0 when nothing is supplied).
    function utilization(uint256 borrowed, uint256 supplied) internal pure returns (uint256) {
        if (supplied == 0 || borrowed == 0) return 0;
        if (borrowed >= supplied) return WAD;
        return borrowed * WAD / supplied;
    }

    /// @notice Annual borrow rate in WAD at utilization `u` (WAD).
    function annualRate(uint256 u, RateParams memory p) internal pure returns (uint256) {
        uint256 kink = uint256(p.kinkBps) * BPS_TO_WAD;
        uint256 rate = uint256(p.baseBps) * BPS_TO_WAD;
        if (u <= kink) return rate + uint256(p.slope1Bps) * BPS_TO_WAD * u / kink;
        return rate + uint256(p.slope1Bps) * BPS_TO_WAD + uint256(p.slope2Bps) * BPS_TO_WAD * (u - kink) / (WAD - kink);
    }

    /// @notice Borrow rate per second in WAD for `borrowed` out of `supplied`.
    function ratePerSecond(uint256 borrowed, uint256 supplied, RateParams memory p) internal pure returns (uint256) {
        return annualRate(utilization(borrowed, supplied), p) / SECONDS_PER_YEAR;
    }

    /// @notice True when the parameters are usable: kink strictly inside (0, 100%).
    function isValid(RateParams memory p) internal pure returns (bool) {
        return p.kinkBps > 0 && p.kinkBps < BPS;
    }
}
