// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.24;

// Test code: casts, shifts and timestamps here build fixtures and fuzz inputs on purpose.
// forge-lint: disable-start(unsafe-typecast, incorrect-shift, block-timestamp)

import {RegistryBase} from "./utils/RegistryBase.sol";
import {IQualification, Service, Category} from "../../src/compliance/IQualification.sol";
import {GrantId, ProviderScope} from "../../src/compliance/IQualifiedClientRegistry.sol";
import {QualifiedClientRegistry} from "../../src/compliance/QualifiedClientRegistry.sol";

/// @notice A contract that asks the registry, as lending/exchange contracts do, and measures
///         the gas it spends on the question with `gasleft()` around the external call.
contract QualificationProbe {
    function measure(IQualification registry, address account, uint8 service, uint8 mask, bytes2 jurisdiction)
        external
        view
        returns (bool ok, uint256 gasUsed)
    {
        uint256 before = gasleft();
        ok = registry.isQualified(account, service, mask, jurisdiction);
        gasUsed = before - gasleft();
    }
}

/// @notice Gas figures of the Qualified Client Protocol, written to `snapshots/compliance.json`
///         (read by `bench/compliance.ts`).
/// @dev Method. forge runs setUp and each test function as separate transactions, so at the
///      start of a test body the registry's account and storage are cold, as in a fresh
///      transaction on a live chain. Each measured call is therefore the test body's FIRST
///      touch of the registry: values it needs from the test contract's own storage are copied
///      to locals beforehand (those SLOADs would otherwise be billed to the measurement), and
///      `vm.cool(registry)` is called as well to be sure every registry slot is cold. (`vm.cool`
///      alone is not enough: in this forge it re-colds storage slots but not an account already
///      accessed in the transaction, so a second call would skip the 2,600 cold-account
///      surcharge.) The figure is what the calling contract (this test contract) spends from just
///      before the external call to just after it: the CALL with its cold-account surcharge,
///      ABI encoding/decoding and every SLOAD inside at 2,100 (cold). No transaction is sent,
///      so neither the 21,000 base nor outer calldata is part of it. `QualificationProbe`
///      measures the same call independently with `gasleft()` inside another contract and must
///      agree to within 100 gas.
contract QualifiedClientRegistryGasTest is RegistryBase {
    string internal constant GROUP = "compliance";
    uint8 internal constant MASK = Category.INSTITUTIONAL | Category.ACCREDITED;

    QualificationProbe internal probe;
    address internal bankOne = makeAddr("bankOne");
    address internal bankThousand = makeAddr("bankThousand");
    address internal deep = makeAddr("deep");
    address internal lastClient;
    GrantId internal one;
    GrantId internal thousand;

    /// @dev Everything measured is set up here, in an earlier transaction than the test body,
    ///      so the measured calls find committed values in cold slots, as on a live chain.
    function setUp() public override {
        super.setUp();
        probe = new QualificationProbe();
        _grantBank(seed, bank);
        _grantClient(bank, client, Category.INSTITUTIONAL, DE);

        // seed -> bank -> p2 -> p3 -> deep (depth 4, the maximum)
        address p2 = makeAddr("p2");
        address p3 = makeAddr("p3");
        _grantBank(bank, p2);
        _grantBank(p2, p3);
        _grantClient(p3, deep, Category.ACCREDITED, FR);

        one = _grantBank(seed, bankOne);
        thousand = _grantBank(seed, bankThousand);
        _grantClient(bankOne, makeAddr("loneClient"), Category.INSTITUTIONAL, DE);
        for (uint256 i; i < 1000; ++i) {
            lastClient = address(uint160(0x10000 + i));
            _grantClient(bankThousand, lastClient, Category.ACCREDITED, FR);
        }
    }

    function test_gas_isQualified_clientTwoLevelsBelowSeedCold() public {
        QualifiedClientRegistry r = registry;
        address who = client;
        vm.cool(address(r));
        vm.startSnapshotGas(GROUP, "isQualified_depth2_cold");
        bool ok = r.isQualified(who, Service.DCE, MASK, DE);
        uint256 gasUsed = vm.stopSnapshotGas();
        assertTrue(ok, "client qualified");
        assertLe(gasUsed, 15_000, "target");
        assertGt(gasUsed, 2_600 + 4 * 2_100, "cold account and four cold words were paid");
    }

    function test_gas_isQualified_probeAgreesWithSnapshot() public {
        QualifiedClientRegistry r = registry;
        address who = client;
        QualificationProbe p = probe;
        vm.cool(address(r));
        (bool ok, uint256 probed) = p.measure(r, who, Service.DCE, MASK, DE);
        assertTrue(ok, "client qualified via probe");
        vm.snapshotValue(GROUP, "isQualified_depth2_cold_probe", probed);
        assertLe(probed, 15_000, "target");
        assertGt(probed, 2_600 + 4 * 2_100, "cold account and four cold words were paid");
    }

    function test_gas_isQualified_clientFourLevelsBelowSeedCold() public {
        QualifiedClientRegistry r = registry;
        address who = deep;
        vm.cool(address(r));
        vm.startSnapshotGas(GROUP, "isQualified_depth4_cold");
        bool ok = r.isQualified(who, Service.LEND, Category.ACCREDITED, FR);
        vm.stopSnapshotGas();
        assertTrue(ok);
    }

    function test_gas_isQualified_unknownAccountCold() public {
        QualifiedClientRegistry r = registry;
        vm.cool(address(r));
        vm.startSnapshotGas(GROUP, "isQualified_noGrant_cold");
        bool ok = r.isQualified(address(0xdead), Service.DCE, MASK, DE);
        vm.stopSnapshotGas();
        assertFalse(ok);
    }

    function test_gas_grantClient() public {
        QualifiedClientRegistry r = registry;
        address fresh = makeAddr("fresh");
        uint40 expiry = _lease();
        bytes32 dossier = _dossier(fresh);
        _consent(fresh, bank);
        vm.startPrank(bank);
        vm.cool(address(r));
        vm.startSnapshotGas(GROUP, "grantClient_cold");
        r.grantClient(fresh, Category.INSTITUTIONAL, DE, dossier, expiry, true);
        vm.stopSnapshotGas();
        vm.stopPrank();
        assertTrue(r.isQualified(fresh, Service.DCE, Category.INSTITUTIONAL, DE));
    }

    function test_gas_grantProvider() public {
        QualifiedClientRegistry r = registry;
        address fresh = makeAddr("freshBank");
        uint40 expiry = _lease();
        bytes32 dossier = _dossier(fresh);
        ProviderScope memory scope = _scope(BANK_SERVICES, Category.INSTITUTIONAL, _codes(DE, FR));
        _consent(fresh, seed);
        vm.startPrank(seed);
        vm.cool(address(r));
        vm.startSnapshotGas(GROUP, "grantProvider_cold");
        r.grantProvider(fresh, scope, dossier, expiry, true);
        vm.stopSnapshotGas();
        vm.stopPrank();
        assertTrue(r.isQualified(fresh, Service.DCE, Category.INSTITUTIONAL, DE));
    }

    function test_gas_renewClient() public {
        QualifiedClientRegistry r = registry;
        GrantId id = r.grantOf(client);
        uint40 expiry = _lease() + 30 days;
        vm.startPrank(bank);
        vm.cool(address(r));
        vm.startSnapshotGas(GROUP, "renewClient_cold");
        r.renew(id, expiry, bytes32(0));
        vm.stopSnapshotGas();
        vm.stopPrank();
        assertEq(r.getGrant(id).expiry, expiry);
    }

    function test_gas_revokeProvider_oneClient() public {
        _measureRevoke(one, "revokeProvider_1client_cold");
        assertFalse(registry.isQualified(makeAddr("loneClient"), Service.DCE, MASK, ANY), "cascade");
    }

    function test_gas_revokeProvider_thousandClients() public {
        _measureRevoke(thousand, "revokeProvider_1000clients_cold");
        assertFalse(registry.isQualified(lastClient, Service.LEND, Category.ACCREDITED, FR), "cascade");
        assertFalse(registry.isQualified(address(0x10000), Service.LEND, Category.ACCREDITED, FR), "cascade");
    }

    /// @dev Both revocations in one transaction, so only the callee's own gas (slots re-cooled
    ///      by `vm.cool`) is comparable here; the cold figures come from the two tests above.
    function test_gas_revokeProvider_sameCostForOneAndThousandClients() public {
        QualifiedClientRegistry r = registry;
        vm.startPrank(seed);
        vm.cool(address(r));
        r.revoke(one);
        uint256 g1 = vm.snapshotGasLastCall(GROUP, "revokeProvider_1client_callee");
        vm.cool(address(r));
        r.revoke(thousand);
        uint256 g1000 = vm.snapshotGasLastCall(GROUP, "revokeProvider_1000clients_callee");
        vm.stopPrank();
        assertApproxEqRel(g1000, g1, 0.05e18, "within 5%");
    }

    function _measureRevoke(GrantId id, string memory name) internal returns (uint256 gasUsed) {
        QualifiedClientRegistry r = registry;
        vm.startPrank(seed);
        vm.cool(address(r));
        vm.startSnapshotGas(GROUP, name);
        r.revoke(id);
        gasUsed = vm.stopSnapshotGas();
        vm.stopPrank();
    }
}
// forge-lint: disable-end(unsafe-typecast, incorrect-shift, block-timestamp)
