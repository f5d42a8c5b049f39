// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.24;

import {IQualification} from "./IQualification.sol";
import {
    IQualifiedClientRegistry, GrantId, Reason, ProviderScope, GrantView
} from "./IQualifiedClientRegistry.sol";
import {ComplianceConstants as C} from "./libraries/ComplianceConstants.sol";
import {GrantWord} from "./libraries/GrantWord.sol";
import {JurisdictionSet} from "./libraries/JurisdictionSet.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";

/// @title QualifiedClientRegistry
/// @notice The Qualified Client Protocol registry (SPEC §A). See `IQualifiedClientRegistry`.
/// @dev Cascade without iteration: every node stores its parent's id, ids are never reused and
///      revocation is a flag on the node itself. The view walks from the account's node up to
///      its seed (at most 5 words, one SLOAD each) and fails on the first revoked or lapsed
///      link, so revoking or letting any ancestor lapse disqualifies the subtree at O(1) cost,
///      and a grant re-issued to the same account (new id) cannot revive the old subtree.
///      Scope is checked once, at issue, against the grantor's scope and is immutable, so the
///      view only needs the leaf's own scope plus each ancestor's liveness.
///      Isolation between trees lives entirely in issuance (`_store`): the view is untouched.
contract QualifiedClientRegistry is IQualifiedClientRegistry, EIP712 {
    using GrantWord for uint256;

    /// @dev One node. `word` is all the qualification view reads; the rest serves issuance
    ///      (`kycJurisdictions`) and off-chain readers.
    struct Record {
        uint256 word;
        address grantee;
        bytes32 dossierHash;
        bytes32 kycJurisdictions;
    }

    /// @inheritdoc IQualifiedClientRegistry
    address public immutable governance;

    /// @dev Last issued id; ids run 1..count.
    uint32 private _count;

    mapping(address account => GrantId) private _nodeOf;
    mapping(GrantId id => Record) private _records;
    mapping(address grantee => address grantor) private _consentOf;
    mapping(address grantee => uint256) private _consentNonce;

    /// @inheritdoc IQualifiedClientRegistry
    bytes32 public constant GRANT_CONSENT_TYPEHASH =
        keccak256("GrantConsent(address grantee,address grantor,uint256 nonce,uint256 deadline)");

    /// @dev What `_grantorOf` hands to issuance.
    struct Grantor {
        GrantId id;
        uint256 word;
        bytes32 kycJurisdictions;
    }

    modifier onlyGovernance() {
        if (msg.sender != governance) revert NotGovernance(msg.sender);
        _;
    }

    /// @param governance_ The governance timelock.
    constructor(address governance_) EIP712("Palisade QualifiedClientRegistry", "1") {
        if (governance_ == address(0)) revert ZeroAddress();
        governance = governance_;
    }

    // ================================================================== views

    /// @inheritdoc IQualification
    function isQualified(address account, uint8 service, uint8 categoryMask, bytes2 jurisdiction)
        external
        view
        returns (bool)
    {
        // unknown accounts read word 0 (services 0) and seeds have category 0: both fail here
        uint256 w = _records[_nodeOf[account]].word;
        if (w.services() & service == 0 || w.category() & categoryMask == 0) return false;
        if (jurisdiction != C.ANY_JURISDICTION && w.jurisdiction() != jurisdiction) return false;
        // leaf depth <= MAX_DEPTH, so the seed is reached within MAX_DEPTH + 1 words
        for (uint256 i; i <= C.MAX_DEPTH; ++i) {
            if (w.has(GrantWord.FLAG_REVOKED)) return false;
            if (w.has(GrantWord.FLAG_SEED)) return true;
            if (w.lapsed(block.timestamp)) return false;
            w = _records[w.parent()].word;
        }
        return false;
    }

    /// @inheritdoc IQualifiedClientRegistry
    function qualification(address account, uint8 service, uint8 categoryMask, bytes2 jurisdiction)
        external
        view
        returns (Reason reason, GrantId failing)
    {
        GrantId id = _nodeOf[account];
        uint256 w = _records[id].word;
        if (w == 0 || w.has(GrantWord.FLAG_SEED)) return (Reason.NO_GRANT, id);
        (reason, failing) = _status(id);
        if (reason != Reason.QUALIFIED) return (reason, failing);
        if (w.services() & service == 0) return (Reason.OUT_OF_SCOPE_SERVICE, id);
        if (w.category() & categoryMask == 0) return (Reason.OUT_OF_SCOPE_CATEGORY, id);
        if (jurisdiction != C.ANY_JURISDICTION && w.jurisdiction() != jurisdiction) {
            return (Reason.OUT_OF_SCOPE_JURISDICTION, id);
        }
        return (Reason.QUALIFIED, GrantId.wrap(0));
    }

    /// @inheritdoc IQualifiedClientRegistry
    function grantStatus(GrantId id) external view returns (Reason reason, GrantId failing) {
        return _status(id);
    }

    /// @inheritdoc IQualifiedClientRegistry
    function grantOf(address account) external view returns (GrantId) {
        return _nodeOf[account];
    }

    /// @inheritdoc IQualifiedClientRegistry
    function getGrant(GrantId id) public view returns (GrantView memory v) {
        Record storage r = _records[id];
        uint256 w = r.word;
        if (w == 0) revert UnknownGrant(id);
        v.id = id;
        v.parent = w.parent();
        v.grantee = r.grantee;
        v.grantor = _records[v.parent].grantee;
        v.depth = w.depth();
        v.isSeed = w.has(GrantWord.FLAG_SEED);
        v.revoked = w.has(GrantWord.FLAG_REVOKED);
        v.renewable = w.has(GrantWord.FLAG_RENEWABLE);
        v.services = w.services();
        v.category = w.category();
        v.jurisdiction = w.jurisdiction();
        v.kycCategories = w.kycCategories();
        v.kycAnyJurisdiction = w.has(GrantWord.FLAG_ANY_JURISDICTION);
        v.kycJurisdictions = JurisdictionSet.unpack(r.kycJurisdictions);
        v.dossierHash = r.dossierHash;
        v.issuedAt = w.issuedAt();
        v.expiry = w.expiry();
        (v.status,) = _status(id);
    }

    /// @inheritdoc IQualifiedClientRegistry
    function getGrantOf(address account) external view returns (GrantView memory) {
        return getGrant(_nodeOf[account]);
    }

    /// @inheritdoc IQualifiedClientRegistry
    function isSeed(address account) external view returns (bool) {
        uint256 w = _records[_nodeOf[account]].word;
        return w.has(GrantWord.FLAG_SEED) && !w.has(GrantWord.FLAG_REVOKED);
    }

    /// @inheritdoc IQualifiedClientRegistry
    function grantCount() external view returns (uint256) {
        return _count;
    }

    // ================================================================== governance

    /// @inheritdoc IQualifiedClientRegistry
    function addSeed(address seed) external onlyGovernance returns (GrantId id) {
        if (seed == address(0)) revert ZeroAddress();
        GrantWord.Fields memory f = GrantWord.Fields({
            parent: GrantId.wrap(0),
            expiry: C.NEVER,
            services: C.ALL_SERVICES,
            category: 0,
            kycCategories: C.ALL_CATEGORIES,
            jurisdiction: C.ANY_JURISDICTION,
            depth: 0,
            issuedAt: uint40(block.timestamp)
        });
        id = _store(
            seed,
            GrantId.wrap(0),
            GrantWord.pack(f, GrantWord.FLAG_SEED | GrantWord.FLAG_ANY_JURISDICTION),
            bytes32(0),
            bytes32(0)
        );
        emit SeedAdded(seed, id);
    }

    /// @inheritdoc IQualifiedClientRegistry
    function removeSeed(address seed) external onlyGovernance {
        GrantId id = _nodeOf[seed];
        uint256 w = _records[id].word;
        if (!w.has(GrantWord.FLAG_SEED) || w.has(GrantWord.FLAG_REVOKED)) revert NotASeed(seed);
        _records[id].word = w | GrantWord.FLAG_REVOKED;
        emit SeedRemoved(seed, id);
    }

    // ================================================================== grants

    /// @inheritdoc IQualifiedClientRegistry
    function grantProvider(
        address provider,
        ProviderScope calldata scope,
        bytes32 dossierHash,
        uint40 expiry,
        bool renewable
    ) external returns (GrantId id) {
        Grantor memory g = _grantorOf(msg.sender);
        _checkTerms(provider, dossierHash, expiry);
        uint256 held = g.word;

        if (scope.services == 0 || scope.services & ~C.ALL_SERVICES != 0) revert InvalidServices(scope.services);
        if (scope.services & ~held.services() != 0) revert ServicesBeyondScope(scope.services, held.services());
        _checkOwnKyc(g, scope.category, scope.jurisdiction);

        uint8 kycCats = scope.kycCategories;
        if (kycCats & ~C.ALL_CATEGORIES != 0) revert InvalidKycCategories(kycCats);
        if (kycCats & ~held.kycCategories() != 0) revert CategoryBeyondScope(kycCats, held.kycCategories());

        uint256 flags = renewable ? GrantWord.FLAG_RENEWABLE : 0;
        bytes32 packed;
        if (kycCats == 0) {
            if (scope.kycJurisdictions.length != 0) revert InvalidKycJurisdictions();
        } else {
            bool any;
            (packed, any) = JurisdictionSet.pack(scope.kycJurisdictions);
            if (!held.has(GrantWord.FLAG_ANY_JURISDICTION)) {
                if (any) revert JurisdictionBeyondScope(C.ANY_JURISDICTION);
                _checkSubset(packed, g.kycJurisdictions);
            }
            if (any) flags |= GrantWord.FLAG_ANY_JURISDICTION;
        }

        GrantWord.Fields memory f = GrantWord.Fields({
            parent: g.id,
            expiry: expiry,
            services: scope.services,
            category: scope.category,
            kycCategories: kycCats,
            jurisdiction: scope.jurisdiction,
            depth: held.depth() + 1,
            issuedAt: uint40(block.timestamp)
        });
        id = _store(provider, g.id, GrantWord.pack(f, flags), dossierHash, packed);
        _emitIssued(id, f, provider, dossierHash, renewable);
        if (kycCats != 0) emit KycPowerGranted(id, kycCats, scope.kycJurisdictions);
    }

    /// @inheritdoc IQualifiedClientRegistry
    function grantClient(
        address client,
        uint8 category,
        bytes2 jurisdiction,
        bytes32 dossierHash,
        uint40 expiry,
        bool renewable
    ) external returns (GrantId id) {
        Grantor memory g = _grantorOf(msg.sender);
        _checkTerms(client, dossierHash, expiry);
        _checkOwnKyc(g, category, jurisdiction);

        GrantWord.Fields memory f = GrantWord.Fields({
            parent: g.id,
            expiry: expiry,
            services: g.word.services(),
            category: category,
            kycCategories: 0,
            jurisdiction: jurisdiction,
            depth: g.word.depth() + 1,
            issuedAt: uint40(block.timestamp)
        });
        id = _store(client, g.id, GrantWord.pack(f, renewable ? GrantWord.FLAG_RENEWABLE : 0), dossierHash, bytes32(0));
        _emitIssued(id, f, client, dossierHash, renewable);
    }

    /// @inheritdoc IQualifiedClientRegistry
    function renew(GrantId id, uint40 expiry, bytes32 dossierHash) external {
        Record storage r = _records[id];
        uint256 w = _grantWord(id);
        if (w.has(GrantWord.FLAG_REVOKED)) revert GrantAlreadyRevoked(id);
        if (!w.has(GrantWord.FLAG_RENEWABLE)) revert NotRenewable(id);
        GrantId grantor = _nodeOf[msg.sender];
        if (GrantId.unwrap(grantor) != GrantId.unwrap(w.parent())) revert NotAuthorizedToRenew(msg.sender, id);
        (Reason status,) = _status(grantor);
        if (status != Reason.QUALIFIED) revert GrantorNotLive(grantor, status);
        _checkLease(expiry);

        r.word = w.withExpiry(expiry);
        if (dossierHash == bytes32(0)) dossierHash = r.dossierHash;
        else r.dossierHash = dossierHash;
        emit GrantRenewed(id, msg.sender, expiry, dossierHash);
    }

    /// @inheritdoc IQualifiedClientRegistry
    function revoke(GrantId id) external {
        uint256 w = _grantWord(id);
        if (w.has(GrantWord.FLAG_REVOKED)) revert GrantAlreadyRevoked(id);
        // the holder may renounce its own node: that is how an account leaves a tree
        GrantId caller = _nodeOf[msg.sender];
        if (msg.sender != governance && GrantId.unwrap(caller) != GrantId.unwrap(id) && !_isAncestor(caller, w)) {
            revert NotAuthorizedToRevoke(msg.sender, id);
        }
        // the one write: every descendant's walk passes through this word
        _records[id].word = w | GrantWord.FLAG_REVOKED;
        emit GrantRevoked(id, msg.sender);
    }

    // ================================================================== consent

    /// @inheritdoc IQualifiedClientRegistry
    function consent(address grantor) external {
        _consentOf[msg.sender] = grantor;
        emit GrantConsented(msg.sender, grantor);
    }

    /// @inheritdoc IQualifiedClientRegistry
    function consentBySig(address grantee, address grantor, uint256 deadline, bytes calldata signature) external {
        // consents are signed for minutes to days: seconds of validator skew do not matter
        // forge-lint: disable-next-line(block-timestamp)
        if (block.timestamp > deadline) revert ConsentExpired(deadline, block.timestamp);
        uint256 nonce = _consentNonce[grantee]++;
        bytes32 digest =
            _hashTypedDataV4(keccak256(abi.encode(GRANT_CONSENT_TYPEHASH, grantee, grantor, nonce, deadline)));
        if (!SignatureChecker.isValidSignatureNow(grantee, digest, signature)) revert InvalidConsentSignature(grantee);
        _consentOf[grantee] = grantor;
        emit GrantConsented(grantee, grantor);
    }

    /// @inheritdoc IQualifiedClientRegistry
    function consentOf(address grantee) external view returns (address) {
        return _consentOf[grantee];
    }

    /// @inheritdoc IQualifiedClientRegistry
    function consentNonce(address grantee) external view returns (uint256) {
        return _consentNonce[grantee];
    }

    // ================================================================== internals

    /// @dev Liveness of `id`'s chain: the first revoked or lapsed node from `id` up to its seed.
    function _status(GrantId id) internal view returns (Reason, GrantId) {
        uint256 w = _records[id].word;
        if (w == 0) return (Reason.NO_GRANT, id);
        for (uint256 i; i <= C.MAX_DEPTH; ++i) {
            if (w.has(GrantWord.FLAG_SEED)) {
                return w.has(GrantWord.FLAG_REVOKED) ? (Reason.SEED_INACTIVE, id) : (Reason.QUALIFIED, GrantId.wrap(0));
            }
            if (w.has(GrantWord.FLAG_REVOKED)) return (i == 0 ? Reason.REVOKED : Reason.ANCESTOR_REVOKED, id);
            if (w.lapsed(block.timestamp)) return (i == 0 ? Reason.EXPIRED : Reason.ANCESTOR_EXPIRED, id);
            id = w.parent();
            w = _records[id].word;
        }
        // unreachable: issuance bounds depth by MAX_DEPTH
        return (Reason.NO_GRANT, id);
    }

    /// @dev The caller's node as a grantor: live, holding KYC power, with room below it.
    function _grantorOf(address account) internal view returns (Grantor memory g) {
        g.id = _nodeOf[account];
        Record storage r = _records[g.id];
        g.word = r.word;
        if (g.word == 0) revert NotAGrantor(account);
        (Reason status,) = _status(g.id);
        if (status != Reason.QUALIFIED) revert GrantorNotLive(g.id, status);
        if (g.word.kycCategories() == 0) revert GrantorLacksKycPower(g.id);
        if (g.word.depth() >= C.MAX_DEPTH) revert TooDeep(g.word.depth() + 1, C.MAX_DEPTH);
        if (!g.word.has(GrantWord.FLAG_ANY_JURISDICTION)) g.kycJurisdictions = r.kycJurisdictions;
    }

    /// @dev A grantee's own category and jurisdiction must be ones the grantor may qualify.
    function _checkOwnKyc(Grantor memory g, uint8 category, bytes2 jurisdiction) internal pure {
        if (category == 0 || category & (category - 1) != 0 || category & ~C.ALL_CATEGORIES != 0) {
            revert InvalidCategory(category);
        }
        if (category & g.word.kycCategories() == 0) revert CategoryBeyondScope(category, g.word.kycCategories());
        if (!JurisdictionSet.isValidCode(jurisdiction)) revert InvalidJurisdiction(jurisdiction);
        if (!g.word.has(GrantWord.FLAG_ANY_JURISDICTION) && !JurisdictionSet.contains(g.kycJurisdictions, jurisdiction)) {
            revert JurisdictionBeyondScope(jurisdiction);
        }
    }

    /// @dev Names the first code of `child` missing from `held`.
    function _checkSubset(bytes32 child, bytes32 held) internal pure {
        if (JurisdictionSet.isSubset(child, held)) return;
        bytes2[] memory codes = JurisdictionSet.unpack(child);
        for (uint256 i; i < codes.length; ++i) {
            if (!JurisdictionSet.contains(held, codes[i])) revert JurisdictionBeyondScope(codes[i]);
        }
    }

    function _checkTerms(address grantee, bytes32 dossierHash, uint40 expiry) internal view {
        if (grantee == address(0)) revert ZeroAddress();
        if (dossierHash == bytes32(0)) revert ZeroDossierHash();
        _checkLease(expiry);
    }

    function _checkLease(uint40 expiry) internal view {
        // leases are days to years long: a validator's seconds of timestamp skew do not matter
        // forge-lint: disable-next-line(block-timestamp)
        if (expiry <= block.timestamp) revert ExpiryInPast(expiry, block.timestamp);
        uint256 maxExpiry = block.timestamp + C.MAX_LEASE;
        if (expiry > maxExpiry) revert LeaseTooLong(expiry, maxExpiry);
    }

    /// @dev The word of grant `id`, refusing unknown ids and seeds.
    function _grantWord(GrantId id) internal view returns (uint256 w) {
        w = _records[id].word;
        if (w == 0) revert UnknownGrant(id);
        if (w.has(GrantWord.FLAG_SEED)) revert NotAGrant(id);
    }

    /// @dev True when node `who` is a strict ancestor of the node whose word is `w`.
    function _isAncestor(GrantId who, uint256 w) internal view returns (bool) {
        if (GrantId.unwrap(who) == 0) return false;
        for (uint256 i; i < C.MAX_DEPTH; ++i) {
            GrantId p = w.parent();
            if (GrantId.unwrap(p) == GrantId.unwrap(who)) return true;
            w = _records[p].word;
            if (w.has(GrantWord.FLAG_SEED)) return false;
        }
        return false;
    }

    /// @dev True when a revocation (or a removed seed) lies on `id`'s chain: nothing can bring
    ///      the node back, so replacing it takes nothing from anyone. A node that is only lapsed
    ///      (itself or an ancestor) is not dead: renewing the lapsed link restores it.
    function _dead(GrantId id) internal view returns (bool) {
        uint256 w = _records[id].word;
        for (uint256 i; i <= C.MAX_DEPTH; ++i) {
            if (w.has(GrantWord.FLAG_REVOKED)) return true;
            if (w.has(GrantWord.FLAG_SEED)) return false;
            w = _records[w.parent()].word;
        }
        return false;
    }

    /// @dev Gives `account` a new node issued by grantor node `grantor` (0: governance adding a
    ///      seed). An account holds one node. A live one blocks the new one. A node that is not
    ///      live is replaced (marked revoked, so its old subtree can never come back) only when
    ///      it is dead for good or was issued by the same grantor node; a merely lapsed node of
    ///      another grantor is that grantor's to renew. A grant needs the grantee's consent to
    ///      the caller unless it re-issues the caller's own lapsed node, so a rival can neither
    ///      replace nor pre-empt (front-run) the grant the account chose.
    function _store(address account, GrantId grantor, uint256 word, bytes32 dossierHash, bytes32 kycJurisdictions)
        internal
        returns (GrantId id)
    {
        GrantId previous = _nodeOf[account];
        bool superseded;
        bool reissue;
        if (GrantId.unwrap(previous) != 0) {
            uint256 pw = _records[previous].word;
            if (!pw.has(GrantWord.FLAG_REVOKED)) {
                (Reason status,) = _status(previous);
                if (status == Reason.QUALIFIED) revert AlreadyGranted(account, previous);
                // a lapsed lease of the caller's own grant: re-issuing it is the grantor's renewal
                reissue = GrantId.unwrap(grantor) != 0 && !pw.has(GrantWord.FLAG_SEED)
                    && GrantId.unwrap(pw.parent()) == GrantId.unwrap(grantor);
                if (!reissue && !_dead(previous)) revert HeldByAnotherGrantor(account, previous);
                _records[previous].word = pw | GrantWord.FLAG_REVOKED;
                superseded = true;
            }
        }
        if (GrantId.unwrap(grantor) != 0 && !reissue) {
            if (_consentOf[account] != msg.sender) revert NoConsent(account, msg.sender);
            // one consent, one grant: a later revocation cannot be undone with the same consent
            delete _consentOf[account];
        }
        id = GrantId.wrap(++_count);
        Record storage r = _records[id];
        r.word = word;
        r.grantee = account;
        if (dossierHash != bytes32(0)) r.dossierHash = dossierHash;
        if (kycJurisdictions != bytes32(0)) r.kycJurisdictions = kycJurisdictions;
        _nodeOf[account] = id;
        if (superseded) emit GrantSuperseded(previous, id, account);
    }

    function _emitIssued(GrantId id, GrantWord.Fields memory f, address grantee, bytes32 dossierHash, bool renewable)
        internal
    {
        emit GrantIssued(
            id,
            f.parent,
            grantee,
            msg.sender,
            f.services,
            f.category,
            f.jurisdiction,
            dossierHash,
            f.expiry,
            renewable
        );
    }
}
