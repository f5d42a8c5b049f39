// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.24;

import {IAuditAnchor} from "./IAuditAnchor.sol";
import {Governed} from "../shared/Governed.sol";

/// @title AuditAnchor
/// @notice Anchors of the KYC audit log's hash chain on the hub chain (see IAuditAnchor).
contract AuditAnchor is IAuditAnchor, Governed {
    /// @dev The latest anchor in one slot (8 + 8 bytes) beside its head, so `anchor` reads one slot.
    struct Latest {
        uint64 seq;
        uint64 anchoredAt;
    }

    /// @inheritdoc IAuditAnchor
    address public writer;

    Latest private _latest;
    bytes32 private _latestHead;
    /// @dev Every anchored head by sequence: verifiers read it even where a node has pruned old logs.
    mapping(uint64 seq => bytes32 head) private _heads;

    /// @param governance_ may replace the writer (the timelock).
    /// @param writer_ the KYC service's key.
    constructor(address governance_, address writer_) Governed(governance_) {
        if (writer_ == address(0)) revert ZeroAddress();
        writer = writer_;
        emit WriterSet(writer_);
    }

    /// @inheritdoc IAuditAnchor
    function setWriter(address writer_) external onlyGovernance {
        if (writer_ == address(0)) revert ZeroAddress();
        writer = writer_;
        emit WriterSet(writer_);
    }

    /// @inheritdoc IAuditAnchor
    function anchor(uint64 seq, bytes32 head) external {
        if (msg.sender != writer) revert NotWriter(msg.sender);
        if (head == bytes32(0)) revert ZeroHead();
        uint64 latestSeq = _latest.seq;
        if (seq <= latestSeq) revert SequenceNotIncreasing(seq, latestSeq);
        uint64 at = uint64(block.timestamp);
        _latest = Latest({seq: seq, anchoredAt: at});
        _latestHead = head;
        _heads[seq] = head;
        emit HeadAnchored(seq, head, at);
    }

    /// @inheritdoc IAuditAnchor
    function latest() external view returns (uint64 seq, bytes32 head, uint64 anchoredAt) {
        Latest memory l = _latest;
        return (l.seq, _latestHead, l.anchoredAt);
    }

    /// @inheritdoc IAuditAnchor
    function headAt(uint64 seq) external view returns (bytes32) {
        return _heads[seq];
    }
}
