// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.24;

import {Test} from "forge-std/Test.sol";
import {PriceOracle} from "../../src/oracle/PriceOracle.sol";
import {IGoverned} from "../../src/shared/IGoverned.sol";

contract GovernedTest is Test {
    address internal gov = makeAddr("governance");
    address internal timelock = makeAddr("timelock");
    PriceOracle internal governed;

    function setUp() public {
        governed = new PriceOracle(gov);
    }

    function test_transferGovernance_takesEffectOnlyWhenAccepted() public {
        vm.prank(gov);
        governed.transferGovernance(timelock);
        assertEq(governed.governance(), gov);
        assertEq(governed.pendingGovernance(), timelock);
        vm.expectEmit(address(governed));
        emit IGoverned.GovernanceTransferred(gov, timelock);
        vm.prank(timelock);
        governed.acceptGovernance();
        assertEq(governed.governance(), timelock);
        assertEq(governed.pendingGovernance(), address(0));
    }

    function test_transferGovernance_revertsWhenCallerIsNotGovernance() public {
        vm.expectRevert(abi.encodeWithSelector(IGoverned.NotGovernance.selector, address(this)));
        governed.transferGovernance(timelock);
    }

    function test_acceptGovernance_revertsWhenCallerIsNotPending() public {
        vm.prank(gov);
        governed.transferGovernance(timelock);
        vm.expectRevert(abi.encodeWithSelector(IGoverned.NotPendingGovernance.selector, address(this)));
        governed.acceptGovernance();
    }

    function test_constructor_revertsWhenGovernanceIsZero() public {
        vm.expectRevert(IGoverned.ZeroAddress.selector);
        new PriceOracle(address(0));
    }
}
