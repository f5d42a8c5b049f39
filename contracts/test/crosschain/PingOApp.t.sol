// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.24;

import {Test, Vm} from "forge-std/Test.sol";
import {EndpointV2} from "@layerzerolabs/lz-evm-protocol-v2/contracts/EndpointV2.sol";
import {SimpleMessageLib} from "@layerzerolabs/lz-evm-protocol-v2/contracts/messagelib/SimpleMessageLib.sol";
import {Origin} from "@layerzerolabs/lz-evm-protocol-v2/contracts/interfaces/ILayerZeroEndpointV2.sol";
import {PingOApp} from "../../src/crosschain/PingOApp.sol";

/// Two real EndpointV2s in one EVM, the relayer's two steps (verify, then lzReceive) done by hand.
contract PingOAppTest is Test {
    uint32 constant A = 40101;
    uint32 constant B = 40109;
    address relayer = makeAddr("relayer");
    EndpointV2 endpointA;
    EndpointV2 endpointB;
    SimpleMessageLib libA;
    SimpleMessageLib libB;
    PingOApp appA;
    PingOApp appB;

    function setUp() public {
        (endpointA, libA) = _endpoint(A, B);
        (endpointB, libB) = _endpoint(B, A);
        appA = new PingOApp(address(endpointA), address(this));
        appB = new PingOApp(address(endpointB), address(this));
        appA.setPeer(B, bytes32(uint256(uint160(address(appB)))));
        appB.setPeer(A, bytes32(uint256(uint160(address(appA)))));
    }

    function _endpoint(uint32 eid, uint32 remote) internal returns (EndpointV2 ep, SimpleMessageLib lib) {
        ep = new EndpointV2(eid, address(this));
        lib = new SimpleMessageLib(address(ep), address(this));
        ep.registerLibrary(address(lib));
        ep.setDefaultSendLibrary(remote, address(lib));
        ep.setDefaultReceiveLibrary(remote, address(lib), 0);
        lib.setWhitelistCaller(relayer);
    }

    function _send(bytes memory message) internal returns (bytes memory packet, bytes32 guid) {
        uint256 fee = appA.quote(B, message);
        vm.recordLogs();
        guid = appA.ping{value: fee}(B, message);
        Vm.Log[] memory logs = vm.getRecordedLogs();
        bytes32 sentTopic = keccak256("PacketSent(bytes,bytes,address)");
        for (uint256 i; i < logs.length; ++i) {
            if (logs[i].topics[0] == sentTopic) (packet,,) = abi.decode(logs[i].data, (bytes, bytes, address));
        }
        assertGt(packet.length, 0, "no PacketSent");
    }

    function _deliver(bytes memory packet, bytes32 guid, bytes memory message, uint64 nonce) internal {
        vm.prank(relayer);
        libB.validatePacket(packet);
        endpointB.lzReceive(
            Origin(A, bytes32(uint256(uint160(address(appA)))), nonce), address(appB), guid, message, ""
        );
    }

    function testFuzz_ping_arrivesExactlyOnce(bytes calldata message) public {
        (bytes memory packet, bytes32 guid) = _send(message);
        _deliver(packet, guid, message, 1);
        assertEq(appB.deliveries(guid), 1);
        assertEq(appB.received(A), 1);

        // a replayed execute finds no stored payload: the endpoint refuses, nothing is delivered twice
        vm.expectRevert();
        endpointB.lzReceive(Origin(A, bytes32(uint256(uint160(address(appA)))), 1), address(appB), guid, message, "");
        assertEq(appB.deliveries(guid), 1);
    }

    function test_validatePacket_revertsForAnyoneButTheRelayer() public {
        (bytes memory packet,) = _send("hi");
        vm.expectRevert(SimpleMessageLib.OnlyWhitelistCaller.selector);
        libB.validatePacket(packet);
    }

    function test_lzReceive_revertsWhenNotVerified() public {
        (, bytes32 guid) = _send("hi");
        vm.expectRevert();
        endpointB.lzReceive(Origin(A, bytes32(uint256(uint160(address(appA)))), 1), address(appB), guid, "hi", "");
        assertEq(appB.received(A), 0);
    }

    function test_ping_revertsWhenFeeTooLow() public {
        vm.expectRevert();
        appA.ping{value: 0}(B, "hi");
    }

    function test_lzReceive_deliversInNonceOrderOnly() public {
        (bytes memory p1, bytes32 g1) = _send("one");
        (bytes memory p2, bytes32 g2) = _send("two");
        vm.startPrank(relayer);
        libB.validatePacket(p2);
        vm.stopPrank();
        // nonce 2 cannot run before nonce 1 is verified
        vm.expectRevert();
        endpointB.lzReceive(Origin(A, bytes32(uint256(uint160(address(appA)))), 2), address(appB), g2, "two", "");
        _deliver(p1, g1, "one", 1);
        endpointB.lzReceive(Origin(A, bytes32(uint256(uint160(address(appA)))), 2), address(appB), g2, "two", "");
        assertEq(appB.received(A), 2);
    }
}
