// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.24;

import {Test} from "forge-std/Test.sol";
import {IGovernor} from "@openzeppelin/contracts/governance/IGovernor.sol";
import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";
import {PalisadeToken} from "../../src/governance/PalisadeToken.sol";
import {PalisadeTimelock} from "../../src/governance/PalisadeTimelock.sol";
import {PalisadeGovernor} from "../../src/governance/PalisadeGovernor.sol";

/// A parameter owned by the timelock: only a passed, queued and delayed proposal may change it.
contract Param {
    address public immutable owner;
    uint256 public value;

    constructor(address owner_) {
        owner = owner_;
    }

    function set(uint256 v) external {
        require(msg.sender == owner, "not owner");
        value = v;
    }
}

contract PalisadeGovernanceTest is Test {
    PalisadeToken plt;
    PalisadeTimelock timelock;
    PalisadeGovernor governor;
    Param param;
    address voter = makeAddr("voter");

    function setUp() public {
        vm.warp(1_700_000_000);
        plt = new PalisadeToken(voter, 1_000_000 ether);
        address[] memory none = new address[](0);
        address[] memory anyone = new address[](1);
        timelock = new PalisadeTimelock(2 days, none, anyone, address(this));
        governor = new PalisadeGovernor(plt, timelock, 1, 3 days, 0, 4);
        timelock.grantRole(timelock.PROPOSER_ROLE(), address(governor));
        timelock.grantRole(timelock.CANCELLER_ROLE(), address(governor));
        timelock.renounceRole(timelock.DEFAULT_ADMIN_ROLE(), address(this));
        param = new Param(address(timelock));
        vm.prank(voter);
        plt.delegate(voter);
        vm.warp(block.timestamp + 1);
    }

    function _proposal(uint256 v)
        internal
        view
        returns (address[] memory t, uint256[] memory vals, bytes[] memory data)
    {
        t = new address[](1);
        vals = new uint256[](1);
        data = new bytes[](1);
        t[0] = address(param);
        data[0] = abi.encodeCall(Param.set, (v));
    }

    function test_proposal_changesParameterOnlyAfterVoteAndDelay() public {
        (address[] memory t, uint256[] memory v, bytes[] memory d) = _proposal(42);
        vm.prank(voter);
        uint256 id = governor.propose(t, v, d, "set 42");
        vm.warp(block.timestamp + 2);
        vm.prank(voter);
        governor.castVote(id, 1);
        vm.warp(block.timestamp + 3 days + 1);
        governor.queue(t, v, d, keccak256("set 42"));
        vm.expectRevert();
        governor.execute(t, v, d, keccak256("set 42"));
        vm.warp(block.timestamp + 2 days);
        governor.execute(t, v, d, keccak256("set 42"));
        assertEq(param.value(), 42);
    }

    function test_proposal_failsWithoutQuorum() public {
        (address[] memory t, uint256[] memory v, bytes[] memory d) = _proposal(7);
        vm.prank(voter);
        uint256 id = governor.propose(t, v, d, "set 7");
        vm.warp(block.timestamp + 3 days + 10);
        assertEq(uint8(governor.state(id)), uint8(IGovernor.ProposalState.Defeated));
        vm.expectRevert();
        governor.queue(t, v, d, keccak256("set 7"));
    }

    function test_proposalThreshold_refusesProposersBelowIt() public {
        PalisadeGovernor strict = new PalisadeGovernor(plt, timelock, 1 days, 5 days, 1_000 ether, 4);
        assertEq(strict.proposalThreshold(), 1_000 ether);
        assertEq(strict.votingDelay(), 1 days);
        assertEq(strict.votingPeriod(), 5 days);
        address small = makeAddr("small");
        vm.prank(voter);
        plt.transfer(small, 999 ether);
        vm.prank(small);
        plt.delegate(small);
        vm.warp(block.timestamp + 1);
        (address[] memory t, uint256[] memory v, bytes[] memory d) = _proposal(9);
        vm.expectRevert(
            abi.encodeWithSelector(IGovernor.GovernorInsufficientProposerVotes.selector, small, 999 ether, 1_000 ether)
        );
        vm.prank(small);
        strict.propose(t, v, d, "set 9");
        vm.prank(voter);
        strict.propose(t, v, d, "set 9"); // the large holder can
    }

    /// @dev The guardian (a multisig on a real network) holds only CANCELLER_ROLE on the timelock:
    ///      it can stop a queued proposal, never schedule or run one, so it cannot move funds.
    function test_guardian_cancelsQueuedProposalButCannotScheduleOrExecute() public {
        address guardian = makeAddr("guardian");
        vm.startPrank(address(timelock)); // the timelock administers itself
        timelock.grantRole(timelock.CANCELLER_ROLE(), guardian);
        vm.stopPrank();
        (address[] memory t, uint256[] memory v, bytes[] memory d) = _proposal(13);
        vm.prank(voter);
        uint256 id = governor.propose(t, v, d, "set 13");
        vm.warp(block.timestamp + 2);
        vm.prank(voter);
        governor.castVote(id, 1);
        vm.warp(block.timestamp + 3 days + 1);
        governor.queue(t, v, d, keccak256("set 13"));
        bytes32 op = timelock.hashOperationBatch(t, v, d, 0, bytes20(address(governor)) ^ keccak256("set 13"));
        vm.expectRevert(); // neither proposer nor executor of a scheduled call it made
        vm.prank(guardian);
        timelock.schedule(address(param), 0, abi.encodeCall(Param.set, (666)), 0, 0, 2 days);
        vm.prank(guardian);
        timelock.cancel(op);
        vm.warp(block.timestamp + 2 days);
        vm.expectRevert();
        governor.execute(t, v, d, keccak256("set 13"));
        assertEq(param.value(), 0);
    }

    function test_param_revertsWhenCalledDirectly() public {
        vm.expectRevert("not owner");
        param.set(1);
    }

    function test_clock_isTimestamp() public view {
        assertEq(plt.clock(), block.timestamp);
        assertEq(governor.clock(), block.timestamp);
    }

    function testFuzz_votes_followDelegatedBalance(uint96 amount) public {
        amount = uint96(bound(amount, 0, 1_000_000 ether));
        address other = makeAddr("other");
        vm.prank(voter);
        plt.transfer(other, amount);
        assertEq(plt.getVotes(voter), 1_000_000 ether - uint256(amount));
        assertEq(plt.getVotes(other), 0); // undelegated balances carry no votes
    }
}
