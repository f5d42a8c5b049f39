// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.24;

import {WAD} from "./Constants.sol";

/// @title FixedPointMath
/// @notice Rounding-explicit multiply/divide helpers, WAD compounding and WAD powers shared by the domains.
/// @dev Overflow in `x * y` reverts (checked arithmetic): callers keep operands within documented bounds.
library FixedPointMath {
    /// @dev (x * y) / d rounded down.
    function mulDivDown(uint256 x, uint256 y, uint256 d) internal pure returns (uint256) {
        return (x * y) / d;
    }

    /// @dev (x * y) / d rounded up.
    function mulDivUp(uint256 x, uint256 y, uint256 d) internal pure returns (uint256) {
        return (x * y + (d - 1)) / d;
    }

    /// @dev x * y / WAD rounded down.
    function wMulDown(uint256 x, uint256 y) internal pure returns (uint256) {
        return (x * y) / WAD;
    }

    /// @dev max(x - y, 0).
    function zeroFloorSub(uint256 x, uint256 y) internal pure returns (uint256 z) {
        // unchecked: the branch only subtracts when x > y
        unchecked {
            z = x > y ? x - y : 0;
        }
    }

    /// @dev min(x, y).
    function min(uint256 x, uint256 y) internal pure returns (uint256) {
        return x < y ? x : y;
    }

    /// @notice e^(x * n) - 1 in WAD, from the first three terms of its Taylor series (as Morpho Blue).
    /// @dev Underestimates continuous compounding slightly, in borrowers' favour; x is a WAD rate per second.
    function wTaylorCompounded(uint256 x, uint256 n) internal pure returns (uint256) {
        uint256 firstTerm = x * n;
        uint256 secondTerm = mulDivDown(firstTerm, firstTerm, 2 * WAD);
        uint256 thirdTerm = mulDivDown(secondTerm, firstTerm, 3 * WAD);
        return firstTerm + secondTerm + thirdTerm;
    }

    /// @notice x^n for a WAD `x`, by square-and-multiply, each product rounded down.
    /// @dev Every product rounds down; for x <= WAD the result is non-increasing in n (fuzzed in test/shared).
    function wPow(uint256 x, uint256 n) internal pure returns (uint256 z) {
        z = n & 1 != 0 ? x : WAD;
        for (n >>= 1; n != 0; n >>= 1) {
            x = (x * x) / WAD;
            if (n & 1 != 0) z = (z * x) / WAD;
        }
    }
}
