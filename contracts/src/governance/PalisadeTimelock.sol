// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.24;

import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";

/// @title PalisadeTimelock
/// @notice Owns every protocol parameter (SPEC §H); only the governor proposes, anyone executes after the delay.
contract PalisadeTimelock is TimelockController {
    constructor(uint256 minDelay, address[] memory proposers, address[] memory executors, address admin)
        TimelockController(minDelay, proposers, executors, admin)
    {}
}
