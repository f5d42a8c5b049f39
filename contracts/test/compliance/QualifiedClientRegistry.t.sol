// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.24;

// Test code: casts, shifts and timestamps here build fixtures and fuzz inputs on purpose.
// forge-lint: disable-start(unsafe-typecast, incorrect-shift, block-timestamp)

import {RegistryBase} from "./utils/RegistryBase.sol";
import {QualifiedClientRegistry} from "../../src/compliance/QualifiedClientRegistry.sol";
import {
    IQualifiedClientRegistry as IR,
    GrantId,
    Reason,
    ProviderScope,
    GrantView
} from "../../src/compliance/IQualifiedClientRegistry.sol";
import {Service, Category} from "../../src/compliance/IQualification.sol";
import {ComplianceConstants} from "../../src/compliance/libraries/ComplianceConstants.sol";

contract QualifiedClientRegistryTest is RegistryBase {
    uint8 internal constant INST = Category.INSTITUTIONAL;
    uint8 internal constant ACC = Category.ACCREDITED;
    uint8 internal constant RET = Category.RETAIL;

    GrantId internal bankId;
    GrantId internal clientId;

    function setUp() public override {
        super.setUp();
        bankId = _grantBank(seed, bank);
        clientId = _grantClient(bank, client, INST, DE);
    }

    function _id(uint32 v) internal pure returns (GrantId) {
        return GrantId.wrap(v);
    }

    function _eq(GrantId a, GrantId b) internal pure returns (bool) {
        return GrantId.unwrap(a) == GrantId.unwrap(b);
    }

    function _reason(address who) internal view returns (Reason r) {
        (r,) = registry.qualification(who, Service.DCE, Category.ANY, ANY);
    }

    function _assertReason(address who, Reason expected, GrantId failing) internal view {
        (Reason r, GrantId f) = registry.qualification(who, Service.DCE, Category.ANY, ANY);
        assertEq(uint8(r), uint8(expected), "reason");
        assertEq(GrantId.unwrap(f), GrantId.unwrap(failing), "failing node");
        assertEq(registry.isQualified(who, Service.DCE, Category.ANY, ANY), expected == Reason.QUALIFIED, "bool view");
    }

    // ================================================================ constructor

    function test_constructor_revertsWhenGovernanceIsZero() public {
        vm.expectRevert(IR.ZeroAddress.selector);
        new QualifiedClientRegistry(address(0));
    }

    function test_constructor_setsGovernance() public view {
        assertEq(registry.governance(), governance);
    }

    // ================================================================ seeds

    function test_addSeed_activatesSeedAndEmits() public {
        vm.expectEmit(address(registry));
        emit IR.SeedAdded(seed2, _id(4));
        vm.prank(governance);
        GrantId id = registry.addSeed(seed2);
        assertEq(GrantId.unwrap(id), 4);
        assertTrue(registry.isSeed(seed2));
        GrantView memory v = registry.getGrant(id);
        assertTrue(v.isSeed);
        assertEq(v.depth, 0);
        assertEq(v.services, ComplianceConstants.ALL_SERVICES);
        assertEq(v.kycCategories, Category.ANY);
        assertTrue(v.kycAnyJurisdiction);
        assertEq(v.expiry, type(uint40).max);
        assertEq(uint8(v.status), uint8(Reason.QUALIFIED));
    }

    function test_addSeed_revertsWhenCallerIsNotGovernance() public {
        vm.expectRevert(abi.encodeWithSelector(IR.NotGovernance.selector, seed));
        vm.prank(seed);
        registry.addSeed(seed2);
    }

    function test_addSeed_revertsWhenSeedIsZero() public {
        vm.expectRevert(IR.ZeroAddress.selector);
        vm.prank(governance);
        registry.addSeed(address(0));
    }

    function test_addSeed_revertsWhenAlreadyActiveSeed() public {
        vm.expectRevert(abi.encodeWithSelector(IR.AlreadyGranted.selector, seed, seedId));
        vm.prank(governance);
        registry.addSeed(seed);
    }

    function test_addSeed_revertsWhenAccountHoldsLiveGrant() public {
        vm.expectRevert(abi.encodeWithSelector(IR.AlreadyGranted.selector, bank, bankId));
        vm.prank(governance);
        registry.addSeed(bank);
    }

    function test_addSeed_revertsOverLapsedGrantUntilRevoked() public {
        vm.warp(_lease()); // the client's lease has ended: its bank may still renew it
        vm.expectRevert(abi.encodeWithSelector(IR.HeldByAnotherGrantor.selector, client, clientId));
        vm.prank(governance);
        registry.addSeed(client);
        vm.prank(governance);
        registry.revoke(clientId);
        vm.prank(governance);
        registry.addSeed(client);
        assertTrue(registry.isSeed(client));
    }

    function test_addSeed_supersedesGrantDeadThroughRevokedAncestor() public {
        vm.prank(seed);
        registry.revoke(bankId);
        vm.expectEmit(address(registry));
        emit IR.GrantSuperseded(clientId, _id(4), client);
        vm.prank(governance);
        registry.addSeed(client);
        assertTrue(registry.isSeed(client));
        assertTrue(registry.getGrant(clientId).revoked, "old grant burned");
    }

    function test_removeSeed_disqualifiesWholeTree() public {
        vm.expectEmit(address(registry));
        emit IR.SeedRemoved(seed, seedId);
        vm.prank(governance);
        registry.removeSeed(seed);
        assertFalse(registry.isSeed(seed));
        _assertReason(client, Reason.SEED_INACTIVE, seedId);
        _assertReason(bank, Reason.SEED_INACTIVE, seedId);
    }

    function test_removeSeed_revertsWhenCallerIsNotGovernance() public {
        vm.expectRevert(abi.encodeWithSelector(IR.NotGovernance.selector, stranger));
        vm.prank(stranger);
        registry.removeSeed(seed);
    }

    function test_removeSeed_revertsWhenAccountIsNotASeed() public {
        vm.startPrank(governance);
        vm.expectRevert(abi.encodeWithSelector(IR.NotASeed.selector, stranger));
        registry.removeSeed(stranger);
        vm.expectRevert(abi.encodeWithSelector(IR.NotASeed.selector, bank));
        registry.removeSeed(bank);
        registry.removeSeed(seed);
        vm.expectRevert(abi.encodeWithSelector(IR.NotASeed.selector, seed));
        registry.removeSeed(seed);
        vm.stopPrank();
    }

    function test_addSeed_readdedSeedDoesNotResurrectOldTree() public {
        vm.startPrank(governance);
        registry.removeSeed(seed);
        GrantId fresh = registry.addSeed(seed);
        vm.stopPrank();
        assertTrue(registry.isSeed(seed));
        assertFalse(_eq(fresh, seedId));
        _assertReason(bank, Reason.SEED_INACTIVE, seedId);
        _assertReason(client, Reason.SEED_INACTIVE, seedId);
    }

    function test_removeSeed_leavesOtherSeedsTreeQualified() public {
        vm.prank(governance);
        registry.addSeed(seed2);
        address bank2 = makeAddr("bank2");
        address client2 = makeAddr("client2");
        _grantBank(seed2, bank2);
        _grantClient(bank2, client2, ACC, FR);

        vm.prank(governance);
        registry.removeSeed(seed);
        assertFalse(registry.isQualified(client, Service.DCE, INST, DE));
        assertTrue(registry.isQualified(client2, Service.DCE, ACC, FR));
    }

    function test_isQualified_seedItselfIsNoClient() public view {
        _assertReason(seed, Reason.NO_GRANT, seedId);
    }

    // ================================================================ grantProvider

    function test_grantProvider_recordsGrantAndEmits() public {
        bytes2[] memory codes = _codes(FR);
        ProviderScope memory s = ProviderScope({
            services: Service.LEND,
            category: ACC,
            jurisdiction: FR,
            kycCategories: ACC,
            kycJurisdictions: codes
        });
        uint40 expiry = _lease();
        vm.expectEmit(address(registry));
        emit IR.GrantIssued(_id(4), bankId, branch, bank, Service.LEND, ACC, FR, _dossier(branch), expiry, false);
        vm.expectEmit(address(registry));
        emit IR.KycPowerGranted(_id(4), ACC, codes);
        _consent(branch, bank);
        vm.prank(bank);
        GrantId id = registry.grantProvider(branch, s, _dossier(branch), expiry, false);

        GrantView memory v = registry.getGrant(id);
        assertEq(GrantId.unwrap(v.parent), GrantId.unwrap(bankId));
        assertEq(v.grantee, branch);
        assertEq(v.grantor, bank);
        assertEq(v.depth, 2);
        assertFalse(v.isSeed);
        assertFalse(v.revoked);
        assertFalse(v.renewable);
        assertEq(v.services, Service.LEND);
        assertEq(v.category, ACC);
        assertEq(v.jurisdiction, FR);
        assertEq(v.kycCategories, ACC);
        assertFalse(v.kycAnyJurisdiction);
        assertEq(v.kycJurisdictions.length, 1);
        assertEq(v.kycJurisdictions[0], FR);
        assertEq(v.dossierHash, _dossier(branch));
        assertEq(v.issuedAt, T0);
        assertEq(v.expiry, expiry);
        assertEq(uint8(v.status), uint8(Reason.QUALIFIED));
        assertTrue(_eq(registry.grantOf(branch), id));
        assertEq(registry.grantCount(), 4);
    }

    function test_grantProvider_withoutKycPowerEmitsNoKycEvent() public {
        vm.recordLogs();
        GrantId id = _grantProvider(seed, branch, _scope(Service.DCS, 0, new bytes2[](0)));
        assertEq(vm.getRecordedLogs().length, 1, "GrantIssued only");
        GrantView memory v = registry.getGrant(id);
        assertEq(v.kycCategories, 0);
        assertEq(v.kycJurisdictions.length, 0);
        assertTrue(registry.isQualified(branch, Service.DCS, INST, DE));
    }

    function test_grantProvider_seedMayGrantAnyJurisdiction() public {
        GrantId id = _grantProvider(seed, branch, _scope(Service.STO, RET, _codes(ANY)));
        GrantView memory v = registry.getGrant(id);
        assertTrue(v.kycAnyJurisdiction);
        _grantClient(branch, client2(), RET, US);
        assertTrue(registry.isQualified(client2(), Service.STO, RET, US));
    }

    function client2() internal returns (address) {
        return makeAddr("client2");
    }

    function test_grantProvider_revertsWhenCallerHoldsNoNode() public {
        vm.expectRevert(abi.encodeWithSelector(IR.NotAGrantor.selector, stranger));
        _grantBank(stranger, branch);
    }

    function test_grantProvider_revertsWhenGrantorRevoked() public {
        vm.prank(seed);
        registry.revoke(bankId);
        vm.expectRevert(abi.encodeWithSelector(IR.GrantorNotLive.selector, bankId, Reason.REVOKED));
        _grantBank(bank, branch);
    }

    function test_grantProvider_revertsWhenGrantorExpired() public {
        vm.warp(_lease());
        vm.expectRevert(abi.encodeWithSelector(IR.GrantorNotLive.selector, bankId, Reason.EXPIRED));
        _grantBank(bank, branch);
    }

    function test_grantProvider_revertsWhenGrantorAncestorRevoked() public {
        GrantId branchId = _grantBank(bank, branch);
        vm.prank(seed);
        registry.revoke(bankId);
        vm.expectRevert(abi.encodeWithSelector(IR.GrantorNotLive.selector, branchId, Reason.ANCESTOR_REVOKED));
        _grantClient(branch, client2(), INST, DE);
    }

    function test_grantProvider_revertsWhenSeedRemoved() public {
        vm.prank(governance);
        registry.removeSeed(seed);
        vm.expectRevert(abi.encodeWithSelector(IR.GrantorNotLive.selector, seedId, Reason.SEED_INACTIVE));
        _grantBank(seed, branch);
    }

    function test_grantProvider_revertsWhenGrantorLacksKycPower() public {
        GrantId custodian = _grantProvider(seed, branch, _scope(Service.DCS, 0, new bytes2[](0)));
        vm.expectRevert(abi.encodeWithSelector(IR.GrantorLacksKycPower.selector, custodian));
        _grantBank(branch, client2());
        vm.expectRevert(abi.encodeWithSelector(IR.GrantorLacksKycPower.selector, clientId));
        _grantClient(client, client2(), INST, DE);
    }

    function test_grantProvider_revertsWhenTreeTooDeep() public {
        address p2 = makeAddr("p2");
        address p3 = makeAddr("p3");
        address p4 = makeAddr("p4");
        _grantBank(bank, p2);
        _grantBank(p2, p3);
        GrantId id4 = _grantBank(p3, p4);
        assertEq(registry.getGrant(id4).depth, 4);
        vm.expectRevert(abi.encodeWithSelector(IR.TooDeep.selector, 5, 4));
        _grantBank(p4, makeAddr("p5"));
        vm.expectRevert(abi.encodeWithSelector(IR.TooDeep.selector, 5, 4));
        _grantClient(p4, makeAddr("c5"), INST, DE);
        // a client at depth 4 is qualified
        _grantClient(p3, client2(), ACC, FR);
        assertTrue(registry.isQualified(client2(), Service.LEND, ACC, FR));
    }

    function test_grantProvider_revertsWhenProviderIsZero() public {
        vm.expectRevert(IR.ZeroAddress.selector);
        _grantBank(seed, address(0));
    }

    function test_grantProvider_revertsWhenDossierHashIsZero() public {
        ProviderScope memory s = _scope(BANK_SERVICES, INST, _codes(DE));
        vm.expectRevert(IR.ZeroDossierHash.selector);
        _consent(branch, seed);
        vm.prank(seed);
        registry.grantProvider(branch, s, bytes32(0), _lease(), true);
    }

    function test_grantProvider_revertsWhenExpiryNotInFuture() public {
        ProviderScope memory s = _scope(BANK_SERVICES, INST, _codes(DE));
        vm.expectRevert(abi.encodeWithSelector(IR.ExpiryInPast.selector, T0, T0));
        _consent(branch, seed);
        vm.prank(seed);
        registry.grantProvider(branch, s, _dossier(branch), T0, true);
        vm.expectRevert(abi.encodeWithSelector(IR.ExpiryInPast.selector, T0 - 1, T0));
        _consent(branch, seed);
        vm.prank(seed);
        registry.grantProvider(branch, s, _dossier(branch), T0 - 1, true);
    }

    function test_grantProvider_revertsWhenLeaseTooLong() public {
        ProviderScope memory s = _scope(BANK_SERVICES, INST, _codes(DE));
        uint256 maxExpiry = T0 + ComplianceConstants.MAX_LEASE;
        vm.expectRevert(abi.encodeWithSelector(IR.LeaseTooLong.selector, uint40(maxExpiry + 1), maxExpiry));
        _consent(branch, seed);
        vm.prank(seed);
        registry.grantProvider(branch, s, _dossier(branch), uint40(maxExpiry + 1), true);
        // the maximum itself is accepted
        _consent(branch, seed);
        vm.prank(seed);
        registry.grantProvider(branch, s, _dossier(branch), uint40(maxExpiry), true);
    }

    function test_grantProvider_revertsWhenServicesInvalid() public {
        vm.expectRevert(abi.encodeWithSelector(IR.InvalidServices.selector, 0));
        _grantProvider(seed, branch, _scope(0, INST, _codes(DE)));
        vm.expectRevert(abi.encodeWithSelector(IR.InvalidServices.selector, 0x10));
        _grantProvider(seed, branch, _scope(0x10, INST, _codes(DE)));
    }

    function test_grantProvider_revertsWhenServicesBeyondGrantorScope() public {
        vm.expectRevert(abi.encodeWithSelector(IR.ServicesBeyondScope.selector, Service.STO, BANK_SERVICES));
        _grantProvider(bank, branch, _scope(Service.STO, INST, _codes(DE)));
    }

    function test_grantProvider_revertsWhenOwnCategoryInvalid() public {
        ProviderScope memory s = _scope(BANK_SERVICES, INST, _codes(DE));
        s.category = 0;
        vm.expectRevert(abi.encodeWithSelector(IR.InvalidCategory.selector, 0));
        _grantProvider(seed, branch, s);
        s.category = INST | ACC;
        vm.expectRevert(abi.encodeWithSelector(IR.InvalidCategory.selector, INST | ACC));
        _grantProvider(seed, branch, s);
        s.category = 0x08;
        vm.expectRevert(abi.encodeWithSelector(IR.InvalidCategory.selector, 0x08));
        _grantProvider(seed, branch, s);
    }

    function test_grantProvider_revertsWhenOwnCategoryBeyondGrantorKyc() public {
        ProviderScope memory s = _scope(BANK_SERVICES, INST, _codes(DE));
        s.category = RET;
        vm.expectRevert(abi.encodeWithSelector(IR.CategoryBeyondScope.selector, RET, INST | ACC));
        _grantProvider(bank, branch, s);
    }

    function test_grantProvider_revertsWhenKycCategoriesInvalidOrBeyondScope() public {
        vm.expectRevert(abi.encodeWithSelector(IR.InvalidKycCategories.selector, 0x09));
        _grantProvider(seed, branch, _scope(BANK_SERVICES, 0x09, _codes(DE)));
        vm.expectRevert(abi.encodeWithSelector(IR.CategoryBeyondScope.selector, INST | RET, INST | ACC));
        _grantProvider(bank, branch, _scope(BANK_SERVICES, INST | RET, _codes(DE)));
    }

    function test_grantProvider_revertsWhenOwnJurisdictionInvalid() public {
        ProviderScope memory s = _scope(BANK_SERVICES, INST, _codes(DE));
        s.jurisdiction = "de";
        vm.expectRevert(abi.encodeWithSelector(IR.InvalidJurisdiction.selector, bytes2("de")));
        _grantProvider(seed, branch, s);
        s.jurisdiction = ANY;
        vm.expectRevert(abi.encodeWithSelector(IR.InvalidJurisdiction.selector, ANY));
        _grantProvider(seed, branch, s);
    }

    function test_grantProvider_revertsWhenOwnJurisdictionBeyondGrantorKyc() public {
        ProviderScope memory s = _scope(BANK_SERVICES, INST, _codes(DE));
        s.jurisdiction = US;
        vm.expectRevert(abi.encodeWithSelector(IR.JurisdictionBeyondScope.selector, US));
        _grantProvider(bank, branch, s);
    }

    function test_grantProvider_revertsWhenKycJurisdictionsBeyondGrantorScope() public {
        vm.expectRevert(abi.encodeWithSelector(IR.JurisdictionBeyondScope.selector, US));
        _grantProvider(bank, branch, _scope(BANK_SERVICES, INST, _codes(DE, US)));
        vm.expectRevert(abi.encodeWithSelector(IR.JurisdictionBeyondScope.selector, ANY));
        _grantProvider(bank, branch, _scope(BANK_SERVICES, INST, _codes(ANY)));
    }

    function test_grantProvider_revertsWhenKycJurisdictionsMalformed() public {
        // KYC power without jurisdictions
        vm.expectRevert(IR.InvalidKycJurisdictions.selector);
        _grantProvider(seed, branch, _scope(BANK_SERVICES, INST, new bytes2[](0)));
        // jurisdictions without KYC power
        vm.expectRevert(IR.InvalidKycJurisdictions.selector);
        _grantProvider(seed, branch, _scope(BANK_SERVICES, 0, _codes(DE)));
        // duplicate
        vm.expectRevert(IR.InvalidKycJurisdictions.selector);
        _grantProvider(seed, branch, _scope(BANK_SERVICES, INST, _codes(DE, DE)));
        // "any" mixed with codes
        vm.expectRevert(IR.InvalidKycJurisdictions.selector);
        _grantProvider(seed, branch, _scope(BANK_SERVICES, INST, _codes(DE, ANY)));
        // malformed code
        vm.expectRevert(abi.encodeWithSelector(IR.InvalidJurisdiction.selector, bytes2("D1")));
        _grantProvider(seed, branch, _scope(BANK_SERVICES, INST, _codes(DE, "D1")));
        // more than 16
        bytes2[] memory many = new bytes2[](17);
        for (uint256 i; i < 17; ++i) {
            many[i] = bytes2(abi.encodePacked(bytes1(uint8(0x41 + i)), bytes1(0x41)));
        }
        vm.expectRevert(IR.InvalidKycJurisdictions.selector);
        _grantProvider(seed, branch, _scope(BANK_SERVICES, INST, many));
    }

    function test_grantProvider_acceptsSixteenJurisdictionsAndChecksEach() public {
        bytes2[] memory many = new bytes2[](16);
        for (uint256 i; i < 16; ++i) {
            many[i] = bytes2(abi.encodePacked(bytes1(uint8(0x41 + i)), bytes1(0x5a)));
        }
        GrantId id = _grantProvider(seed, branch, _scope(BANK_SERVICES, INST, many));
        bytes2[] memory stored = registry.getGrant(id).kycJurisdictions;
        assertEq(stored.length, 16);
        for (uint256 i; i < 16; ++i) {
            assertEq(stored[i], many[i]);
            address c = address(uint160(0xc000 + i));
            _grantClient(branch, c, INST, many[i]);
            assertTrue(registry.isQualified(c, Service.DCE, INST, many[i]));
        }
        vm.expectRevert(abi.encodeWithSelector(IR.JurisdictionBeyondScope.selector, bytes2("QZ")));
        _grantClient(branch, client2(), INST, "QZ");
    }

    function test_grantProvider_revertsWhenProviderAlreadyHoldsLiveGrant() public {
        vm.expectRevert(abi.encodeWithSelector(IR.AlreadyGranted.selector, bank, bankId));
        _grantBank(seed, bank);
        vm.expectRevert(abi.encodeWithSelector(IR.AlreadyGranted.selector, seed, seedId));
        _grantBank(bank, seed);
    }

    function test_grantProvider_subProviderWithinScopeQualifiesClients() public {
        _grantProvider(bank, branch, _scope(Service.LEND, ACC, _codes(FR)));
        _grantClient(branch, client2(), ACC, FR);
        assertTrue(registry.isQualified(client2(), Service.LEND, ACC, FR));
        assertFalse(registry.isQualified(client2(), Service.DCE, ACC, FR));
    }

    // ================================================================ grantClient

    function test_grantClient_recordsGrantInheritingServicesAndEmits() public {
        uint40 expiry = _lease();
        address c = client2();
        vm.expectEmit(address(registry));
        emit IR.GrantIssued(_id(4), bankId, c, bank, BANK_SERVICES, ACC, FR, _dossier(c), expiry, true);
        GrantId id = _grantClient(bank, c, ACC, FR);
        GrantView memory v = registry.getGrant(id);
        assertEq(v.services, BANK_SERVICES);
        assertEq(v.kycCategories, 0);
        assertEq(v.depth, 2);
        assertTrue(v.renewable);
        assertEq(v.grantor, bank);
        _assertReason(c, Reason.QUALIFIED, _id(0));
        GrantView memory byAccount = registry.getGrantOf(c);
        assertEq(GrantId.unwrap(byAccount.id), GrantId.unwrap(id));
    }

    function test_grantClient_revertsWhenCategoryOutsideGrantorKyc() public {
        vm.expectRevert(abi.encodeWithSelector(IR.CategoryBeyondScope.selector, RET, INST | ACC));
        _grantClient(bank, client2(), RET, DE);
    }

    function test_grantClient_revertsWhenCategoryNotOneBit() public {
        vm.expectRevert(abi.encodeWithSelector(IR.InvalidCategory.selector, INST | ACC));
        _grantClient(bank, client2(), INST | ACC, DE);
    }

    function test_grantClient_revertsWhenJurisdictionOutsideGrantorKyc() public {
        vm.expectRevert(abi.encodeWithSelector(IR.JurisdictionBeyondScope.selector, US));
        _grantClient(bank, client2(), INST, US);
    }

    function test_grantClient_revertsWhenJurisdictionIsAny() public {
        vm.expectRevert(abi.encodeWithSelector(IR.InvalidJurisdiction.selector, ANY));
        _grantClient(bank, client2(), INST, ANY);
    }

    function test_grantClient_revertsWhenClientIsZero() public {
        vm.expectRevert(IR.ZeroAddress.selector);
        _grantClient(bank, address(0), INST, DE);
    }

    function test_grantClient_revertsWhenClientAlreadyQualifiedElsewhere() public {
        address bank2 = makeAddr("bank2");
        _grantBank(seed, bank2);
        vm.expectRevert(abi.encodeWithSelector(IR.AlreadyGranted.selector, client, clientId));
        _grantClient(bank2, client, INST, DE);
    }

    function test_grantClient_revertsOverLapsedGrantOfAnotherGrantor() public {
        vm.warp(T0 + 200 days);
        _grantBank(seed, branch);
        vm.warp(T0 + YEAR); // client's lease (issued at T0) has ended; branch's has not
        _assertReason(client, Reason.EXPIRED, clientId);
        // even with the client's consent: its bank renews a lapsed lease, nobody replaces it
        vm.expectRevert(abi.encodeWithSelector(IR.HeldByAnotherGrantor.selector, client, clientId));
        _grantClient(branch, client, INST, DE);
        assertFalse(registry.getGrant(clientId).revoked, "old grant untouched");
        // once the client leaves its bank explicitly, the branch may take it
        vm.prank(client);
        registry.revoke(clientId);
        GrantId fresh = _grantClient(branch, client, INST, DE);
        assertTrue(_eq(registry.getGrant(fresh).parent, registry.grantOf(branch)));
        _assertReason(client, Reason.QUALIFIED, _id(0));
    }

    function test_grantClient_sameGrantorReissuesLapsedGrantWithoutNewConsent() public {
        vm.warp(T0 + YEAR); // client's lease has ended; bank's has not (issued at T0 for a year... renewed below)
        vm.prank(seed);
        registry.renew(bankId, _lease(), bytes32(0));
        _assertReason(client, Reason.EXPIRED, clientId);
        assertEq(registry.consentOf(client), address(0), "consent was used by the first grant");
        vm.expectEmit(address(registry));
        emit IR.GrantSuperseded(clientId, _id(4), client);
        vm.prank(bank);
        GrantId fresh = registry.grantClient(client, INST, DE, _dossier(client), _lease(), true);
        assertTrue(registry.getGrant(clientId).revoked, "old grant burned");
        assertTrue(_eq(registry.getGrant(fresh).parent, bankId));
        _assertReason(client, Reason.QUALIFIED, _id(0));
    }

    function test_grantClient_reissuedProviderDoesNotResurrectOldClients() public {
        vm.prank(seed);
        registry.revoke(bankId);
        GrantId bankAgain = _grantBank(seed, bank);
        assertFalse(_eq(bankAgain, bankId));
        assertTrue(registry.isQualified(bank, Service.DCE, INST, DE), "bank is back");
        _assertReason(client, Reason.ANCESTOR_REVOKED, bankId);
        // the bank can qualify the client afresh, under its new grant
        _grantClient(bank, client, INST, DE);
        _assertReason(client, Reason.QUALIFIED, _id(0));
    }

    /// @dev A client whose lease outlives its provider's.
    function _longClient(address who) internal returns (GrantId id) {
        _consent(who, bank);
        vm.prank(bank);
        id = registry.grantClient(who, ACC, FR, _dossier(who), T0 + 3 * YEAR, true);
    }

    function test_grantClient_reissueAfterAncestorLapseBurnsOldProviderSubtree() public {
        // bank's lease lapses; the seed issues a new grant; old clients stay dead even if the
        // old grant is renewed (it was burned by the supersede)
        address c = client2();
        _longClient(c);
        vm.warp(_lease());
        _assertReason(c, Reason.ANCESTOR_EXPIRED, bankId);
        _grantBank(seed, bank);
        assertTrue(registry.getGrant(bankId).revoked);
        _assertReason(c, Reason.ANCESTOR_REVOKED, bankId);
        vm.expectRevert(abi.encodeWithSelector(IR.GrantAlreadyRevoked.selector, bankId));
        vm.prank(seed);
        registry.renew(bankId, _lease(), bytes32(0));
    }

    // ================================================================ renew

    function test_renew_extendsLapsedLeaseAndRequalifiesSubtree() public {
        address c = client2();
        _longClient(c);
        vm.warp(_lease() + 1);
        _assertReason(c, Reason.ANCESTOR_EXPIRED, bankId);
        _assertReason(client, Reason.EXPIRED, clientId);
        uint40 expiry = _lease();
        bytes32 refreshed = keccak256("refreshed dossier");
        vm.expectEmit(address(registry));
        emit IR.GrantRenewed(bankId, seed, expiry, refreshed);
        vm.prank(seed);
        registry.renew(bankId, expiry, refreshed);
        _assertReason(c, Reason.QUALIFIED, _id(0));
        _assertReason(client, Reason.EXPIRED, clientId);
        vm.prank(bank);
        registry.renew(clientId, expiry, bytes32(0));
        _assertReason(client, Reason.QUALIFIED, _id(0));
        assertEq(registry.getGrant(bankId).dossierHash, refreshed);
        assertEq(registry.getGrant(clientId).dossierHash, _dossier(client), "zero keeps the dossier");
        assertEq(registry.getGrant(clientId).expiry, expiry);
    }

    function test_renew_emitsKeptDossierWhenZeroPassed() public {
        uint40 expiry = _lease() + 10;
        vm.expectEmit(address(registry));
        emit IR.GrantRenewed(clientId, bank, expiry, _dossier(client));
        vm.prank(bank);
        registry.renew(clientId, expiry, bytes32(0));
    }

    function test_renew_revertsWhenGrantUnknown() public {
        vm.expectRevert(abi.encodeWithSelector(IR.UnknownGrant.selector, _id(99)));
        vm.prank(bank);
        registry.renew(_id(99), _lease(), bytes32(0));
    }

    function test_renew_revertsWhenIdIsSeed() public {
        vm.expectRevert(abi.encodeWithSelector(IR.NotAGrant.selector, seedId));
        vm.prank(governance);
        registry.renew(seedId, _lease(), bytes32(0));
    }

    function test_renew_revertsWhenGrantRevoked() public {
        vm.startPrank(bank);
        registry.revoke(clientId);
        vm.expectRevert(abi.encodeWithSelector(IR.GrantAlreadyRevoked.selector, clientId));
        registry.renew(clientId, _lease(), bytes32(0));
        vm.stopPrank();
    }

    function test_renew_revertsWhenNotRenewable() public {
        address c = client2();
        _consent(c, bank);
        vm.prank(bank);
        GrantId id = registry.grantClient(c, INST, DE, _dossier(c), _lease(), false);
        vm.expectRevert(abi.encodeWithSelector(IR.NotRenewable.selector, id));
        vm.prank(bank);
        registry.renew(id, _lease() + 1, bytes32(0));
    }

    function test_renew_revertsWhenCallerIsNotDirectGrantor() public {
        vm.expectRevert(abi.encodeWithSelector(IR.NotAuthorizedToRenew.selector, seed, clientId));
        vm.prank(seed);
        registry.renew(clientId, _lease(), bytes32(0));
        vm.expectRevert(abi.encodeWithSelector(IR.NotAuthorizedToRenew.selector, stranger, clientId));
        vm.prank(stranger);
        registry.renew(clientId, _lease(), bytes32(0));
        vm.expectRevert(abi.encodeWithSelector(IR.NotAuthorizedToRenew.selector, client, clientId));
        vm.prank(client);
        registry.renew(clientId, _lease(), bytes32(0));
    }

    function test_renew_revertsWhenGrantorNotLive() public {
        vm.warp(_lease());
        vm.expectRevert(abi.encodeWithSelector(IR.GrantorNotLive.selector, bankId, Reason.EXPIRED));
        vm.prank(bank);
        registry.renew(clientId, _lease(), bytes32(0));
    }

    function test_renew_revertsWhenExpiryInvalid() public {
        vm.startPrank(bank);
        vm.expectRevert(abi.encodeWithSelector(IR.ExpiryInPast.selector, T0, T0));
        registry.renew(clientId, T0, bytes32(0));
        uint256 maxExpiry = T0 + ComplianceConstants.MAX_LEASE;
        vm.expectRevert(abi.encodeWithSelector(IR.LeaseTooLong.selector, uint40(maxExpiry + 1), maxExpiry));
        registry.renew(clientId, uint40(maxExpiry + 1), bytes32(0));
        vm.stopPrank();
    }

    // ================================================================ revoke

    function test_revoke_byGrantorDisqualifiesAndEmits() public {
        vm.expectEmit(address(registry));
        emit IR.GrantRevoked(clientId, bank);
        vm.prank(bank);
        registry.revoke(clientId);
        _assertReason(client, Reason.REVOKED, clientId);
        assertTrue(registry.getGrant(clientId).revoked);
        assertTrue(registry.isQualified(bank, Service.DCE, INST, DE), "grantor unaffected");
    }

    function test_revoke_byAncestorTwoLevelsUpCascades() public {
        GrantId branchId = _grantBank(bank, branch);
        _grantClient(branch, client2(), ACC, FR);
        vm.prank(seed);
        registry.revoke(branchId);
        _assertReason(client2(), Reason.ANCESTOR_REVOKED, branchId);
        _assertReason(client, Reason.QUALIFIED, _id(0));
    }

    function test_revoke_byAncestorOfClientThreeLevelsDown() public {
        _grantBank(bank, branch);
        GrantId c2 = _grantClient(branch, client2(), ACC, FR);
        vm.prank(seed);
        registry.revoke(c2);
        _assertReason(client2(), Reason.REVOKED, c2);
    }

    function test_revoke_byGovernanceCascades() public {
        vm.expectEmit(address(registry));
        emit IR.GrantRevoked(bankId, governance);
        vm.prank(governance);
        registry.revoke(bankId);
        _assertReason(bank, Reason.REVOKED, bankId);
        _assertReason(client, Reason.ANCESTOR_REVOKED, bankId);
    }

    function test_revoke_revertsWhenCallerIsNotAncestor() public {
        address bank2 = makeAddr("bank2");
        _grantBank(seed, bank2);
        vm.expectRevert(abi.encodeWithSelector(IR.NotAuthorizedToRevoke.selector, bank2, clientId));
        vm.prank(bank2);
        registry.revoke(clientId);
        vm.expectRevert(abi.encodeWithSelector(IR.NotAuthorizedToRevoke.selector, stranger, clientId));
        vm.prank(stranger);
        registry.revoke(clientId);
        vm.expectRevert(abi.encodeWithSelector(IR.NotAuthorizedToRevoke.selector, client, bankId));
        vm.prank(client);
        registry.revoke(bankId);
    }

    function test_revoke_holderRenouncesOwnGrantAndItsSubtree() public {
        address c = client2();
        _longClient(c);
        vm.expectEmit(address(registry));
        emit IR.GrantRevoked(bankId, bank);
        vm.prank(bank);
        registry.revoke(bankId);
        _assertReason(bank, Reason.REVOKED, bankId);
        _assertReason(c, Reason.ANCESTOR_REVOKED, bankId);
        // renouncing covers one's own node only, not another account's
        address other = makeAddr("other");
        GrantId otherId = _grantClient(seed, other, INST, DE);
        vm.expectRevert(abi.encodeWithSelector(IR.NotAuthorizedToRevoke.selector, other, clientId));
        vm.prank(other);
        registry.revoke(clientId);
        assertTrue(_eq(registry.grantOf(other), otherId));
    }

    function test_revoke_revertsWhenSeedOfAnotherTree() public {
        vm.prank(governance);
        registry.addSeed(seed2);
        vm.expectRevert(abi.encodeWithSelector(IR.NotAuthorizedToRevoke.selector, seed2, clientId));
        vm.prank(seed2);
        registry.revoke(clientId);
    }

    function test_revoke_revertsWhenUnknownSeedOrAlreadyRevoked() public {
        vm.startPrank(governance);
        vm.expectRevert(abi.encodeWithSelector(IR.UnknownGrant.selector, _id(0)));
        registry.revoke(_id(0));
        vm.expectRevert(abi.encodeWithSelector(IR.UnknownGrant.selector, _id(77)));
        registry.revoke(_id(77));
        vm.expectRevert(abi.encodeWithSelector(IR.NotAGrant.selector, seedId));
        registry.revoke(seedId);
        registry.revoke(clientId);
        vm.expectRevert(abi.encodeWithSelector(IR.GrantAlreadyRevoked.selector, clientId));
        registry.revoke(clientId);
        vm.stopPrank();
    }

    // ================================================================ views and reasons

    function test_qualification_noGrant() public {
        _assertReason(stranger, Reason.NO_GRANT, _id(0));
        assertFalse(registry.isQualified(stranger, Service.DCE, Category.ANY, ANY));
    }

    function test_qualification_expiresExactlyAtExpiry() public {
        uint40 expiry = registry.getGrant(clientId).expiry;
        vm.warp(expiry - 1);
        _assertReason(client, Reason.QUALIFIED, _id(0));
        vm.warp(expiry);
        _assertReason(client, Reason.EXPIRED, clientId); // the leaf is reported first
    }

    function test_qualification_leafExpiredBeforeAncestor() public {
        address c = client2();
        _consent(c, bank);
        vm.prank(bank);
        GrantId id = registry.grantClient(c, INST, DE, _dossier(c), T0 + 10 days, true);
        vm.warp(T0 + 10 days);
        _assertReason(c, Reason.EXPIRED, id);
    }

    function test_qualification_outOfScopeReasons() public view {
        (Reason r, GrantId f) = registry.qualification(client, Service.STO, Category.ANY, ANY);
        assertEq(uint8(r), uint8(Reason.OUT_OF_SCOPE_SERVICE));
        assertTrue(_eq(f, clientId));
        (r,) = registry.qualification(client, Service.DCE, ACC | RET, ANY);
        assertEq(uint8(r), uint8(Reason.OUT_OF_SCOPE_CATEGORY));
        (r,) = registry.qualification(client, Service.DCE, INST, FR);
        assertEq(uint8(r), uint8(Reason.OUT_OF_SCOPE_JURISDICTION));
        (r,) = registry.qualification(client, 0, INST, DE);
        assertEq(uint8(r), uint8(Reason.OUT_OF_SCOPE_SERVICE));
        (r,) = registry.qualification(client, Service.DCE, 0, DE);
        assertEq(uint8(r), uint8(Reason.OUT_OF_SCOPE_CATEGORY));

        assertFalse(registry.isQualified(client, Service.STO, Category.ANY, ANY));
        assertFalse(registry.isQualified(client, Service.DCE, ACC | RET, ANY));
        assertFalse(registry.isQualified(client, Service.DCE, INST, FR));
        assertTrue(registry.isQualified(client, Service.STO | Service.LEND, INST, DE), "any of the service bits");
        assertTrue(registry.isQualified(client, Service.LEND, Category.ANY, ANY));
    }

    function test_qualification_livenessComesBeforeScope() public {
        vm.prank(seed);
        registry.revoke(bankId);
        (Reason r,) = registry.qualification(client, Service.STO, RET, US);
        assertEq(uint8(r), uint8(Reason.ANCESTOR_REVOKED));
    }

    function test_grantStatus_reportsChainLiveness() public {
        (Reason r, GrantId f) = registry.grantStatus(bankId);
        assertEq(uint8(r), uint8(Reason.QUALIFIED));
        assertEq(GrantId.unwrap(f), 0);
        (r, f) = registry.grantStatus(_id(99));
        assertEq(uint8(r), uint8(Reason.NO_GRANT));
        (r,) = registry.grantStatus(seedId);
        assertEq(uint8(r), uint8(Reason.QUALIFIED));
        vm.prank(governance);
        registry.removeSeed(seed);
        (r, f) = registry.grantStatus(seedId);
        assertEq(uint8(r), uint8(Reason.SEED_INACTIVE));
        assertEq(uint8(registry.getGrant(clientId).status), uint8(Reason.SEED_INACTIVE));
    }

    function test_getGrant_revertsWhenUnknown() public {
        vm.expectRevert(abi.encodeWithSelector(IR.UnknownGrant.selector, _id(42)));
        registry.getGrant(_id(42));
        vm.expectRevert(abi.encodeWithSelector(IR.UnknownGrant.selector, _id(0)));
        registry.getGrantOf(stranger);
    }

    function test_getGrant_seedHasNoGrantor() public view {
        GrantView memory v = registry.getGrant(seedId);
        assertEq(v.grantee, seed);
        assertEq(v.grantor, address(0));
        assertEq(GrantId.unwrap(v.parent), 0);
    }

    function test_grantOf_tracksCurrentNode() public view {
        assertTrue(_eq(registry.grantOf(seed), seedId));
        assertTrue(_eq(registry.grantOf(bank), bankId));
        assertTrue(_eq(registry.grantOf(client), clientId));
        assertEq(GrantId.unwrap(registry.grantOf(stranger)), 0);
        assertFalse(registry.isSeed(bank));
        assertFalse(registry.isSeed(stranger));
    }
}
// forge-lint: disable-end(unsafe-typecast, incorrect-shift, block-timestamp)
