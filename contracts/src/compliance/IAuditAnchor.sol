// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.24;

/// @title IAuditAnchor
/// @notice Public anchors of the off-chain KYC audit log: the KYC service periodically (and on every
///         grant change) publishes the log's head — its last entry's sequence number and hash — so that
///         whoever controls the database cannot delete, re-hash or edit entries up to an anchored head
///         without `palisade kyc audit-verify` noticing.
/// @dev Warning: an anchor proves what the log held when it was anchored, nothing about entries added
///      after the latest anchor; the service anchors at least every 10 minutes to bound that window.
interface IAuditAnchor {
    /// @notice Thrown when a caller other than the writer anchors a head.
    error NotWriter(address caller);
    /// @notice Thrown when an anchor's sequence number does not exceed the latest anchored one: a log
    ///         only grows, so a smaller or equal sequence would be a rewrite.
    error SequenceNotIncreasing(uint64 seq, uint64 latestSeq);
    /// @notice Thrown when an anchored head is zero (no log entry hashes to zero).
    error ZeroHead();

    /// @notice Emitted when governance appoints the writer (at construction too).
    event WriterSet(address indexed writer);
    /// @notice Emitted for every anchor: the log held `seq` entries and its last one hashed to `head`.
    event HeadAnchored(uint64 indexed seq, bytes32 head, uint64 anchoredAt);

    /// @notice The only account that may anchor: the KYC service's key.
    function writer() external view returns (address);

    /// @notice Sets the writer (governance only), e.g. when the service's key is rotated.
    function setWriter(address writer_) external;

    /// @notice Publishes the log's head: entry `seq` (1-based) hashes to `head`. `seq` must exceed the
    ///         latest anchored sequence.
    function anchor(uint64 seq, bytes32 head) external;

    /// @notice The latest anchor: sequence, head and block timestamp (all zero before the first).
    function latest() external view returns (uint64 seq, bytes32 head, uint64 anchoredAt);

    /// @notice The head anchored for `seq`, or zero when `seq` was never anchored.
    function headAt(uint64 seq) external view returns (bytes32);
}
