// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.24;

import {Service, Category} from "../IQualification.sol";

/// @notice Constants of the Qualified Client Protocol, with units.
library ComplianceConstants {
    /// @notice Grants allowed below a seed authority (levels), SPEC §A.
    uint8 internal constant MAX_DEPTH = 4;

    /// @notice Longest lease a grant may be issued or renewed for (seconds): 5 years.
    uint256 internal constant MAX_LEASE = 5 * 365 days;

    /// @notice Most explicit jurisdictions a KYC scope can list (codes; one 32-byte word).
    uint256 internal constant MAX_KYC_JURISDICTIONS = 16;

    /// @notice "Any jurisdiction" in queries and KYC scopes (IQualification convention).
    bytes2 internal constant ANY_JURISDICTION = bytes2(0);

    /// @notice Every defined service bit.
    uint8 internal constant ALL_SERVICES = Service.STO | Service.DCE | Service.DCS | Service.LEND;

    /// @notice Every defined client category bit.
    uint8 internal constant ALL_CATEGORIES = Category.ANY;

    /// @notice Expiry stored for seeds: they never lapse, only governance removes them (seconds).
    uint40 internal constant NEVER = type(uint40).max;
}
