// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.24;

// Test code: timestamps here build fixtures on purpose.
// forge-lint: disable-start(block-timestamp)

import {RegistryBase} from "./utils/RegistryBase.sol";
import {Service, Category} from "../../src/compliance/IQualification.sol";
import {
    IQualifiedClientRegistry as IR, GrantId, Reason
} from "../../src/compliance/IQualifiedClientRegistry.sol";

/// @notice A contract account (a multisig, say) that signs consents the ERC-1271 way.
contract ConsentingWallet {
    address public immutable owner;

    constructor(address owner_) {
        owner = owner_;
    }

    function isValidSignature(bytes32 hash, bytes calldata signature) external view returns (bytes4) {
        (uint8 v, bytes32 r, bytes32 s) = abi.decode(signature, (uint8, bytes32, bytes32));
        return ecrecover(hash, v, r, s) == owner ? bytes4(0x1626ba7e) : bytes4(0xffffffff);
    }
}

/// @notice One tree cannot destroy or steal another's subtree (issue 7): the two attacks that
///         worked before the fix, and the consent that stops the second.
contract QualifiedClientRegistryTreesTest is RegistryBase {
    uint8 internal constant INST = Category.INSTITUTIONAL;

    address internal rival = makeAddr("rivalBank"); // a provider under the second seed
    GrantId internal bankId;
    GrantId internal clientId;
    GrantId internal rivalId;

    function setUp() public override {
        super.setUp();
        vm.prank(governance);
        registry.addSeed(seed2);
        bankId = _grantBank(seed, bank);
        // the client's own lease outlives the bank's, so only the bank's lapse suspends it
        _consent(client, bank);
        vm.prank(bank);
        clientId = registry.grantClient(client, INST, DE, _dossier(client), T0 + 3 * YEAR, true);
        rivalId = _grantBank(seed2, rival);
    }

    // ============================================================ attack 1: supersede a lapsed bank

    /// @dev Before the fix: the bank's lease lapsed for a minute, seed2 (or its provider) granted
    ///      the bank, which burned the bank's old node: its clients stayed revoked for good and
    ///      the rival could re-grant them under its own tree.
    function test_attack_rivalSeedCannotSupersedeLapsedBank() public {
        vm.warp(_lease() + 1 minutes);
        _assertStatus(bankId, Reason.EXPIRED);
        vm.prank(seed2);
        registry.renew(rivalId, _lease(), bytes32(0)); // the rival kept its own lease current
        // worst case: the rival even holds the bank's consent; the lapsed node is still not its to replace
        vm.expectRevert(abi.encodeWithSelector(IR.HeldByAnotherGrantor.selector, bank, bankId));
        _grantBank(seed2, bank);
        vm.expectRevert(abi.encodeWithSelector(IR.HeldByAnotherGrantor.selector, bank, bankId));
        _grantBank(rival, bank);
        // nor can the rival take the bank's clients while the bank is lapsed
        vm.expectRevert(abi.encodeWithSelector(IR.HeldByAnotherGrantor.selector, client, clientId));
        _grantClient(rival, client, INST, DE);

        assertFalse(registry.getGrant(bankId).revoked, "bank's node intact");
        // the seed renews the bank: the whole subtree is qualified again
        vm.prank(seed);
        registry.renew(bankId, _lease(), bytes32(0));
        assertTrue(registry.isQualified(bank, Service.DCE, INST, DE), "bank back");
        assertTrue(registry.isQualified(client, Service.DCE, INST, DE), "its client back");
    }

    /// @dev Renewing a lapsed provider restores every client beneath it, however long it lapsed.
    function test_renew_lapsedProviderRequalifiesWholeSubtree() public {
        address branch_ = branch;
        _grantBank(bank, branch_);
        address deepClient = makeAddr("deepClient");
        _consent(deepClient, branch_);
        vm.prank(branch_);
        registry.grantClient(deepClient, INST, DE, _dossier(deepClient), uint40(block.timestamp + 3 * YEAR), true);
        vm.warp(_lease() + 90 days); // bank (and the direct client) lapsed; deepClient's own lease runs on
        assertFalse(registry.isQualified(deepClient, Service.DCE, INST, DE));
        vm.prank(seed);
        registry.renew(bankId, uint40(block.timestamp + YEAR), bytes32(0));
        // branch's lease lapsed too; the bank renews it and everything under it returns
        GrantId branchId = registry.grantOf(branch_);
        vm.prank(bank);
        registry.renew(branchId, uint40(block.timestamp + YEAR), bytes32(0));
        assertTrue(registry.isQualified(deepClient, Service.DCE, INST, DE), "two levels down restored");
    }

    // ============================================================ attack 2: front-run a first grant

    /// @dev Before the fix: the rival saw the bank's `grantClient(newcomer)` pending and sent its
    ///      own first; the bank's grant then failed with AlreadyGranted and the newcomer sat in
    ///      the rival's tree, which alone could renew or revoke it.
    function test_attack_rivalCannotFrontRunFirstGrant() public {
        address newcomer = makeAddr("newcomer");
        vm.prank(newcomer);
        registry.consent(bank); // the newcomer chose the bank

        vm.expectRevert(abi.encodeWithSelector(IR.NoConsent.selector, newcomer, rival));
        vm.prank(rival);
        registry.grantClient(newcomer, INST, DE, _dossier(newcomer), _lease(), true);

        vm.prank(bank);
        GrantId id = registry.grantClient(newcomer, INST, DE, _dossier(newcomer), _lease(), true);
        assertTrue(_eq(registry.getGrant(id).parent, bankId), "granted in the chosen tree");
        assertEq(registry.consentOf(newcomer), address(0), "consent used up");
    }

    function test_grant_revertsWithoutConsentEvenFromOwnSeed() public {
        address newcomer = makeAddr("newcomer");
        vm.expectRevert(abi.encodeWithSelector(IR.NoConsent.selector, newcomer, bank));
        vm.prank(bank);
        registry.grantClient(newcomer, INST, DE, _dossier(newcomer), _lease(), true);
        vm.expectRevert(abi.encodeWithSelector(IR.NoConsent.selector, newcomer, seed));
        vm.prank(seed);
        registry.grantProvider(newcomer, _scope(BANK_SERVICES, INST, _codes(DE)), _dossier(newcomer), _lease(), true);
        assertEq(GrantId.unwrap(registry.grantOf(newcomer)), 0);
    }

    function test_grant_afterRevocationNeedsFreshConsent() public {
        vm.prank(bank);
        registry.revoke(clientId);
        vm.expectRevert(abi.encodeWithSelector(IR.NoConsent.selector, client, bank));
        vm.prank(bank);
        registry.grantClient(client, INST, DE, _dossier(client), _lease(), true);
    }

    function test_consent_emitsAndCanBeWithdrawn() public {
        address newcomer = makeAddr("newcomer");
        vm.expectEmit(address(registry));
        emit IR.GrantConsented(newcomer, bank);
        vm.prank(newcomer);
        registry.consent(bank);
        vm.prank(newcomer);
        registry.consent(address(0));
        vm.expectRevert(abi.encodeWithSelector(IR.NoConsent.selector, newcomer, bank));
        vm.prank(bank);
        registry.grantClient(newcomer, INST, DE, _dossier(newcomer), _lease(), true);
    }

    // ============================================================ consent by signature

    function _sign(uint256 key, address grantee, address grantor, uint256 nonce, uint256 deadline)
        internal
        view
        returns (uint8 v, bytes32 r, bytes32 s)
    {
        bytes32 structHash = keccak256(abi.encode(registry.GRANT_CONSENT_TYPEHASH(), grantee, grantor, nonce, deadline));
        bytes32 domain = keccak256(
            abi.encode(
                keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"),
                keccak256("Palisade QualifiedClientRegistry"),
                keccak256("1"),
                block.chainid,
                address(registry)
            )
        );
        return vm.sign(key, keccak256(abi.encodePacked("\x19\x01", domain, structHash)));
    }

    function test_consentBySig_relayedByGrantorThenGrantSucceeds() public {
        (address newcomer, uint256 key) = makeAddrAndKey("signingNewcomer");
        uint256 deadline = block.timestamp + 1 days;
        (uint8 v, bytes32 r, bytes32 s) = _sign(key, newcomer, bank, 0, deadline);
        vm.expectEmit(address(registry));
        emit IR.GrantConsented(newcomer, bank);
        vm.prank(bank);
        registry.consentBySig(newcomer, bank, deadline, abi.encodePacked(r, s, v));
        assertEq(registry.consentNonce(newcomer), 1);
        vm.prank(bank);
        registry.grantClient(newcomer, INST, DE, _dossier(newcomer), _lease(), true);
        assertTrue(registry.isQualified(newcomer, Service.DCE, INST, DE));
    }

    function test_consentBySig_revertsOnReplayWrongSignerOrExpiry() public {
        (address newcomer, uint256 key) = makeAddrAndKey("signingNewcomer");
        (, uint256 otherKey) = makeAddrAndKey("impostor");
        uint256 deadline = block.timestamp + 1 days;

        (uint8 v, bytes32 r, bytes32 s) = _sign(otherKey, newcomer, rival, 0, deadline);
        vm.expectRevert(abi.encodeWithSelector(IR.InvalidConsentSignature.selector, newcomer));
        registry.consentBySig(newcomer, rival, deadline, abi.encodePacked(r, s, v));

        // a consent to the bank cannot be redirected to the rival
        (v, r, s) = _sign(key, newcomer, bank, 0, deadline);
        vm.expectRevert(abi.encodeWithSelector(IR.InvalidConsentSignature.selector, newcomer));
        registry.consentBySig(newcomer, rival, deadline, abi.encodePacked(r, s, v));

        registry.consentBySig(newcomer, bank, deadline, abi.encodePacked(r, s, v));
        vm.expectRevert(abi.encodeWithSelector(IR.InvalidConsentSignature.selector, newcomer));
        registry.consentBySig(newcomer, bank, deadline, abi.encodePacked(r, s, v)); // replay: nonce moved on

        (v, r, s) = _sign(key, newcomer, bank, 1, deadline);
        vm.warp(deadline + 1);
        vm.expectRevert(abi.encodeWithSelector(IR.ConsentExpired.selector, deadline, deadline + 1));
        registry.consentBySig(newcomer, bank, deadline, abi.encodePacked(r, s, v));
    }

    function test_consentBySig_acceptsContractAccountSignature() public {
        (address owner, uint256 key) = makeAddrAndKey("walletOwner");
        ConsentingWallet wallet = new ConsentingWallet(owner);
        uint256 deadline = block.timestamp + 1 days;
        (uint8 v, bytes32 r, bytes32 s) = _sign(key, address(wallet), bank, 0, deadline);
        registry.consentBySig(address(wallet), bank, deadline, abi.encode(v, r, s));
        assertEq(registry.consentOf(address(wallet)), bank);
    }

    // ============================================================ helpers

    function _assertStatus(GrantId id, Reason expected) internal view {
        (Reason r,) = registry.grantStatus(id);
        assertEq(uint8(r), uint8(expected));
    }

    function _eq(GrantId a, GrantId b) internal pure returns (bool) {
        return GrantId.unwrap(a) == GrantId.unwrap(b);
    }
}
// forge-lint: disable-end(block-timestamp)
