// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.24;

import {SettlementTestBase} from "./utils/SettlementTestBase.sol";
import {ISettlement, Order, Fill, PairStatus} from "../../src/exchange/ISettlement.sol";
import {MisbehavingERC20} from "../utils/MisbehavingERC20.sol";

/// @notice Misbehaving base tokens and the operator switch.
contract SettlementTokensTest is SettlementTestBase {
    MisbehavingERC20 internal bad;

    function setUp() public override {
        super.setUp();
        bad = new MisbehavingERC20("Bad", "BAD", 18);
        vm.prank(gov);
        settlement.setPairStatus(address(bad), address(usdc), PairStatus.Listed);
        bad.mint(maker, 10e18);
        vm.prank(maker);
        bad.approve(address(settlement), type(uint256).max);
    }

    function _badFill() internal view returns (Fill memory) {
        Order memory ask = _order(maker, SELL, PRICE, 1e18, 1);
        Order memory bid = _order(taker, BUY, PRICE, 1e18, 1);
        ask.base = bid.base = address(bad);
        return _fill(ask, makerKey, bid, takerKey, 1e18);
    }

    function test_settle_reentryIsRefused() public {
        bad.setMode(MisbehavingERC20.Mode.Reenter);
        bad.setReentry(address(settlement), abi.encodeCall(ISettlement.distributeFees, (address(usdc))));
        _settle(_badFill());
        assertTrue(bad.reentered());
        assertFalse(bad.reentrySucceeded());
        assertEq(bytes4(bad.reentryReturnData()), ISettlement.Reentrancy.selector);
    }

    function test_settle_revertsWhenTokenReturnsFalse_nothingMoved() public {
        bad.setMode(MisbehavingERC20.Mode.ReturnFalse);
        uint256 takerUsdc = usdc.balanceOf(taker);
        Fill[] memory fills = _one(_badFill());
        vm.prank(operator);
        vm.expectRevert();
        settlement.settle(fills);
        assertEq(usdc.balanceOf(taker), takerUsdc);
        assertEq(bad.balanceOf(maker), 10e18);
        assertFalse(settlement.isClosed(maker, 1));
    }

    function test_setOperator_zeroStopsSettlement() public {
        vm.expectEmit(address(settlement));
        emit ISettlement.OperatorSet(address(0));
        vm.prank(gov);
        settlement.setOperator(address(0));
        Fill[] memory fills = _one(_badFill());
        vm.prank(operator);
        vm.expectRevert(abi.encodeWithSelector(ISettlement.NotOperator.selector, operator));
        settlement.settle(fills);
    }
}
