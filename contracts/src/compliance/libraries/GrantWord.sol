// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.24;

import {GrantId} from "../IQualifiedClientRegistry.sol";

/// @title GrantWord
/// @notice Packs what the qualification view walks into one storage word per node, so each
///         level of the walk costs a single SLOAD.
/// @dev Layout (bit offsets, low to high):
///      [0,32) parent id | [32,72) expiry | [72,80) flags | [80,88) services |
///      [88,96) own category | [96,104) KYC categories | [104,120) own jurisdiction |
///      [120,128) depth | [128,168) issuedAt | [168,256) zero.
///      A word of 0 means "no such node" (every stored node has a non-zero issuedAt or flag).
library GrantWord {
    uint256 internal constant FLAG_REVOKED = 1 << 72;
    uint256 internal constant FLAG_SEED = 1 << 73;
    uint256 internal constant FLAG_RENEWABLE = 1 << 74;
    uint256 internal constant FLAG_ANY_JURISDICTION = 1 << 75;

    uint256 private constant EXPIRY_SHIFT = 32;
    uint256 private constant SERVICES_SHIFT = 80;
    uint256 private constant CATEGORY_SHIFT = 88;
    uint256 private constant KYC_CATEGORIES_SHIFT = 96;
    uint256 private constant JURISDICTION_SHIFT = 104;
    uint256 private constant DEPTH_SHIFT = 120;
    uint256 private constant ISSUED_SHIFT = 128;

    uint256 private constant MASK_32 = 0xffffffff;
    uint256 private constant MASK_40 = 0xffffffffff;
    uint256 private constant MASK_16 = 0xffff;
    uint256 private constant MASK_8 = 0xff;

    /// @notice The fields of a node other than its flags.
    struct Fields {
        GrantId parent;
        uint40 expiry;
        uint8 services;
        uint8 category;
        uint8 kycCategories;
        bytes2 jurisdiction;
        uint8 depth;
        uint40 issuedAt;
    }

    function pack(Fields memory f, uint256 flags) internal pure returns (uint256 w) {
        w = uint256(GrantId.unwrap(f.parent)) | (uint256(f.expiry) << EXPIRY_SHIFT) | flags
            | (uint256(f.services) << SERVICES_SHIFT) | (uint256(f.category) << CATEGORY_SHIFT)
            | (uint256(f.kycCategories) << KYC_CATEGORIES_SHIFT)
            | (uint256(uint16(f.jurisdiction)) << JURISDICTION_SHIFT) | (uint256(f.depth) << DEPTH_SHIFT)
            | (uint256(f.issuedAt) << ISSUED_SHIFT);
    }

    // Every narrowing cast below is applied to a value already masked to the target width.
    // forge-lint: disable-start(unsafe-typecast)
    function parent(uint256 w) internal pure returns (GrantId) {
        return GrantId.wrap(uint32(w & MASK_32));
    }

    function expiry(uint256 w) internal pure returns (uint40) {
        return uint40((w >> EXPIRY_SHIFT) & MASK_40);
    }

    function services(uint256 w) internal pure returns (uint8) {
        return uint8((w >> SERVICES_SHIFT) & MASK_8);
    }

    function category(uint256 w) internal pure returns (uint8) {
        return uint8((w >> CATEGORY_SHIFT) & MASK_8);
    }

    function kycCategories(uint256 w) internal pure returns (uint8) {
        return uint8((w >> KYC_CATEGORIES_SHIFT) & MASK_8);
    }

    function jurisdiction(uint256 w) internal pure returns (bytes2) {
        return bytes2(uint16((w >> JURISDICTION_SHIFT) & MASK_16));
    }

    function depth(uint256 w) internal pure returns (uint8) {
        return uint8((w >> DEPTH_SHIFT) & MASK_8);
    }

    function issuedAt(uint256 w) internal pure returns (uint40) {
        return uint40((w >> ISSUED_SHIFT) & MASK_40);
    }

    // forge-lint: disable-end(unsafe-typecast)

    function has(uint256 w, uint256 flag) internal pure returns (bool) {
        return w & flag != 0;
    }

    /// @notice `w` with its expiry replaced by `newExpiry`.
    function withExpiry(uint256 w, uint40 newExpiry) internal pure returns (uint256) {
        return (w & ~(MASK_40 << EXPIRY_SHIFT)) | (uint256(newExpiry) << EXPIRY_SHIFT);
    }

    /// @notice True when the lease in `w` has ended at time `t` (seconds). Seeds never end.
    function lapsed(uint256 w, uint256 t) internal pure returns (bool) {
        return expiry(w) <= t;
    }
}
