// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.24;

/// @title IQualification
/// @notice The one view every Palisade contract asks before serving an account (SPEC §A).
/// @dev Services and client categories are bit masks so one call can ask "any of these".
///      Jurisdiction is an ISO 3166-1 alpha-2 code packed in bytes2; bytes2(0) means "any".
interface IQualification {
    /// @notice True when an unexpired, unrevoked chain of grants links `account` to an active
    ///         seed authority, within scope for `service`, one of `categoryMask` and `jurisdiction`.
    /// @dev Gas is bounded by the tree depth (at most 4 grants below a seed).
    function isQualified(address account, uint8 service, uint8 categoryMask, bytes2 jurisdiction)
        external
        view
        returns (bool);
}

/// @notice Service permission bits (SPEC §A). LEND is Palisade's lending service.
library Service {
    uint8 internal constant STO = 1 << 0;
    uint8 internal constant DCE = 1 << 1;
    uint8 internal constant DCS = 1 << 2;
    uint8 internal constant LEND = 1 << 3;
}

/// @notice Client category bits (SPEC §A).
library Category {
    uint8 internal constant INSTITUTIONAL = 1 << 0;
    uint8 internal constant ACCREDITED = 1 << 1;
    uint8 internal constant RETAIL = 1 << 2;
    uint8 internal constant ANY = INSTITUTIONAL | ACCREDITED | RETAIL;
}
