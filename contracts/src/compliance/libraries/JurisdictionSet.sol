// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.24;

import {IQualifiedClientRegistry} from "../IQualifiedClientRegistry.sol";
import {ComplianceConstants} from "./ComplianceConstants.sol";

/// @title JurisdictionSet
/// @notice A KYC scope's jurisdictions: up to 16 ISO 3166-1 alpha-2 codes packed in one word
///         (code i in bytes [2i, 2i+2)), unused entries zero. "Any" is a flag kept elsewhere.
/// @dev Only issuance reads these sets; the qualification view never does.
library JurisdictionSet {
    /// @notice True when `code` is two upper-case ASCII letters (an ISO alpha-2 shape).
    function isValidCode(bytes2 code) internal pure returns (bool) {
        uint8 a = uint8(code[0]);
        uint8 b = uint8(code[1]);
        return a >= 0x41 && a <= 0x5a && b >= 0x41 && b <= 0x5a;
    }

    /// @notice Validates and packs `codes`. `[bytes2(0)]` means any jurisdiction.
    /// @return packed The codes, packed; 0 when `any`.
    /// @return any True for the "any jurisdiction" scope.
    function pack(bytes2[] calldata codes) internal pure returns (bytes32 packed, bool any) {
        uint256 n = codes.length;
        if (n == 0 || n > ComplianceConstants.MAX_KYC_JURISDICTIONS) {
            revert IQualifiedClientRegistry.InvalidKycJurisdictions();
        }
        if (n == 1 && codes[0] == ComplianceConstants.ANY_JURISDICTION) return (bytes32(0), true);
        for (uint256 i; i < n; ++i) {
            bytes2 code = codes[i];
            if (!isValidCode(code)) {
                if (code == ComplianceConstants.ANY_JURISDICTION) {
                    revert IQualifiedClientRegistry.InvalidKycJurisdictions();
                }
                revert IQualifiedClientRegistry.InvalidJurisdiction(code);
            }
            if (contains(packed, code)) revert IQualifiedClientRegistry.InvalidKycJurisdictions();
            // i < 16, so the shift stays within the word
            packed |= bytes32(code) >> (i * 16);
        }
    }

    // bytes2(word << 16i) deliberately keeps only the top two bytes: entry i of the set.
    // forge-lint: disable-start(unsafe-typecast)

    /// @notice True when `code` is one of the codes in `packed`.
    function contains(bytes32 packed, bytes2 code) internal pure returns (bool) {
        for (uint256 i; i < ComplianceConstants.MAX_KYC_JURISDICTIONS; ++i) {
            bytes2 entry = bytes2(packed << (i * 16));
            if (entry == code) return true;
            if (entry == bytes2(0)) return false;
        }
        return false;
    }

    /// @notice True when every code in `child` is in `parent`.
    function isSubset(bytes32 child, bytes32 parent) internal pure returns (bool) {
        for (uint256 i; i < ComplianceConstants.MAX_KYC_JURISDICTIONS; ++i) {
            bytes2 entry = bytes2(child << (i * 16));
            if (entry == bytes2(0)) return true;
            if (!contains(parent, entry)) return false;
        }
        return true;
    }

    /// @notice The codes in `packed`, in order.
    function unpack(bytes32 packed) internal pure returns (bytes2[] memory codes) {
        uint256 n;
        while (n < ComplianceConstants.MAX_KYC_JURISDICTIONS && bytes2(packed << (n * 16)) != bytes2(0)) ++n;
        codes = new bytes2[](n);
        for (uint256 i; i < n; ++i) {
            codes[i] = bytes2(packed << (i * 16));
        }
    }

    // forge-lint: disable-end(unsafe-typecast)
}
