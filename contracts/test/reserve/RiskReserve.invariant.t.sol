// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.24;

import {Test} from "forge-std/Test.sol";
import {LendingTestBase} from "../utils/LendingTestBase.sol";
import {RiskReserve} from "../../src/reserve/RiskReserve.sol";
import {MockERC20} from "../utils/MockERC20.sol";

/// @notice Deposits, direct transfers + skims and shortfall draws on the reserve, in any order.
contract ReserveHandler is Test {
    RiskReserve internal reserve;
    MockERC20 internal usdc;
    address internal liquidator;
    uint256 public ghost_in;
    uint256 public ghost_out;
    uint256 public ghost_unbooked;

    constructor(RiskReserve reserve_, MockERC20 usdc_, address liquidator_) {
        reserve = reserve_;
        usdc = usdc_;
        liquidator = liquidator_;
        usdc.approve(address(reserve), type(uint256).max);
    }

    function deposit(uint256 amount) external {
        amount = bound(amount, 1, 1e15);
        usdc.mint(address(this), amount);
        reserve.deposit(amount);
        ghost_in += amount;
    }

    function transferDirectly(uint256 amount) external {
        amount = bound(amount, 1, 1e15);
        usdc.mint(address(reserve), amount);
        ghost_unbooked += amount;
    }

    function skim() external {
        if (ghost_unbooked == 0) return;
        ghost_in += reserve.skim();
        ghost_unbooked = 0;
    }

    function coverShortfall(uint256 amount) external {
        amount = bound(amount, 1, 2e15);
        vm.prank(liquidator);
        ghost_out += reserve.coverShortfall(amount);
    }
}

contract RiskReserveInvariantTest is LendingTestBase {
    ReserveHandler internal handler;

    function setUp() public override {
        super.setUp();
        handler = new ReserveHandler(reserve, usdc, address(liquidator));
        targetContract(address(handler));
    }

    /// Reserve accounting equals its token balance (once direct transfers are skimmed) and its ghost flows.
    function invariant_reserve_accountingEqualsTokenBalance() public view {
        assertEq(reserve.balance() + handler.ghost_unbooked(), usdc.balanceOf(address(reserve)));
        assertEq(reserve.balance(), handler.ghost_in() - handler.ghost_out());
    }
}
