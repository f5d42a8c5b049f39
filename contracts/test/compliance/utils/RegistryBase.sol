// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.24;

import {Test} from "forge-std/Test.sol";
import {QualifiedClientRegistry} from "../../../src/compliance/QualifiedClientRegistry.sol";
import {GrantId, ProviderScope} from "../../../src/compliance/IQualifiedClientRegistry.sol";
import {Service, Category} from "../../../src/compliance/IQualification.sol";

/// @notice Shared fixture: a registry owned by a governance address with one seed authority.
abstract contract RegistryBase is Test {
    QualifiedClientRegistry internal registry;

    address internal governance = makeAddr("governance");
    address internal seed = makeAddr("seed");
    address internal seed2 = makeAddr("seed2");
    address internal bank = makeAddr("bank");
    address internal branch = makeAddr("branch");
    address internal client = makeAddr("client");
    address internal stranger = makeAddr("stranger");

    bytes2 internal constant DE = "DE";
    bytes2 internal constant FR = "FR";
    bytes2 internal constant US = "US";
    bytes2 internal constant ANY = bytes2(0);

    uint8 internal constant BANK_SERVICES = Service.DCE | Service.LEND;
    uint40 internal constant T0 = 1_700_000_000;
    uint40 internal constant YEAR = 365 days;

    GrantId internal seedId;

    function setUp() public virtual {
        vm.warp(T0);
        registry = new QualifiedClientRegistry(governance);
        _consentSlot = _findConsentSlot();
        vm.prank(governance);
        seedId = registry.addSeed(seed);
    }

    function _lease() internal view returns (uint40) {
        return uint40(block.timestamp) + YEAR;
    }

    function _codes(bytes2 a) internal pure returns (bytes2[] memory c) {
        c = new bytes2[](1);
        c[0] = a;
    }

    function _codes(bytes2 a, bytes2 b) internal pure returns (bytes2[] memory c) {
        c = new bytes2[](2);
        c[0] = a;
        c[1] = b;
    }

    function _scope(uint8 services, uint8 kycCategories, bytes2[] memory kycJurisdictions)
        internal
        pure
        returns (ProviderScope memory)
    {
        return ProviderScope({
            services: services,
            category: Category.INSTITUTIONAL,
            jurisdiction: DE,
            kycCategories: kycCategories,
            kycJurisdictions: kycJurisdictions
        });
    }

    function _dossier(address who) internal pure returns (bytes32) {
        return keccak256(abi.encode("dossier", who));
    }

    /// @dev Base slot of the registry's `grantee => consented grantor` mapping, found once.
    uint256 private _consentSlot;

    /// @dev The grantee's consent to `grantor`: every grant but the re-issue of a grantor's own
    ///      lapsed node needs one, so the helpers below give it first. Written with `vm.store`
    ///      rather than by calling `consent`, so a test may put `vm.expectRevert` before a helper
    ///      and have it apply to the grant itself; the consent paths have tests of their own.
    function _consent(address grantee, address grantor) internal {
        vm.store(address(registry), keccak256(abi.encode(grantee, _consentSlot)), bytes32(uint256(uint160(grantor))));
    }

    function _findConsentSlot() private returns (uint256) {
        address probe = address(0xC0115E27);
        for (uint256 i; i < 32; ++i) {
            bytes32 key = keccak256(abi.encode(probe, i));
            bytes32 before = vm.load(address(registry), key);
            vm.store(address(registry), key, bytes32(uint256(0xbeef)));
            bool found = registry.consentOf(probe) == address(0xbeef);
            vm.store(address(registry), key, before);
            if (found) return i;
        }
        revert("consent mapping not found");
    }

    function _grantProvider(address grantor, address provider, ProviderScope memory scope)
        internal
        returns (GrantId id)
    {
        _consent(provider, grantor);
        vm.prank(grantor);
        id = registry.grantProvider(provider, scope, _dossier(provider), _lease(), true);
    }

    /// @dev bank: DCE+LEND, KYC power for institutional+accredited clients in DE and FR.
    function _grantBank(address grantor, address provider) internal returns (GrantId) {
        return _grantProvider(
            grantor,
            provider,
            _scope(BANK_SERVICES, Category.INSTITUTIONAL | Category.ACCREDITED, _codes(DE, FR))
        );
    }

    function _grantClient(address grantor, address who, uint8 category, bytes2 jurisdiction)
        internal
        returns (GrantId id)
    {
        _consent(who, grantor);
        vm.prank(grantor);
        id = registry.grantClient(who, category, jurisdiction, _dossier(who), _lease(), true);
    }
}
