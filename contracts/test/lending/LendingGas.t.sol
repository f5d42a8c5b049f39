// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.24;

import {LendingTestBase} from "../utils/LendingTestBase.sol";
import {LotId} from "../../src/liquidation/LotId.sol";

/// @notice Reads one storage slot: used to tell whether forge runs each call as its own transaction.
contract ColdProbe {
    /// @dev Never written, so its first read in a transaction is cold.
    mapping(uint256 => uint256) internal values;

    function read() external view returns (uint256) {
        return values[1];
    }
}

/// @notice The issue's gas table conditions, replayed in forge: fresh deployment, USDC 6 decimals at 1 USD,
///         WETH 18 at 2,000 USD, each sender holding twice what it moves, borrower without USDC before its
///         first borrow, infinite approvals in setup, steps an hour apart, liquidator with 100,000 USDC.
///         Run with `forge test --isolate --match-path test/lending/LendingGas.t.sol`: each call is then its own
///         transaction (cold storage, 21,000 base and calldata included, refunds applied) and the snapshots
///         in contracts/snapshots/{lending,liquidation}.json are comparable with receipts' gasUsed. Without
///         --isolate every call after the first would run warm, so no snapshot is written.
contract LendingGasTest is LendingTestBase {
    address internal liquidatorEoa = makeAddr("liquidatorEoa");
    bool internal isolated;

    function setUp() public override {
        super.setUp();
        allowlist.set(liquidatorEoa, true);
        // the liquidator stands for an executor node: a registered taker (as the devnet registers its executors)
        vm.prank(gov);
        liquidator.setExecutor(liquidatorEoa, true);
        _approveAll(liquidatorEoa);
        usdc.mint(lender, 2_000_000e6);
        usdc.mint(lender2, 2_000_000e6);
        weth.mint(borrower, 20e18);
        usdc.mint(liquidatorEoa, 100_000e6);
        ColdProbe probe = new ColdProbe();
        probe.read();
        uint256 first = vm.lastCallGas().gasTotalUsed;
        probe.read();
        isolated = vm.lastCallGas().gasTotalUsed == first;
    }

    function _snap(string memory group, string memory name) internal {
        if (isolated) vm.snapshotGasLastCall(group, name);
    }

    function _nextBlock() internal {
        vm.warp(block.timestamp + 1 hours);
        vm.roll(block.number + 1);
    }

    function test_gas_lendingSteps() public {
        _nextBlock();
        vm.prank(lender);
        pool.supply(1_000_000e6);
        _snap("lending", "supply_first");

        _nextBlock();
        vm.prank(lender2);
        pool.supply(1_000_000e6);
        _snap("lending", "supply_second");

        _nextBlock();
        vm.prank(borrower);
        pool.supplyCollateral(address(weth), 10e18, borrower);
        _snap("lending", "supplyCollateral_first");

        _nextBlock();
        vm.prank(borrower);
        pool.borrow(address(weth), 10_000e6);
        _snap("lending", "borrow_first");

        _nextBlock();
        vm.prank(borrower);
        pool.borrow(address(weth), 1_000e6);
        _snap("lending", "borrow_second");

        _nextBlock();
        vm.prank(borrower);
        pool.repay(address(weth), 5_000e6, 0, borrower);
        _snap("lending", "repay");

        _nextBlock();
        vm.prank(borrower);
        pool.withdrawCollateral(address(weth), 1e18);
        _snap("lending", "withdrawCollateral");

        _nextBlock();
        vm.prank(lender2);
        pool.withdraw(100_000e6, 0);
        _snap("lending", "withdraw");

        // WETH 2000 -> 700: 9 WETH against ~6,000 USDC is a 105% collateral ratio, below the 110% threshold
        // (at 760, the table's price, it would still be 114%: healthy under Palisade's default threshold)
        _nextBlock();
        _setPrice(address(weth), 700e8);
        vm.prank(liquidatorEoa);
        LotId id = liquidator.kick(borrower, address(weth));
        _snap("liquidation", "kick");

        // take about half the debt at the start price (110% of 700)
        _nextBlock();
        vm.roll(block.number + 1);
        vm.warp(block.timestamp - 1 hours + 1); // same auction step as the kick, next block
        vm.prank(liquidatorEoa);
        liquidator.take(id, 4e18, type(uint256).max, liquidatorEoa, "");
        _snap("liquidation", "take_partial");

        vm.roll(block.number + 1);
        vm.warp(block.timestamp + 1);
        vm.prank(liquidatorEoa);
        liquidator.take(id, type(uint256).max, type(uint256).max, liquidatorEoa, "");
        _snap("liquidation", "take_final");
    }

    function test_gas_kickAndFullTake() public {
        vm.prank(lender);
        pool.supply(1_000_000e6);
        vm.prank(borrower);
        pool.supplyCollateral(address(weth), 9e18, borrower);
        vm.prank(borrower);
        pool.borrow(address(weth), 6_000e6);
        _nextBlock();
        _setPrice(address(weth), 700e8);
        vm.prank(liquidatorEoa);
        LotId id = liquidator.kick(borrower, address(weth));
        vm.roll(block.number + 1);
        vm.warp(block.timestamp + 1);
        vm.prank(liquidatorEoa);
        liquidator.take(id, type(uint256).max, type(uint256).max, liquidatorEoa, "");
        _snap("liquidation", "take_whole_lot");
    }
}
