// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.24;

// Test code: casts, shifts and timestamps here build fixtures and fuzz inputs on purpose.
// forge-lint: disable-start(unsafe-typecast, incorrect-shift, block-timestamp)

import {Test} from "forge-std/Test.sol";
import {console2} from "forge-std/console2.sol";
import {StdInvariant} from "forge-std/StdInvariant.sol";
import {QualifiedClientRegistry} from "../../src/compliance/QualifiedClientRegistry.sol";
import {GrantId, Reason} from "../../src/compliance/IQualifiedClientRegistry.sol";
import {RegistryHandler} from "./handlers/RegistryHandler.sol";

/// @notice Invariant: no account is qualified unless an unexpired, unrevoked chain of grants
///         links it to an active seed within scope (SPEC §A). The handler's ghost model
///         recomputes qualification from its own record of what it asked for.
contract QualifiedClientRegistryInvariantTest is Test {
    uint8 internal constant ALL_SERVICES = 0x0f;
    uint8 internal constant ALL_CATEGORIES = 0x07;

    QualifiedClientRegistry internal registry;
    RegistryHandler internal handler;
    address internal governance = makeAddr("governance");

    function setUp() public {
        vm.warp(1_700_000_000);
        registry = new QualifiedClientRegistry(governance);
        handler = new RegistryHandler(registry, governance);

        // a productive start: two seeds, each with a provider holding KYC power
        handler.addSeed(0);
        handler.addSeed(1);
        handler.grantProvider(RegistryHandler.ProviderArgs(0 << 3 | 1, 2, 0xff, 0xff, 0xff, 0xff, 0xff, 300 days + 1, true));
        handler.grantProvider(RegistryHandler.ProviderArgs(1 << 3 | 1, 3, 0xff, 0xff, 0xff, 0xff, 0xff, 300 days + 1, true));

        // repeated selectors weigh the common actions (grants) over the rare (seed changes)
        bytes4[] memory selectors = new bytes4[](11);
        selectors[0] = RegistryHandler.addSeed.selector;
        selectors[1] = RegistryHandler.removeSeed.selector;
        selectors[2] = RegistryHandler.grantProvider.selector;
        selectors[3] = RegistryHandler.grantProvider.selector;
        selectors[4] = RegistryHandler.grantClient.selector;
        selectors[5] = RegistryHandler.grantClient.selector;
        selectors[6] = RegistryHandler.renew.selector;
        selectors[7] = RegistryHandler.revoke.selector;
        selectors[8] = RegistryHandler.warp.selector;
        selectors[9] = RegistryHandler.grantClient.selector;
        selectors[10] = RegistryHandler.consent.selector;
        targetSelector(StdInvariant.FuzzSelector({addr: address(handler), selectors: selectors}));
        targetContract(address(handler));
    }

    /// @notice The property itself, one way: whatever the registry qualifies, the model can
    ///         justify with a live chain to an active seed, every link within scope.
    function invariant_noAccountQualifiedWithoutLiveInScopeChainToActiveSeed() public view {
        address[16] memory actors = handler.actors();
        for (uint256 i; i < actors.length; ++i) {
            address a = actors[i];
            if (!registry.isQualified(a, ALL_SERVICES, ALL_CATEGORIES, bytes2(0))) continue;
            uint32 id = handler.currentOf(a);
            assertTrue(handler.ghostLive(id), "qualified without a live chain to an active seed");
            assertTrue(handler.ghostChainInScope(id), "qualified through an out-of-scope link");
        }
    }

    /// @notice Both ways, question by question: registry and model give the same answer for
    ///         every service, every category and every jurisdiction (and "any"); and the reason
    ///         view says QUALIFIED exactly when the bool view says true.
    function invariant_isQualifiedMatchesGhostModel() public view {
        address[16] memory actors = handler.actors();
        bytes2[4] memory codes = handler.codes();
        for (uint256 i; i < actors.length; ++i) {
            address a = actors[i];
            for (uint8 s = 1; s <= 8; s <<= 1) {
                _same(a, s, ALL_CATEGORIES, bytes2(0));
            }
            for (uint8 c = 1; c <= 4; c <<= 1) {
                _same(a, ALL_SERVICES, c, bytes2(0));
            }
            for (uint256 j; j < codes.length; ++j) {
                _same(a, ALL_SERVICES, ALL_CATEGORIES, codes[j]);
            }
        }
    }

    /// @notice Trees are isolated (issue 7): no grant, renewal, revocation or consent made in one
    ///         tree changed the state (qualified / suspended by a lapse / dead for good) of any
    ///         node of another tree. The handler compares every node's registry state before and
    ///         after each action; a rival tree superseding a lapsed bank (suspended -> dead)
    ///         counts here.
    function invariant_noActionByOneTreeChangesAnotherTreesVerdicts() public view {
        assertEq(handler.crossTreeChanges(), 0, handler.lastCrossTreeChange());
    }

    /// @notice Every node's chain status matches the model, and no node sits deeper than 4.
    function invariant_grantStatusMatchesGhostAndDepthBounded() public view {
        uint32 n = handler.ghostCount();
        assertEq(registry.grantCount(), n, "node count");
        for (uint32 id = 1; id <= n; ++id) {
            (Reason r,) = registry.grantStatus(GrantId.wrap(id));
            assertEq(r == Reason.QUALIFIED, handler.ghostLive(id), "node liveness");
            uint8 depth = registry.getGrant(GrantId.wrap(id)).depth;
            assertLe(depth, 4, "depth");
            assertEq(depth, handler.depthOf(id), "depth matches model");
        }
    }

    function afterInvariant() external view {
        string[11] memory keys = [
            "grantClient.ok", "grantClient.refused", "grantProvider.ok", "grantProvider.refused", "revoke.ok",
            "revoke.refused", "renew.ok", "renew.refused", "addSeed.ok", "removeSeed.ok", "consent"
        ];
        for (uint256 i; i < keys.length; ++i) {
            console2.log(keys[i], handler.calls(keys[i]));
        }
        address[16] memory actors = handler.actors();
        uint256 q;
        uint8 maxDepth;
        for (uint256 i; i < actors.length; ++i) {
            if (registry.isQualified(actors[i], ALL_SERVICES, ALL_CATEGORIES, bytes2(0))) {
                ++q;
                uint8 d = handler.depthOf(handler.currentOf(actors[i]));
                if (d > maxDepth) maxDepth = d;
            }
        }
        console2.log("qualified at end", q, "deepest qualified", maxDepth);
        console2.log("deepest grant issued", handler.deepestIssued());
        // the run must have exercised both acceptance and refusal of client grants
        assertGt(handler.calls("grantClient.ok") + handler.calls("grantProvider.ok"), 0, "no grant ever issued");
    }

    function _same(address a, uint8 s, uint8 c, bytes2 j) internal view {
        bool q = registry.isQualified(a, s, c, j);
        assertEq(q, handler.ghostQualified(a, s, c, j), "registry vs model");
        (Reason r,) = registry.qualification(a, s, c, j);
        assertEq(r == Reason.QUALIFIED, q, "reason view vs bool view");
    }
}
// forge-lint: disable-end(unsafe-typecast, incorrect-shift, block-timestamp)
