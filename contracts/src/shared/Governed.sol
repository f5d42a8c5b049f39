// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.24;

import {IGoverned} from "./IGoverned.sol";

/// @title Governed
/// @notice Base for contracts whose parameters one governance address (a timelock) sets.
abstract contract Governed is IGoverned {
    /// @inheritdoc IGoverned
    address public governance;
    /// @inheritdoc IGoverned
    address public pendingGovernance;

    modifier onlyGovernance() {
        if (msg.sender != governance) revert NotGovernance(msg.sender);
        _;
    }

    constructor(address governance_) {
        if (governance_ == address(0)) revert ZeroAddress();
        governance = governance_;
        emit GovernanceTransferred(address(0), governance_);
    }

    /// @inheritdoc IGoverned
    function transferGovernance(address next) external onlyGovernance {
        pendingGovernance = next;
        emit GovernanceTransferStarted(governance, next);
    }

    /// @inheritdoc IGoverned
    function acceptGovernance() external {
        if (msg.sender != pendingGovernance) revert NotPendingGovernance(msg.sender);
        emit GovernanceTransferred(governance, msg.sender);
        governance = msg.sender;
        delete pendingGovernance;
    }
}
