// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.24;

// Test code: casts, shifts and timestamps here build fixtures and fuzz inputs on purpose.
// forge-lint: disable-start(unsafe-typecast, incorrect-shift, block-timestamp)

import {RegistryBase} from "./utils/RegistryBase.sol";
import {GrantId, Reason, ProviderScope, GrantView} from "../../src/compliance/IQualifiedClientRegistry.sol";
import {Service, Category} from "../../src/compliance/IQualification.sol";
import {ComplianceConstants as C} from "../../src/compliance/libraries/ComplianceConstants.sol";
import {GrantWord} from "../../src/compliance/libraries/GrantWord.sol";
import {JurisdictionSet} from "../../src/compliance/libraries/JurisdictionSet.sol";

/// @dev Exposes the calldata-taking library function to fuzzing.
contract JurisdictionSetHarness {
    function pack(bytes2[] calldata codes) external pure returns (bytes32 packed, bool any) {
        return JurisdictionSet.pack(codes);
    }

    function contains(bytes32 packed, bytes2 code) external pure returns (bool) {
        return JurisdictionSet.contains(packed, code);
    }

    function unpack(bytes32 packed) external pure returns (bytes2[] memory) {
        return JurisdictionSet.unpack(packed);
    }
}

contract QualifiedClientRegistryFuzzTest is RegistryBase {
    uint8 internal constant BANK_KYC = Category.INSTITUTIONAL | Category.ACCREDITED;

    GrantId internal bankId;
    GrantId internal clientId;
    JurisdictionSetHarness internal harness;

    function setUp() public override {
        super.setUp();
        bankId = _grantBank(seed, bank);
        clientId = _grantClient(bank, client, Category.INSTITUTIONAL, DE);
        harness = new JurisdictionSetHarness();
    }

    function _isOneCategory(uint8 c) internal pure returns (bool) {
        return c != 0 && c & (c - 1) == 0 && c & ~Category.ANY == 0;
    }

    /// @dev Picks a subset of {DE, FR, US} from the low three bits of `pick`.
    function _pickCodes(uint8 pick) internal pure returns (bytes2[] memory codes, bool withinBank) {
        bytes2[3] memory all = [DE, FR, US];
        uint256 n;
        for (uint256 i; i < 3; ++i) {
            if (pick & (1 << i) != 0) ++n;
        }
        codes = new bytes2[](n);
        uint256 k;
        for (uint256 i; i < 3; ++i) {
            if (pick & (1 << i) != 0) codes[k++] = all[i];
        }
        withinBank = pick & 4 == 0;
    }

    // ---------------------------------------------------------------- scope at issue

    function testFuzz_grantProvider_succeedsIffWithinGrantorScope(uint8 services, uint8 kycCategories, uint8 pick)
        public
    {
        (bytes2[] memory codes, bool codesWithin) = _pickCodes(pick);
        ProviderScope memory s = ProviderScope({
            services: services,
            category: Category.ACCREDITED,
            jurisdiction: FR,
            kycCategories: kycCategories,
            kycJurisdictions: codes
        });
        bool ok = services != 0 && services & ~BANK_SERVICES == 0 && kycCategories & ~BANK_KYC == 0
            && (kycCategories == 0 ? codes.length == 0 : codes.length != 0 && codesWithin);

        _consent(branch, bank);
        vm.prank(bank);
        if (!ok) vm.expectRevert();
        GrantId id = registry.grantProvider(branch, s, _dossier(branch), _lease(), true);
        if (!ok) return;

        GrantView memory v = registry.getGrant(id);
        assertEq(v.services, services);
        assertEq(v.kycCategories, kycCategories);
        assertEq(v.kycJurisdictions.length, codes.length);
        assertTrue(registry.isQualified(branch, services, Category.ACCREDITED, FR));
    }

    function testFuzz_grantClient_succeedsIffCategoryAndJurisdictionInScope(uint8 category, bytes2 jurisdiction)
        public
    {
        address c = makeAddr("fuzzClient");
        bool ok = _isOneCategory(category) && category & BANK_KYC != 0 && (jurisdiction == DE || jurisdiction == FR);
        _consent(c, bank);
        vm.prank(bank);
        if (!ok) vm.expectRevert();
        registry.grantClient(c, category, jurisdiction, _dossier(c), _lease(), true);
        assertEq(registry.isQualified(c, BANK_SERVICES, Category.ANY, ANY), ok);
    }

    function testFuzz_grantClient_revertsBeyondAnyAncestorScope(uint8 pick) public {
        // branch holds a strict sub-scope of bank: LEND only, ACCREDITED only, FR only
        _grantProvider(bank, branch, ProviderScope(Service.LEND, Category.ACCREDITED, FR, Category.ACCREDITED, _codes(FR)));
        uint8 category = uint8(1 << (pick % 3));
        bytes2 j = [DE, FR, US][(pick / 3) % 3];
        address c = makeAddr("deepClient");
        bool ok = category == Category.ACCREDITED && j == FR;
        _consent(c, branch);
        vm.prank(branch);
        if (!ok) vm.expectRevert();
        registry.grantClient(c, category, j, _dossier(c), _lease(), false);
        if (ok) {
            assertTrue(registry.isQualified(c, Service.LEND, Category.ACCREDITED, FR));
            assertFalse(registry.isQualified(c, Service.DCE, Category.ANY, ANY), "services narrowed by branch");
        }
    }

    // ---------------------------------------------------------------- the view

    function testFuzz_isQualified_answersExactlyTheQuestion(uint8 service, uint8 mask, bytes2 jurisdiction) public view {
        bool expected =
            service & BANK_SERVICES != 0 && mask & Category.INSTITUTIONAL != 0 && (jurisdiction == ANY || jurisdiction == DE);
        assertEq(registry.isQualified(client, service, mask, jurisdiction), expected);
        (Reason r, GrantId f) = registry.qualification(client, service, mask, jurisdiction);
        assertEq(r == Reason.QUALIFIED, expected);
        if (!expected) assertEq(GrantId.unwrap(f), GrantId.unwrap(clientId));
    }

    function testFuzz_isQualified_unknownAccountNeverQualifies(address who, uint8 service, uint8 mask, bytes2 j)
        public
        view
    {
        vm.assume(who != client && who != bank);
        assertFalse(registry.isQualified(who, service, mask, j));
    }

    function testFuzz_lease_qualifiedIffEveryLinkUnexpired(uint40 bankLease, uint40 clientLease, uint40 elapsed)
        public
    {
        bankLease = uint40(bound(bankLease, 1, C.MAX_LEASE));
        clientLease = uint40(bound(clientLease, 1, C.MAX_LEASE));
        elapsed = uint40(bound(elapsed, 0, 2 * C.MAX_LEASE));
        address b = makeAddr("leaseBank");
        address c = makeAddr("leaseClient");
        ProviderScope memory s = _scope(BANK_SERVICES, BANK_KYC, _codes(DE));
        _consent(b, seed);
        vm.prank(seed);
        GrantId bId = registry.grantProvider(b, s, _dossier(b), T0 + bankLease, true);
        _consent(c, b);
        vm.prank(b);
        GrantId cId = registry.grantClient(c, Category.ACCREDITED, DE, _dossier(c), T0 + clientLease, true);

        vm.warp(T0 + elapsed);
        bool expected = elapsed < bankLease && elapsed < clientLease;
        assertEq(registry.isQualified(c, Service.DCE, Category.ACCREDITED, DE), expected);
        (Reason r, GrantId f) = registry.qualification(c, Service.DCE, Category.ACCREDITED, DE);
        if (expected) {
            assertEq(uint8(r), uint8(Reason.QUALIFIED));
        } else if (elapsed >= clientLease) {
            assertEq(uint8(r), uint8(Reason.EXPIRED));
            assertEq(GrantId.unwrap(f), GrantId.unwrap(cId));
        } else {
            assertEq(uint8(r), uint8(Reason.ANCESTOR_EXPIRED));
            assertEq(GrantId.unwrap(f), GrantId.unwrap(bId));
        }
    }

    // ---------------------------------------------------------------- revocation

    function testFuzz_revoke_byAnyAncestorDisqualifiesExactlyTheSubtree(uint8 depthSeed, uint8 levelSeed, uint8 byWho)
        public
    {
        uint256 depth = bound(depthSeed, 1, C.MAX_DEPTH); // the client's level
        // chain[0] = seed, chain[1..depth-1] providers, chain[depth] client
        address[] memory chain = new address[](depth + 1);
        GrantId[] memory ids = new GrantId[](depth + 1);
        chain[0] = seed;
        ids[0] = seedId;
        for (uint256 i = 1; i < depth; ++i) {
            chain[i] = address(uint160(0xa000 + i));
            ids[i] = _grantBank(chain[i - 1], chain[i]);
        }
        chain[depth] = address(uint160(0xa000 + depth));
        ids[depth] = _grantClient(chain[depth - 1], chain[depth], Category.ACCREDITED, FR);

        uint256 level = bound(levelSeed, 1, depth); // the revoked grant
        // the revoker: governance, or any ancestor of the revoked grant
        uint256 r = bound(byWho, 0, level);
        address revoker = r == level ? governance : chain[r];
        vm.prank(revoker);
        registry.revoke(ids[level]);

        for (uint256 i = 1; i <= depth; ++i) {
            (Reason reason, GrantId f) = registry.grantStatus(ids[i]);
            if (i < level) {
                assertEq(uint8(reason), uint8(Reason.QUALIFIED), "above the cut");
            } else {
                assertEq(uint8(reason), uint8(i == level ? Reason.REVOKED : Reason.ANCESTOR_REVOKED), "below the cut");
                assertEq(GrantId.unwrap(f), GrantId.unwrap(ids[level]));
            }
        }
        assertFalse(registry.isQualified(chain[depth], Service.LEND, Category.ANY, ANY));
        assertTrue(registry.isQualified(client, Service.LEND, Category.ANY, ANY), "other branch untouched");
    }

    function testFuzz_revoke_byNonAncestorReverts(address who) public {
        // the client itself may renounce its own grant
        vm.assume(who != seed && who != bank && who != governance && who != client);
        vm.prank(who);
        vm.expectRevert();
        registry.revoke(clientId);
    }

    function testFuzz_regrant_neverResurrectsOldSubtree(uint8 rounds) public {
        rounds = uint8(bound(rounds, 1, 8));
        for (uint256 i; i < rounds; ++i) {
            GrantId current = registry.grantOf(bank);
            vm.prank(seed);
            registry.revoke(current);
            _grantBank(seed, bank);
            assertFalse(registry.isQualified(client, BANK_SERVICES, Category.ANY, ANY));
        }
        (Reason r, GrantId f) = registry.qualification(client, BANK_SERVICES, Category.ANY, ANY);
        assertEq(uint8(r), uint8(Reason.ANCESTOR_REVOKED));
        assertEq(GrantId.unwrap(f), GrantId.unwrap(bankId));
    }

    function testFuzz_revokeCost_doesNotGrowWithSubtree(uint8 clients) public {
        uint256 n = bound(clients, 0, 60);
        address big = makeAddr("big");
        address small = makeAddr("small");
        GrantId bigId = _grantBank(seed, big);
        GrantId smallId = _grantBank(seed, small);
        for (uint256 i; i < n; ++i) {
            _grantClient(big, address(uint160(0xb0000 + i)), Category.ACCREDITED, FR);
        }
        vm.startPrank(seed);
        vm.cool(address(registry));
        uint256 g0 = gasleft();
        registry.revoke(smallId);
        uint256 gSmall = g0 - gasleft();
        vm.cool(address(registry));
        g0 = gasleft();
        registry.revoke(bigId);
        uint256 gBig = g0 - gasleft();
        vm.stopPrank();
        assertEq(gBig, gSmall);
    }

    // ---------------------------------------------------------------- libraries

    function testFuzz_grantWord_roundTrips(
        uint32 parent,
        uint40 expiry,
        uint8 services,
        uint8 category,
        uint8 kycCategories,
        bytes2 jurisdiction,
        uint8 depth,
        uint40 issuedAt,
        uint8 flagBits,
        uint40 newExpiry
    ) public pure {
        uint256 flags = (uint256(flagBits) & 0x0f) << 72;
        GrantWord.Fields memory f =
            GrantWord.Fields(GrantId.wrap(parent), expiry, services, category, kycCategories, jurisdiction, depth, issuedAt);
        uint256 w = GrantWord.pack(f, flags);
        assertEq(GrantId.unwrap(GrantWord.parent(w)), parent);
        assertEq(GrantWord.expiry(w), expiry);
        assertEq(GrantWord.services(w), services);
        assertEq(GrantWord.category(w), category);
        assertEq(GrantWord.kycCategories(w), kycCategories);
        assertEq(GrantWord.jurisdiction(w), jurisdiction);
        assertEq(GrantWord.depth(w), depth);
        assertEq(GrantWord.issuedAt(w), issuedAt);
        assertEq(GrantWord.has(w, GrantWord.FLAG_REVOKED), flagBits & 1 != 0);
        assertEq(GrantWord.has(w, GrantWord.FLAG_SEED), flagBits & 2 != 0);
        assertEq(GrantWord.has(w, GrantWord.FLAG_RENEWABLE), flagBits & 4 != 0);
        assertEq(GrantWord.has(w, GrantWord.FLAG_ANY_JURISDICTION), flagBits & 8 != 0);
        assertLt(w, 1 << 168, "upper bits stay clear");

        uint256 w2 = GrantWord.withExpiry(w, newExpiry);
        assertEq(GrantWord.expiry(w2), newExpiry);
        assertEq(w2 & ~(uint256(type(uint40).max) << 32), w & ~(uint256(type(uint40).max) << 32), "only expiry moved");
    }

    function testFuzz_jurisdictionSet_packsValidCodesAndAnswersMembership(bytes32 seedBytes, uint8 n, bytes2 probe)
        public
        view
    {
        n = uint8(bound(n, 1, 16));
        bytes2[] memory codes = new bytes2[](n);
        for (uint256 i; i < n; ++i) {
            // distinct valid codes: the first letter is the index, the second from the seed
            bytes1 first = bytes1(uint8(0x41 + i));
            bytes1 second = bytes1(uint8(0x41 + uint8(seedBytes[i]) % 26));
            codes[i] = bytes2(abi.encodePacked(first, second));
        }
        (bytes32 packed, bool any) = harness.pack(codes);
        assertFalse(any);
        bytes2[] memory back = harness.unpack(packed);
        assertEq(back.length, n);
        bool member;
        for (uint256 i; i < n; ++i) {
            assertEq(back[i], codes[i]);
            assertTrue(harness.contains(packed, codes[i]));
            if (codes[i] == probe) member = true;
        }
        if (probe != bytes2(0)) assertEq(harness.contains(packed, probe), member);
    }

    function testFuzz_jurisdictionSet_rejectsMalformedCodes(bytes2 code) public {
        bool valid = JurisdictionSet.isValidCode(code);
        uint8 a = uint8(code[0]);
        uint8 b = uint8(code[1]);
        assertEq(valid, a >= 65 && a <= 90 && b >= 65 && b <= 90);
        bytes2[] memory codes = _codes(DE, code);
        if (!valid || code == DE) vm.expectRevert();
        harness.pack(codes);
    }
}
// forge-lint: disable-end(unsafe-typecast, incorrect-shift, block-timestamp)
