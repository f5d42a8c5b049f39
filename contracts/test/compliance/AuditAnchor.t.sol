// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.24;

import {Test} from "forge-std/Test.sol";
import {AuditAnchor} from "../../src/compliance/AuditAnchor.sol";
import {IAuditAnchor} from "../../src/compliance/IAuditAnchor.sol";
import {IGoverned} from "../../src/shared/IGoverned.sol";

contract AuditAnchorTest is Test {
    address internal gov = makeAddr("governance");
    address internal writer = makeAddr("kyc service");
    address internal mallory = makeAddr("mallory");
    AuditAnchor internal anchors;

    function setUp() public {
        vm.warp(1_000);
        anchors = new AuditAnchor(gov, writer);
    }

    function test_constructor_setsWriterAndNoAnchor() public view {
        assertEq(anchors.writer(), writer);
        assertEq(anchors.governance(), gov);
        (uint64 seq, bytes32 head, uint64 at) = anchors.latest();
        assertEq(seq, 0);
        assertEq(head, bytes32(0));
        assertEq(at, 0);
    }

    function test_constructor_revertsOnZeroWriter() public {
        vm.expectRevert(IGoverned.ZeroAddress.selector);
        new AuditAnchor(gov, address(0));
    }

    function test_anchor_recordsHeadAndEmits() public {
        vm.expectEmit(address(anchors));
        emit IAuditAnchor.HeadAnchored(5, keccak256("h5"), 1_000);
        vm.prank(writer);
        anchors.anchor(5, keccak256("h5"));
        (uint64 seq, bytes32 head, uint64 at) = anchors.latest();
        assertEq(seq, 5);
        assertEq(head, keccak256("h5"));
        assertEq(at, 1_000);
        assertEq(anchors.headAt(5), keccak256("h5"));
        assertEq(anchors.headAt(4), bytes32(0));

        vm.warp(2_000);
        vm.prank(writer);
        anchors.anchor(9, keccak256("h9"));
        assertEq(anchors.headAt(5), keccak256("h5"));
        assertEq(anchors.headAt(9), keccak256("h9"));
        (seq,, at) = anchors.latest();
        assertEq(seq, 9);
        assertEq(at, 2_000);
    }

    function test_anchor_revertsForAnyoneButTheWriter() public {
        vm.expectRevert(abi.encodeWithSelector(IAuditAnchor.NotWriter.selector, mallory));
        vm.prank(mallory);
        anchors.anchor(1, keccak256("h"));
        vm.expectRevert(abi.encodeWithSelector(IAuditAnchor.NotWriter.selector, gov));
        vm.prank(gov);
        anchors.anchor(1, keccak256("h"));
    }

    /// A shortened log (tail deleted) or a rewritten one cannot be re-anchored at or below the latest seq.
    function test_anchor_revertsWhenSequenceDoesNotIncrease() public {
        vm.startPrank(writer);
        anchors.anchor(7, keccak256("h7"));
        vm.expectRevert(abi.encodeWithSelector(IAuditAnchor.SequenceNotIncreasing.selector, 7, 7));
        anchors.anchor(7, keccak256("other"));
        vm.expectRevert(abi.encodeWithSelector(IAuditAnchor.SequenceNotIncreasing.selector, 3, 7));
        anchors.anchor(3, keccak256("h3"));
        vm.stopPrank();
        assertEq(anchors.headAt(7), keccak256("h7"));
    }

    function test_anchor_revertsOnZeroHead() public {
        vm.expectRevert(IAuditAnchor.ZeroHead.selector);
        vm.prank(writer);
        anchors.anchor(1, bytes32(0));
    }

    function test_setWriter_onlyGovernanceAndTheOldWriterLosesIt() public {
        address next = makeAddr("rotated key");
        vm.expectRevert(abi.encodeWithSelector(IGoverned.NotGovernance.selector, writer));
        vm.prank(writer);
        anchors.setWriter(next);

        vm.expectEmit(address(anchors));
        emit IAuditAnchor.WriterSet(next);
        vm.prank(gov);
        anchors.setWriter(next);
        vm.expectRevert(abi.encodeWithSelector(IAuditAnchor.NotWriter.selector, writer));
        vm.prank(writer);
        anchors.anchor(1, keccak256("h"));
        vm.prank(next);
        anchors.anchor(1, keccak256("h"));
    }

    function testFuzz_anchor_latestIsAlwaysTheHighestSequence(uint64[8] memory steps) public {
        uint64 expected;
        vm.startPrank(writer);
        for (uint256 i; i < steps.length; i++) {
            uint64 seq = uint64(bound(steps[i], 1, type(uint64).max));
            bytes32 head = keccak256(abi.encode(seq, i));
            if (seq <= expected) {
                vm.expectRevert(abi.encodeWithSelector(IAuditAnchor.SequenceNotIncreasing.selector, seq, expected));
                anchors.anchor(seq, head);
            } else {
                anchors.anchor(seq, head);
                expected = seq;
                assertEq(anchors.headAt(seq), head);
            }
            (uint64 latestSeq,,) = anchors.latest();
            assertEq(latestSeq, expected);
        }
        vm.stopPrank();
    }
}
