// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.24;

import {LendingTestBase} from "../utils/LendingTestBase.sol";
import {ColdProbe} from "../lending/LendingGas.t.sol";
import {LotId} from "../../src/liquidation/LotId.sol";

/// @notice Gas of the priced steps while a move beyond the oracle's guard is pending (the common case, an
///         accepted price, is in snapshots/{lending,liquidation}.json). Same conditions as LendingGasTest; run
///         with `forge test --isolate --match-path test/oracle/PriceOracleGuardGas.t.sol` to write
///         contracts/snapshots/oracle.json.
contract PriceOracleGuardGasTest is LendingTestBase {
    address internal liquidatorEoa = makeAddr("liquidatorEoa");
    bool internal isolated;

    function setUp() public override {
        super.setUp();
        allowlist.set(liquidatorEoa, true);
        _approveAll(liquidatorEoa);
        usdc.mint(lender, 2_000_000e6);
        weth.mint(borrower, 20e18);
        usdc.mint(liquidatorEoa, 100_000e6);
        ColdProbe probe = new ColdProbe();
        probe.read();
        uint256 first = vm.lastCallGas().gasTotalUsed;
        probe.read();
        isolated = vm.lastCallGas().gasTotalUsed == first;
    }

    function _snap(string memory name) internal {
        if (isolated) vm.snapshotGasLastCall("oracle", name);
    }

    function _nextBlock() internal {
        vm.warp(block.timestamp + 1 minutes);
        vm.roll(block.number + 1);
    }

    function test_gas_stepsWhileAMoveIsPending() public {
        vm.prank(lender);
        pool.supply(1_000_000e6);
        _nextBlock();
        vm.prank(borrower);
        pool.supplyCollateral(address(weth), 10e18, borrower);
        _nextBlock();
        vm.prank(borrower);
        pool.borrow(address(weth), 10_000e6);

        // a one-round +60% spike: the first borrow after it records the move
        _nextBlock();
        vm.prank(pusher);
        wethFeed.updateAnswer(3200e8);
        _nextBlock();
        vm.prank(borrower);
        pool.borrow(address(weth), 1_000e6);
        _snap("borrow_opensMove");
        _nextBlock();
        vm.prank(borrower);
        pool.borrow(address(weth), 1_000e6);
        _snap("borrow_movePending");

        // then a one-round crash to 1,200 (-40% from the last accepted 2,000): the kick records the move
        _nextBlock();
        vm.prank(pusher);
        wethFeed.updateAnswer(1200e8);
        _nextBlock();
        vm.prank(liquidatorEoa);
        LotId id = liquidator.kick(borrower, address(weth));
        _snap("kick_opensMove");
        vm.warp(block.timestamp + 1); // same auction step, next block
        vm.roll(block.number + 1);
        vm.prank(liquidatorEoa);
        liquidator.take(id, 4e18, type(uint256).max, liquidatorEoa, "");
        _snap("take_movePending");
    }
}
