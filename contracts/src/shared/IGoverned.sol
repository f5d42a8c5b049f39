// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.24;

/// @title IGoverned
/// @notice One governance address (the timelock in production) owns a contract's parameters.
/// @dev Two-step hand-over so a typo cannot orphan a contract.
interface IGoverned {
    /// @notice Thrown when a caller other than governance calls a governed function.
    error NotGovernance(address caller);
    /// @notice Thrown when a caller other than the pending governance accepts the hand-over.
    error NotPendingGovernance(address caller);
    /// @notice Thrown when an address argument that must be set is zero.
    error ZeroAddress();

    /// @notice Emitted when governance proposes `pending` as its successor.
    event GovernanceTransferStarted(address indexed current, address indexed pending);
    /// @notice Emitted when governance changes (including at construction, from address(0)).
    event GovernanceTransferred(address indexed previous, address indexed current);

    /// @notice The address allowed to change parameters.
    function governance() external view returns (address);

    /// @notice The proposed successor, or address(0).
    function pendingGovernance() external view returns (address);

    /// @notice Proposes `next` as governance; it takes over when it calls `acceptGovernance`.
    function transferGovernance(address next) external;

    /// @notice Completes a hand-over started by `transferGovernance`.
    function acceptGovernance() external;
}
