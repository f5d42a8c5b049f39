// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.24;

import {IQualification} from "./IQualification.sol";

/// @notice Identifier of a node of the authorization forest: a seed authority or a grant.
/// @dev Ids are issued once, in order, from 1, and never reused; 0 means "none". A grant
///      points at its parent's id, so a re-issued grant (new id) cannot revive the
///      descendants of a revoked one.
type GrantId is uint32;

/// @notice Why an account is, or is not, qualified (SPEC §A). Liveness reasons come before
///         scope reasons: a revoked provider's client reads ANCESTOR_REVOKED even when the
///         question was also out of its scope.
enum Reason {
    QUALIFIED,
    NO_GRANT,
    EXPIRED,
    REVOKED,
    ANCESTOR_REVOKED,
    ANCESTOR_EXPIRED,
    SEED_INACTIVE,
    OUT_OF_SCOPE_SERVICE,
    OUT_OF_SCOPE_CATEGORY,
    OUT_OF_SCOPE_JURISDICTION
}

/// @notice What a seed authority (or a provider holding KYC power) grants a service provider.
/// @param services Service permission bits (`Service.*`), non-empty.
/// @param category The provider's own client category, exactly one `Category.*` bit.
/// @param jurisdiction The provider's own jurisdiction (ISO 3166-1 alpha-2, upper case).
/// @param kycCategories Client categories the provider may qualify; 0 = no KYC power.
/// @param kycJurisdictions Jurisdictions the provider may qualify clients in (at most 16
///        distinct codes), or the single entry `bytes2(0)` for "any"; empty when
///        `kycCategories` is 0.
struct ProviderScope {
    uint8 services;
    uint8 category;
    bytes2 jurisdiction;
    uint8 kycCategories;
    bytes2[] kycJurisdictions;
}

/// @notice Everything the registry stores about one node, for off-chain readers (KYC service,
///         CLI `compliance check`). No personal data: only the dossier commitment.
struct GrantView {
    GrantId id;
    GrantId parent;
    address grantee;
    address grantor;
    uint8 depth;
    bool isSeed;
    bool revoked;
    bool renewable;
    uint8 services;
    uint8 category;
    bytes2 jurisdiction;
    uint8 kycCategories;
    bool kycAnyJurisdiction;
    bytes2[] kycJurisdictions;
    bytes32 dossierHash;
    uint40 issuedAt;
    uint40 expiry;
    Reason status;
}

/// @title IQualifiedClientRegistry
/// @notice The Qualified Client Protocol (SPEC §A): a forest of authorization trees, one per
///         seed authority. Seeds grant service providers service permissions and, separately,
///         KYC power scoped to client categories and jurisdictions; providers with KYC power
///         qualify clients (and sub-providers) within their own scope, at most 4 grants below
///         a seed. Grants are leases: they expire, can be renewed, and can be revoked by the
///         grantor, any ancestor, or governance. Revoking or letting a grant lapse disqualifies
///         its whole subtree at a cost that does not depend on the subtree's size.
/// @dev Each account holds at most one node (its current seed or grant). A client's services
///      are its provider's services at issue time; scope is immutable after issue, so only
///      liveness (revoked, expired, seed active) is re-checked along the chain by the view.
///      Warning: one node per account: a client served by two providers needs one grant (the
///      second provider is refused with `AlreadyGranted` while the first grant is live).
///      Warning: narrowing a provider's scope means revoking and re-granting it, which
///      disqualifies everything beneath it (by design: nothing is re-checked against a new scope).
///      Warning: leases use `block.timestamp`; validators' skew of seconds is immaterial to
///      leases of days or more. An ancestor's lapse suspends the subtree; renewing the ancestor
///      restores it, while revocation (and seed removal) is final.
///      Trees cannot touch each other: a new node replaces an account's old one only when the
///      old one is dead for good (revoked itself or through an ancestor, or its seed removed) or
///      was issued by the same grantor node (its lapsed lease re-issued). A lapsed node of
///      another grantor is renewed by that grantor, never replaced, so a lapse of a minute
///      cannot hand a bank and its clients to a rival tree. And every grant that does not
///      re-issue the same grantor's lapsed node needs the grantee's consent to that grantor
///      (`consent` or `consentBySig`), so nobody can front-run a first grant and capture the
///      account in another tree.
interface IQualifiedClientRegistry is IQualification {
    // ------------------------------------------------------------------ events

    /// @notice Emitted when governance adds a seed authority, the root of a new tree.
    event SeedAdded(address indexed seed, GrantId indexed id);

    /// @notice Emitted when governance removes a seed authority; its whole tree is disqualified.
    event SeedRemoved(address indexed seed, GrantId indexed id);

    /// @notice Emitted when a grant (provider or client) is issued.
    /// @param grantor The account holding `parent` (a seed or a provider).
    event GrantIssued(
        GrantId indexed id,
        GrantId indexed parent,
        address indexed grantee,
        address grantor,
        uint8 services,
        uint8 category,
        bytes2 jurisdiction,
        bytes32 dossierHash,
        uint40 expiry,
        bool renewable
    );

    /// @notice Emitted with `GrantIssued` when the grant carries KYC power.
    /// @param kycJurisdictions `[bytes2(0)]` means any jurisdiction.
    event KycPowerGranted(GrantId indexed id, uint8 kycCategories, bytes2[] kycJurisdictions);

    /// @notice Emitted when a grant's lease is renewed (and its dossier commitment refreshed).
    event GrantRenewed(GrantId indexed id, address indexed by, uint40 expiry, bytes32 dossierHash);

    /// @notice Emitted when a grant is revoked; every grant beneath it is disqualified with it.
    event GrantRevoked(GrantId indexed id, address indexed by);

    /// @notice Emitted when an account whose previous node was no longer live receives a new
    ///         one; the old node is marked revoked so nothing issued under it can come back.
    event GrantSuperseded(GrantId indexed previous, GrantId indexed replacement, address indexed account);

    /// @notice Emitted when `grantee` consents to receive its next grant from `grantor`
    ///         (`address(0)`: consent withdrawn). A grant consumes the consent.
    event GrantConsented(address indexed grantee, address indexed grantor);

    // ------------------------------------------------------------------ errors

    /// @notice Thrown when a governance-only function is called by anyone else.
    error NotGovernance(address caller);

    /// @notice Thrown when the caller holds no seed or grant from which to issue or renew.
    error NotAGrantor(address caller);

    /// @notice Thrown when the caller is neither an ancestor of the grant nor governance.
    error NotAuthorizedToRevoke(address caller, GrantId id);

    /// @notice Thrown when the caller is not the direct grantor of the grant it tries to renew.
    error NotAuthorizedToRenew(address caller, GrantId id);

    /// @notice Thrown when an account argument is the zero address.
    error ZeroAddress();

    /// @notice Thrown when a grant is issued without a dossier commitment.
    error ZeroDossierHash();

    /// @notice Thrown when a lease would end at or before the current block time.
    error ExpiryInPast(uint40 expiry, uint256 nowTimestamp);

    /// @notice Thrown when a lease would end later than `MAX_LEASE` from now.
    error LeaseTooLong(uint40 expiry, uint256 maxExpiry);

    /// @notice Thrown when a grant id does not exist.
    error UnknownGrant(GrantId id);

    /// @notice Thrown when a seed id is passed where a grant is expected (use `removeSeed`).
    error NotAGrant(GrantId id);

    /// @notice Thrown when the grantor's own node is revoked, expired, or under a dead ancestor.
    error GrantorNotLive(GrantId grantor, Reason reason);

    /// @notice Thrown when a grantor without KYC power tries to issue a grant.
    error GrantorLacksKycPower(GrantId grantor);

    /// @notice Thrown when a grant would sit more than `MAX_DEPTH` levels below its seed.
    error TooDeep(uint8 depth, uint8 maxDepth);

    /// @notice Thrown when requested services are not all held by the grantor.
    error ServicesBeyondScope(uint8 requested, uint8 held);

    /// @notice Thrown when a category (own or KYC) is not within the grantor's KYC categories.
    error CategoryBeyondScope(uint8 requested, uint8 held);

    /// @notice Thrown when a jurisdiction (own or KYC) is not within the grantor's KYC jurisdictions.
    error JurisdictionBeyondScope(bytes2 jurisdiction);

    /// @notice Thrown when a services mask is empty or has unknown bits.
    error InvalidServices(uint8 services);

    /// @notice Thrown when a grantee's category is not exactly one known category bit.
    error InvalidCategory(uint8 category);

    /// @notice Thrown when a KYC category mask has unknown bits.
    error InvalidKycCategories(uint8 kycCategories);

    /// @notice Thrown when a jurisdiction is not two upper-case ASCII letters.
    error InvalidJurisdiction(bytes2 jurisdiction);

    /// @notice Thrown when a KYC jurisdiction list is empty with KYC power, non-empty without
    ///         it, longer than 16, repeats a code, or mixes "any" with codes.
    error InvalidKycJurisdictions();

    /// @notice Thrown when the grantee already holds a live grant or is an active seed.
    error AlreadyGranted(address account, GrantId id);

    /// @notice Thrown when a grant would replace an account's lapsed node issued by another
    ///         grantor: that node's grantor renews it; it is never replaced from outside.
    error HeldByAnotherGrantor(address account, GrantId id);

    /// @notice Thrown when a grant needs the grantee's consent to the caller and has none.
    error NoConsent(address grantee, address grantor);

    /// @notice Thrown when a consent signature is past its deadline.
    error ConsentExpired(uint256 deadline, uint256 nowTimestamp);

    /// @notice Thrown when a consent signature is not the grantee's.
    error InvalidConsentSignature(address grantee);

    /// @notice Thrown when revoking or renewing a grant that is already revoked.
    error GrantAlreadyRevoked(GrantId id);

    /// @notice Thrown when renewing a grant issued as non-renewable.
    error NotRenewable(GrantId id);

    /// @notice Thrown when removing an account that is not an active seed.
    error NotASeed(address account);

    // ------------------------------------------------------------------ governance

    /// @notice The governance timelock: adds/removes seeds and may revoke any grant.
    function governance() external view returns (address);

    /// @notice Adds `seed` as a seed authority heading a new, empty tree.
    /// @dev Warning: a removed seed re-added gets a new id; its old tree stays dead.
    function addSeed(address seed) external returns (GrantId id);

    /// @notice Removes seed authority `seed`; every grant in its tree stops qualifying.
    function removeSeed(address seed) external;

    // ------------------------------------------------------------------ grants

    /// @notice Grants `provider` service permissions and (optionally) KYC power, as the caller's
    ///         seed or live provider grant. Every part of `scope` must lie within the caller's.
    function grantProvider(
        address provider,
        ProviderScope calldata scope,
        bytes32 dossierHash,
        uint40 expiry,
        bool renewable
    ) external returns (GrantId id);

    /// @notice Qualifies `client` (category, jurisdiction) under the caller's live grant holding
    ///         KYC power. The client's services are the caller's services.
    /// @param category Exactly one `Category.*` bit, within the caller's KYC categories.
    /// @param jurisdiction Within the caller's KYC jurisdictions.
    function grantClient(
        address client,
        uint8 category,
        bytes2 jurisdiction,
        bytes32 dossierHash,
        uint40 expiry,
        bool renewable
    ) external returns (GrantId id);

    /// @notice Extends (or shortens) the lease of grant `id`; only its direct grantor, itself live.
    /// @param dossierHash The refreshed dossier commitment, or `bytes32(0)` to keep the current one.
    function renew(GrantId id, uint40 expiry, bytes32 dossierHash) external;

    /// @notice Revokes grant `id` and, in O(1), everything beneath it. Callable by any ancestor
    ///         (grantor up to the seed), governance, or the grant's own holder (renouncing it, so
    ///         it may take a grant elsewhere). Irreversible.
    function revoke(GrantId id) external;

    // ------------------------------------------------------------------ consent

    /// @notice The caller consents to receive its next grant from `grantor` (`address(0)`
    ///         withdraws a standing consent). Needed for a first grant, for a grant after the
    ///         caller's node was revoked, and for any grant from a new grantor.
    function consent(address grantor) external;

    /// @notice The same consent, signed by `grantee` (EIP-712 `GrantConsent`, or ERC-1271 for a
    ///         contract account) and submitted by anyone, e.g. the provider's KYC service.
    /// @param deadline Last timestamp at which the signature may be used (seconds).
    function consentBySig(address grantee, address grantor, uint256 deadline, bytes calldata signature) external;

    /// @notice The grantor `grantee` has consented to, or `address(0)`.
    function consentOf(address grantee) external view returns (address);

    /// @notice The nonce the next `GrantConsent` signature of `grantee` must carry.
    function consentNonce(address grantee) external view returns (uint256);

    /// @notice The EIP-712 type hash of `GrantConsent(address grantee,address grantor,uint256 nonce,uint256 deadline)`.
    // forge-lint: disable-next-line(mixed-case-function)
    function GRANT_CONSENT_TYPEHASH() external view returns (bytes32);

    // ------------------------------------------------------------------ views

    /// @notice Like `isQualified`, but says why not, and which node failed (0 when none).
    function qualification(address account, uint8 service, uint8 categoryMask, bytes2 jurisdiction)
        external
        view
        returns (Reason reason, GrantId failing);

    /// @notice Liveness of node `id`'s chain: QUALIFIED when it and all its ancestors are live.
    function grantStatus(GrantId id) external view returns (Reason reason, GrantId failing);

    /// @notice The current node (seed or grant) of `account`; 0 when it never held one.
    function grantOf(address account) external view returns (GrantId);

    /// @notice The full record of node `id`.
    function getGrant(GrantId id) external view returns (GrantView memory);

    /// @notice The full record of `account`'s current node (reverts `UnknownGrant(0)` when none).
    function getGrantOf(address account) external view returns (GrantView memory);

    /// @notice True when `account` is an active seed authority.
    function isSeed(address account) external view returns (bool);

    /// @notice Number of nodes (seeds and grants) ever issued; ids run from 1 to this.
    function grantCount() external view returns (uint256);
}
