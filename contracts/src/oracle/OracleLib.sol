// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.24;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {BPS} from "../shared/Constants.sol";

/// @title OracleLib
/// @notice Pure maths of the price adapter: the 40-bit float that stores the last accepted answer, and the
///         deviation test.
library OracleLib {
    uint256 internal constant MANTISSA_BITS = 32;

    /// @notice Packs `x` as (mantissa << 8 | exponent) with x ~= mantissa << exponent, truncating low bits.
    /// @dev Relative error below 2^-31; x < 2^32 is stored exactly.
    function compress(uint256 x) internal pure returns (uint40) {
        // shift = bit length of x beyond the mantissa's 32 bits
        uint256 e = x >> MANTISSA_BITS == 0 ? 0 : Math.log2(x) + 1 - MANTISSA_BITS;
        // fits: the mantissa is below 2^32 and e <= 224
        // forge-lint: disable-next-line(unsafe-typecast)
        return uint40(((x >> e) << 8) | e);
    }

    /// @notice Inverse of `compress` (up to the truncated bits).
    function decompress(uint40 packed) internal pure returns (uint256) {
        return uint256(packed >> 8) << (packed & 0xff);
    }

    /// @notice True when `answer` differs from `reference_` by more than `maxBps` of `reference_`.
    function exceedsDeviation(uint256 answer, uint256 reference_, uint256 maxBps) internal pure returns (bool) {
        uint256 diff = answer > reference_ ? answer - reference_ : reference_ - answer;
        return diff * BPS > reference_ * maxBps;
    }
}
