// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.24;

// Test code: casts, shifts and timestamps here build fixtures and fuzz inputs on purpose.
// forge-lint: disable-start(unsafe-typecast, incorrect-shift, block-timestamp)

import {Test} from "forge-std/Test.sol";
import {QualifiedClientRegistry} from "../../../src/compliance/QualifiedClientRegistry.sol";
import {GrantId, ProviderScope, Reason} from "../../../src/compliance/IQualifiedClientRegistry.sol";

/// @notice Drives the registry with seeds, grants, renewals, revocations and time, and keeps an
///         independent ghost model of the forest built only from the handler's own inputs.
/// @dev Every action predicts from the ghost whether the registry must accept it, calls it,
///      and fails (reverts, caught by `fail_on_revert`) when registry and model disagree.
///      The ghost's rules are written out here from SPEC §A, not taken from the contract.
contract RegistryHandler is Test {
    struct Node {
        uint32 parent;
        address grantee;
        uint40 expiry;
        bool revoked;
        bool isSeed;
        bool renewable;
        uint8 services;
        uint8 category;
        bytes2 jurisdiction;
        uint8 kycCategories;
        bool anyJurisdiction;
        bytes2[] kycJurisdictions;
        uint8 depth;
    }

    uint256 internal constant ACTORS = 16;
    uint8 internal constant ALL_SERVICES = 0x0f;
    uint8 internal constant ALL_CATEGORIES = 0x07;
    uint256 internal constant MAX_LEASE = 5 * 365 days;

    QualifiedClientRegistry public immutable registry;
    address public immutable governance;

    address[ACTORS] internal _actors;
    bytes2[4] internal _codes = [bytes2("DE"), bytes2("FR"), bytes2("US"), bytes2("JP")];

    mapping(uint32 => Node) internal _nodes;
    mapping(address => uint32) internal _current;
    uint32 public ghostCount;
    uint8 public deepestIssued;
    /// @dev The grantor each account last consented to (issue 7: no grant without consent).
    mapping(address => address) internal _consentTo;
    /// @dev Times an action by one tree changed the state of a node of another tree (must stay 0).
    uint256 public crossTreeChanges;
    string public lastCrossTreeChange;

    /// @dev A node's state as the registry reports it: qualified, suspended by a lapse somewhere
    ///      on its chain (renewing brings it back), or dead for good (a revocation on its chain).
    uint8 internal constant LIVE = 1;
    uint8 internal constant SUSPENDED = 2;
    uint8 internal constant DEAD = 3;

    // call statistics (for the run summary and to show the run was productive)
    mapping(string => uint256) public calls;

    constructor(QualifiedClientRegistry registry_, address governance_) {
        registry = registry_;
        governance = governance_;
        for (uint256 i; i < ACTORS; ++i) {
            _actors[i] = address(uint160(0xA11CE000 + i));
        }
    }

    // ================================================================ ghost model

    function actors() external view returns (address[ACTORS] memory) {
        return _actors;
    }

    function codes() external view returns (bytes2[4] memory) {
        return _codes;
    }

    function currentOf(address account) external view returns (uint32) {
        return _current[account];
    }

    function depthOf(uint32 id) external view returns (uint8) {
        return _nodes[id].depth;
    }

    /// @notice The node and all its ancestors are unrevoked and unexpired, up to an active seed.
    function ghostLive(uint32 id) public view returns (bool) {
        if (id == 0) return false;
        // a chain is at most 5 nodes; 8 leaves room to notice a corrupted (cyclic) model
        for (uint256 i; i < 8; ++i) {
            Node storage n = _nodes[id];
            if (n.revoked) return false;
            if (n.isSeed) return true;
            if (n.expiry <= block.timestamp) return false;
            id = n.parent;
        }
        return false;
    }

    /// @notice A revocation (or removed seed) lies on the node's chain: nothing can revive it.
    function ghostDead(uint32 id) public view returns (bool) {
        for (uint256 i; i < 8 && id != 0; ++i) {
            Node storage n = _nodes[id];
            if (n.revoked) return true;
            if (n.isSeed) return false;
            id = n.parent;
        }
        return false;
    }

    /// @notice The seed node heading `id`'s tree.
    function rootOf(uint32 id) public view returns (uint32) {
        for (uint256 i; i < 8 && id != 0; ++i) {
            if (_nodes[id].isSeed) return id;
            id = _nodes[id].parent;
        }
        return 0;
    }

    /// @notice Every link child -> parent lies within the parent's scope, all the way up.
    function ghostChainInScope(uint32 id) public view returns (bool) {
        for (uint256 i; i < 8; ++i) {
            Node storage n = _nodes[id];
            if (n.isSeed) return true;
            Node storage p = _nodes[n.parent];
            if (n.depth != p.depth + 1 || n.depth > 4) return false;
            if (!_within(n, p)) return false;
            id = n.parent;
        }
        return false;
    }

    /// @notice The model's answer to isQualified.
    function ghostQualified(address account, uint8 service, uint8 mask, bytes2 j) public view returns (bool) {
        uint32 id = _current[account];
        if (id == 0) return false;
        Node storage n = _nodes[id];
        if (n.isSeed) return false;
        if (n.services & service == 0 || n.category & mask == 0) return false;
        if (j != bytes2(0) && n.jurisdiction != j) return false;
        return ghostLive(id) && ghostChainInScope(id);
    }

    function _within(Node storage n, Node storage p) internal view returns (bool) {
        if (p.kycCategories == 0) return false;
        if (n.services == 0 || n.services & ~p.services != 0) return false;
        if (n.category & p.kycCategories == 0) return false;
        if (n.kycCategories & ~p.kycCategories != 0) return false;
        if (!p.anyJurisdiction) {
            if (!_inList(p.kycJurisdictions, n.jurisdiction)) return false;
            if (n.anyJurisdiction) return false;
            for (uint256 i; i < n.kycJurisdictions.length; ++i) {
                if (!_inList(p.kycJurisdictions, n.kycJurisdictions[i])) return false;
            }
        }
        return true;
    }

    function _inList(bytes2[] storage list, bytes2 code) internal view returns (bool) {
        for (uint256 i; i < list.length; ++i) {
            if (list[i] == code) return true;
        }
        return false;
    }

    function _isGhostAncestor(uint32 who, uint32 target) internal view returns (bool) {
        if (who == 0) return false;
        uint32 id = _nodes[target].parent;
        for (uint256 i; i < 8 && id != 0; ++i) {
            if (id == who) return true;
            id = _nodes[id].parent;
        }
        return false;
    }

    /// @dev A new node for `account` from grantor node `gid` (0: governance adding a seed). A
    ///      live node blocks it; a node dead for good is replaced; a lapsed node only by its own
    ///      grantor (a lapse is renewed, never taken over by another grantor or tree).
    function _canReceive(address account, uint32 gid) internal view returns (bool) {
        uint32 prev = _current[account];
        if (prev == 0 || ghostDead(prev)) return true;
        if (ghostLive(prev)) return false;
        return _reissue(account, gid);
    }

    /// @dev The grantor re-issues its own grant whose lease lapsed: the one grant that needs no
    ///      fresh consent (the grantee consented to this grantor already).
    function _reissue(address account, uint32 gid) internal view returns (bool) {
        uint32 prev = _current[account];
        Node storage p = _nodes[prev];
        return gid != 0 && prev != 0 && !p.isSeed && !p.revoked && !ghostLive(prev) && p.parent == gid;
    }

    function _consentOk(address account, uint32 gid, address grantor) internal view returns (bool) {
        return _reissue(account, gid) || _consentTo[account] == grantor;
    }

    function _useConsent(address account, uint32 gid) internal {
        // called before _record, while the previous node is still current
        if (!_reissue(account, gid)) delete _consentTo[account];
    }

    function _record(address account, Node memory n) internal returns (uint32 id) {
        uint32 prev = _current[account];
        if (prev != 0) _nodes[prev].revoked = true; // superseded (or already revoked)
        id = ++ghostCount;
        Node storage s = _nodes[id];
        s.parent = n.parent;
        s.grantee = account;
        s.expiry = n.expiry;
        s.isSeed = n.isSeed;
        s.renewable = n.renewable;
        s.services = n.services;
        s.category = n.category;
        s.jurisdiction = n.jurisdiction;
        s.kycCategories = n.kycCategories;
        s.anyJurisdiction = n.anyJurisdiction;
        for (uint256 i; i < n.kycJurisdictions.length; ++i) {
            s.kycJurisdictions.push(n.kycJurisdictions[i]);
        }
        s.depth = n.depth;
        _current[account] = id;
        if (n.depth > deepestIssued) deepestIssued = n.depth;
    }

    // ================================================================ input shaping

    function _actor(uint256 seed_) internal view returns (address) {
        return _actors[seed_ % ACTORS];
    }

    /// @dev Mostly an actor that can grant (live, with KYC power); half of those times the
    ///      deepest such actor, so trees reach the depth limit (and a depth-4 grantor's refusal
    ///      is exercised); sometimes anyone.
    function _grantor(uint256 seed_) internal view returns (address) {
        if (seed_ % 8 == 0) return _actor(seed_ >> 3);
        bool deepest = (seed_ >> 3) % 2 == 0;
        uint256 start = (seed_ >> 4) % ACTORS;
        address best;
        uint8 bestDepth;
        for (uint256 k; k < ACTORS; ++k) {
            address a = _actors[(start + k) % ACTORS];
            uint32 id = _current[a];
            if (!ghostLive(id) || _nodes[id].kycCategories == 0) continue;
            if (!deepest) return a;
            if (best == address(0) || _nodes[id].depth > bestDepth) {
                best = a;
                bestDepth = _nodes[id].depth;
            }
        }
        return best == address(0) ? _actor(seed_ >> 3) : best;
    }

    /// @dev Mostly an actor free to receive a node (none, or a dead one); sometimes anyone.
    function _grantee(uint256 seed_) internal view returns (address) {
        if (seed_ % 8 == 5) return _actor(seed_ >> 3);
        uint256 start = (seed_ >> 3) % ACTORS;
        for (uint256 k; k < ACTORS; ++k) {
            address a = _actors[(start + k) % ACTORS];
            uint32 prev = _current[a];
            if (prev == 0 || ghostDead(prev)) return a;
        }
        return _actor(seed_ >> 3);
    }

    /// @dev Mostly some actor's current grant, sometimes any id ever issued (or one past).
    function _target(uint256 seed_) internal view returns (uint32) {
        if (ghostCount == 0) return 0;
        if (seed_ % 4 != 0) {
            uint256 start = (seed_ >> 2) % ACTORS;
            for (uint256 k; k < ACTORS; ++k) {
                uint32 id = _current[_actors[(start + k) % ACTORS]];
                if (id != 0 && !_nodes[id].isSeed) return id;
            }
        }
        return uint32(bound(seed_ >> 2, 1, ghostCount + 1)); // ghostCount + 1: an unknown id
    }

    // Fuzz inputs cluster on edge values (0, 1, max), so "sometimes arbitrary" keys on a residue
    // (x % 8 == 5) that those values avoid.

    /// @dev Mostly inside the grantor's scope, sometimes arbitrary (to exercise refusals).
    function _shape(uint8 raw, uint8 held, uint8 valid) internal pure returns (uint8 v) {
        if (raw % 8 == 5) return raw; // 1 in 8: arbitrary, possibly beyond scope or invalid
        v = raw & held & valid;
        if (v == 0) v = held & valid;
    }

    function _oneBit(uint8 raw, uint8 allowed) internal pure returns (uint8) {
        if (raw % 8 == 5) return raw; // 1 in 8: arbitrary
        for (uint256 k; k < 3; ++k) {
            uint8 bit = uint8(1 << ((raw + k) % 3));
            if (bit & allowed != 0) return bit;
        }
        return uint8(1 << (raw % 3));
    }

    function _jurisdictionFor(uint32 grantorId, uint8 raw) internal view returns (bytes2) {
        Node storage g = _nodes[grantorId];
        if (raw % 8 == 5 || g.anyJurisdiction || g.kycJurisdictions.length == 0) return _codes[raw % 4];
        return g.kycJurisdictions[raw % g.kycJurisdictions.length];
    }

    function _lease(uint256 raw) internal view returns (uint40) {
        if (raw % 16 == 5) return uint40(block.timestamp); // 1 in 16 refused: not in the future
        return uint40(block.timestamp + bound(raw, 1 days, 2 * 365 days));
    }

    // ================================================================ actions

    function addSeed(uint256 actorSeed) external {
        address a = _actor(actorSeed);
        bool ok = _canReceive(a, 0);
        uint8[] memory before = _states();
        vm.prank(governance);
        try registry.addSeed(a) returns (GrantId id) {
            require(ok, "registry added a seed the model refuses");
            Node memory n;
            n.isSeed = true;
            n.expiry = type(uint40).max;
            n.services = ALL_SERVICES;
            n.kycCategories = ALL_CATEGORIES;
            n.anyJurisdiction = true;
            require(GrantId.unwrap(id) == _record(a, n), "seed id");
            ++calls["addSeed.ok"];
            // a new seed is a new tree: only the account's own (dead) node may change state
            _checkOtherTrees(before, GrantId.unwrap(id), "addSeed");
        } catch {
            require(!ok, "registry refused a seed the model accepts");
            ++calls["addSeed.refused"];
        }
    }

    function removeSeed(uint256 actorSeed) external {
        address a = _actor(actorSeed);
        uint32 id = _current[a];
        bool ok = id != 0 && _nodes[id].isSeed && !_nodes[id].revoked;
        uint8[] memory before = _states();
        vm.prank(governance);
        try registry.removeSeed(a) {
            require(ok, "registry removed a seed the model refuses");
            _nodes[id].revoked = true;
            ++calls["removeSeed.ok"];
            _checkOtherTrees(before, id, "removeSeed");
        } catch {
            require(!ok, "registry refused a removal the model accepts");
            ++calls["removeSeed.refused"];
        }
    }

    struct ProviderArgs {
        uint256 grantorSeed;
        uint256 granteeSeed;
        uint8 services;
        uint8 category;
        uint8 jurisdiction;
        uint8 kycCategories;
        uint8 kycPick;
        uint256 lease;
        bool renewable;
    }

    function grantProvider(ProviderArgs memory a) external {
        address grantor = _grantor(a.grantorSeed);
        address grantee = _grantee(a.granteeSeed);
        uint32 gid = _current[grantor];
        Node storage g = _nodes[gid];

        Node memory n;
        n.parent = gid;
        n.depth = g.depth + 1;
        n.expiry = _lease(a.lease);
        n.renewable = a.renewable;
        n.services = _shape(a.services, g.services, ALL_SERVICES);
        n.category = _oneBit(a.category, g.kycCategories);
        n.jurisdiction = _jurisdictionFor(gid, a.jurisdiction);
        n.kycCategories = a.kycCategories % 8 == 0 ? 0 : _shape(a.kycCategories, g.kycCategories, ALL_CATEGORIES);
        if (n.kycCategories != 0) {
            if (a.kycPick == 0 && g.anyJurisdiction) {
                n.anyJurisdiction = true;
                n.kycJurisdictions = new bytes2[](1); // [bytes2(0)] = any
            } else {
                n.kycJurisdictions = _pickList(gid, a.kycPick);
            }
        }

        _maybeConsent(grantee, grantor, a.kycPick);
        bool ok = _providerOk(gid, grantee, n) && _consentOk(grantee, gid, grantor);
        uint8[] memory before = _states();
        ProviderScope memory scope = ProviderScope(n.services, n.category, n.jurisdiction, n.kycCategories, n.kycJurisdictions);
        vm.prank(grantor);
        try registry.grantProvider(grantee, scope, keccak256(abi.encode(grantee, ghostCount)), n.expiry, n.renewable)
        returns (GrantId id) {
            require(ok, "registry granted a provider the model refuses");
            if (n.anyJurisdiction) n.kycJurisdictions = new bytes2[](0);
            _useConsent(grantee, gid);
            require(GrantId.unwrap(id) == _record(grantee, n), "grant id");
            ++calls["grantProvider.ok"];
        } catch {
            require(!ok, "registry refused a provider grant the model accepts");
            ++calls["grantProvider.refused"];
        }
        _checkOtherTrees(before, rootOf(gid), "grantProvider");
    }

    /// @dev A list drawn from the grantor's jurisdictions (or any code), possibly with one
    ///      code from outside, possibly empty.
    function _pickList(uint32 gid, uint8 pick) internal view returns (bytes2[] memory list) {
        Node storage g = _nodes[gid];
        bytes2[] memory pool = g.anyJurisdiction || pick % 8 == 5 ? _codesMemory() : g.kycJurisdictions;
        uint256 n;
        for (uint256 i; i < pool.length; ++i) {
            if (pick & (1 << i) != 0) ++n;
        }
        list = new bytes2[](n);
        uint256 k;
        for (uint256 i; i < pool.length; ++i) {
            if (pick & (1 << i) != 0) list[k++] = pool[i];
        }
    }

    function _codesMemory() internal view returns (bytes2[] memory m) {
        m = new bytes2[](4);
        for (uint256 i; i < 4; ++i) {
            m[i] = _codes[i];
        }
    }

    function _validCode(bytes2 c) internal pure returns (bool) {
        return uint8(c[0]) >= 0x41 && uint8(c[0]) <= 0x5a && uint8(c[1]) >= 0x41 && uint8(c[1]) <= 0x5a;
    }

    function _grantorOk(uint32 gid) internal view returns (bool) {
        Node storage g = _nodes[gid];
        return gid != 0 && ghostLive(gid) && g.kycCategories != 0 && g.depth < 4;
    }

    function _ownOk(uint32 gid, Node memory n) internal view returns (bool) {
        Node storage g = _nodes[gid];
        bool oneCategory = n.category != 0 && n.category & (n.category - 1) == 0 && n.category & ~ALL_CATEGORIES == 0;
        if (!oneCategory || n.category & g.kycCategories == 0) return false;
        if (!_validCode(n.jurisdiction)) return false;
        if (!g.anyJurisdiction && !_inList(g.kycJurisdictions, n.jurisdiction)) return false;
        if (n.expiry <= block.timestamp || n.expiry > block.timestamp + MAX_LEASE) return false;
        return true;
    }

    function _providerOk(uint32 gid, address grantee, Node memory n) internal view returns (bool) {
        if (!_grantorOk(gid) || !_canReceive(grantee, gid) || !_ownOk(gid, n)) return false;
        Node storage g = _nodes[gid];
        if (n.services == 0 || n.services & ~ALL_SERVICES != 0 || n.services & ~g.services != 0) return false;
        if (n.kycCategories & ~ALL_CATEGORIES != 0 || n.kycCategories & ~g.kycCategories != 0) return false;
        if (n.kycCategories == 0) return n.kycJurisdictions.length == 0;
        if (n.anyJurisdiction) return g.anyJurisdiction;
        if (n.kycJurisdictions.length == 0) return false;
        for (uint256 i; i < n.kycJurisdictions.length; ++i) {
            if (!g.anyJurisdiction && !_inList(g.kycJurisdictions, n.kycJurisdictions[i])) return false;
        }
        return true; // codes come from a list of distinct valid codes
    }

    function grantClient(
        uint256 grantorSeed,
        uint256 granteeSeed,
        uint8 category,
        uint8 jurisdiction,
        uint256 lease,
        bool renewable
    ) external {
        address grantor = _grantor(grantorSeed);
        address grantee = _grantee(granteeSeed);
        uint32 gid = _current[grantor];
        Node storage g = _nodes[gid];

        Node memory n;
        n.parent = gid;
        n.depth = g.depth + 1;
        n.expiry = _lease(lease);
        n.renewable = renewable;
        n.services = g.services;
        n.category = _oneBit(category, g.kycCategories);
        n.jurisdiction = _jurisdictionFor(gid, jurisdiction);

        _maybeConsent(grantee, grantor, category ^ jurisdiction);
        bool ok = _grantorOk(gid) && _canReceive(grantee, gid) && _ownOk(gid, n) && _consentOk(grantee, gid, grantor);
        uint8[] memory before = _states();
        vm.prank(grantor);
        try registry.grantClient(
            grantee, n.category, n.jurisdiction, keccak256(abi.encode(grantee, ghostCount)), n.expiry, renewable
        ) returns (GrantId id) {
            require(ok, "registry qualified a client the model refuses");
            _useConsent(grantee, gid);
            require(GrantId.unwrap(id) == _record(grantee, n), "grant id");
            ++calls["grantClient.ok"];
        } catch {
            require(!ok, "registry refused a client grant the model accepts");
            ++calls["grantClient.refused"];
        }
        _checkOtherTrees(before, rootOf(gid), "grantClient");
    }

    function renew(uint256 targetSeed, uint256 lease, uint256 callerSeed) external {
        uint32 id = _target(targetSeed);
        Node storage n = _nodes[id];
        address caller = callerSeed % 4 != 0 && id != 0 ? _nodes[n.parent].grantee : _actor(callerSeed >> 2);
        uint40 expiry = _lease(lease);
        bool ok = id != 0 && !n.isSeed && !n.revoked && n.renewable && n.parent != 0 && _current[caller] == n.parent
            && ghostLive(n.parent) && expiry > block.timestamp && expiry <= block.timestamp + MAX_LEASE;
        uint8[] memory before = _states();
        vm.prank(caller);
        try registry.renew(GrantId.wrap(id), expiry, bytes32(0)) {
            require(ok, "registry renewed what the model refuses");
            n.expiry = expiry;
            ++calls["renew.ok"];
        } catch {
            require(!ok, "registry refused a renewal the model accepts");
            ++calls["renew.refused"];
        }
        _checkOtherTrees(before, rootOf(_current[caller]), "renew");
    }

    function revoke(uint256 targetSeed, uint256 callerSeed) external {
        uint32 id = _target(targetSeed);
        Node storage n = _nodes[id];
        address caller;
        uint256 mode = callerSeed % 4;
        if (mode == 0) {
            caller = governance;
        } else if (mode == 1 || id == 0) {
            // an arbitrary actor, half the time the node's own holder (renouncing)
            caller = (callerSeed >> 2) % 2 == 0 && id != 0 && id <= ghostCount ? n.grantee : _actor(callerSeed >> 3);
        } else {
            // an ancestor (possibly one that has since moved on to another node)
            uint32 up = n.parent;
            for (uint256 k = (callerSeed >> 2) % 4; k > 0 && _nodes[up].parent != 0; --k) {
                up = _nodes[up].parent;
            }
            caller = up == 0 ? _actor(callerSeed >> 2) : _nodes[up].grantee;
        }
        bool exists = id != 0 && id <= ghostCount;
        bool ok = exists && !n.isSeed && !n.revoked
            && (caller == governance || _current[caller] == id || _isGhostAncestor(_current[caller], id));
        // governance acts on the target's tree; anyone else acts as a member of its own
        uint32 acting = caller == governance ? rootOf(id) : rootOf(_current[caller]);
        uint8[] memory before = _states();
        vm.prank(caller);
        try registry.revoke(GrantId.wrap(id)) {
            require(ok, "registry revoked what the model refuses");
            n.revoked = true;
            ++calls["revoke.ok"];
        } catch {
            require(!ok, "registry refused a revocation the model accepts");
            ++calls["revoke.refused"];
        }
        _checkOtherTrees(before, acting, "revoke");
    }

    /// @notice An account consents to (or withdraws consent from) a grantor on its own.
    function consent(uint256 granteeSeed, uint256 grantorSeed) external {
        address grantee = _actor(granteeSeed);
        address grantor = grantorSeed % 8 == 5 ? address(0) : _grantor(grantorSeed);
        uint8[] memory before = _states();
        vm.prank(grantee);
        registry.consent(grantor);
        _consentTo[grantee] = grantor;
        ++calls["consent"];
        _checkOtherTrees(before, 0, "consent"); // consent alone changes no node
    }

    /// @dev Most grants come with the grantee's consent to the grantor (as a KYC approval would);
    ///      1 in 8 without, so refusals for want of consent are exercised.
    function _maybeConsent(address grantee, address grantor, uint256 raw) internal {
        if (raw % 8 == 3) return;
        vm.prank(grantee);
        registry.consent(grantor);
        _consentTo[grantee] = grantor;
    }

    // ================================================================ tree isolation

    /// @dev The state of node `id` read from the registry (the ghost only supplies parent links,
    ///      which the other invariants show match the registry's).
    function _state(uint32 id) internal view returns (uint8) {
        for (uint256 i; i < 8; ++i) {
            (Reason r, GrantId failing) = registry.grantStatus(GrantId.wrap(id));
            if (r == Reason.QUALIFIED) return i == 0 ? LIVE : SUSPENDED;
            if (r != Reason.EXPIRED && r != Reason.ANCESTOR_EXPIRED) return DEAD;
            // lapsed at `failing`: dead only if a revocation lies further up
            id = _nodes[GrantId.unwrap(failing)].parent;
            if (id == 0) return SUSPENDED;
        }
        return SUSPENDED;
    }

    /// @dev Every node's state before an action, from the ghost (which the other invariants hold
    ///      equal to the registry's), so only the after-state costs registry calls.
    function _states() internal view returns (uint8[] memory s) {
        s = new uint8[](ghostCount + 1);
        for (uint32 id = 1; id <= ghostCount; ++id) {
            s[id] = ghostLive(id) ? LIVE : ghostDead(id) ? DEAD : SUSPENDED;
        }
    }

    /// @dev No action taken in tree `acting` may change the state of a node in another tree.
    ///      The one node an action may take from elsewhere is a dead one (superseded: it stays dead).
    function _checkOtherTrees(uint8[] memory before, uint32 acting, string memory action) internal {
        for (uint32 id = 1; id < before.length; ++id) {
            if (rootOf(id) == acting && acting != 0) continue;
            uint8 now_ = _state(id);
            if (now_ != before[id]) {
                ++crossTreeChanges;
                lastCrossTreeChange = string.concat(action, " changed node ", vm.toString(id), " of another tree");
            }
        }
    }

    function warp(uint256 seconds_) external {
        vm.warp(block.timestamp + bound(seconds_, 0, 120 days));
        ++calls["warp"];
    }
}
// forge-lint: disable-end(unsafe-typecast, incorrect-shift, block-timestamp)
