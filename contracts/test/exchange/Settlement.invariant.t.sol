// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.24;

import {Test, console} from "forge-std/Test.sol";
import {Settlement} from "../../src/exchange/Settlement.sol";
import {Order, PairStatus} from "../../src/exchange/ISettlement.sol";
import {MockERC20} from "../utils/MockERC20.sol";
import {AllowlistQualification} from "../utils/AllowlistQualification.sol";
import {Service} from "../../src/compliance/IQualification.sol";
import {SettlementHandler} from "./handlers/SettlementHandler.sol";

contract SettlementInvariantTest is Test {
    Settlement internal settlement;
    SettlementHandler internal handler;
    MockERC20 internal weth;
    MockERC20 internal usdc;
    address internal reserve = makeAddr("reserve");
    address internal feeRecipient = makeAddr("feeRecipient");

    function setUp() public {
        address gov = makeAddr("governance");
        address operator = makeAddr("operator");
        AllowlistQualification registry = new AllowlistQualification(Service.DCE);
        weth = new MockERC20("Wrapped Ether", "WETH", 18);
        usdc = new MockERC20("USD Coin", "USDC", 6);
        settlement = new Settlement(registry, reserve, feeRecipient, 10, gov);
        vm.startPrank(gov);
        settlement.setOperator(operator);
        settlement.setPairStatus(address(weth), address(usdc), PairStatus.Listed);
        vm.stopPrank();
        handler = new SettlementHandler(settlement, registry, weth, usdc, gov, operator);
        targetContract(address(handler));
    }

    function _held(MockERC20 token) internal view returns (uint256 sum) {
        for (uint256 i; i < 4; i++) {
            sum += token.balanceOf(handler.actors(i));
        }
        sum += token.balanceOf(address(settlement)) + token.balanceOf(reserve) + token.balanceOf(feeRecipient);
    }

    /// @notice No token created or lost: the clients, the collected fees, the reserve and the fee recipient hold
    ///         exactly what was minted, of both tokens.
    function invariant_noTokenCreatedOrLost() public view {
        assertEq(_held(weth), handler.ghostMintedWeth(), "WETH");
        assertEq(_held(usdc), handler.ghostMintedUsdc(), "USDC");
        assertEq(weth.totalSupply(), handler.ghostMintedWeth());
        assertEq(usdc.totalSupply(), handler.ghostMintedUsdc());
    }

    /// @notice An order never fills beyond its amount, and the contract's record agrees with the ghost's.
    function invariant_orderNeverFillsBeyondAmount() public view {
        uint256 n = handler.orderCount();
        for (uint256 i; i < n; i++) {
            Order memory o = handler.orderAt(i);
            bytes32 h = settlement.orderHash(o);
            uint256 ghost = handler.ghostFilled(h);
            assertLe(ghost, o.amount, "ghost fill beyond amount");
            assertLe(settlement.filled(h), o.amount, "stored fill beyond amount");
            if (ghost == o.amount) assertTrue(settlement.isClosed(o.signer, o.nonce), "complete order left open");
            if (!settlement.isClosed(o.signer, o.nonce)) assertEq(settlement.filled(h), ghost, "filled record");
        }
    }

    /// @notice An unqualified party or a pair not listed never settles.
    function invariant_forbiddenNeverSettles() public view {
        assertEq(handler.ghostForbiddenSettled(), 0);
    }

    /// @dev Shows how many fills each run settled (a run that never settles proves nothing).
    function afterInvariant() public view {
        console.log("fills settled", handler.ghostFills(), "orders", handler.orderCount());
    }

    /// @notice The reserve always holds 30% (rounded down) of what has been distributed.
    function invariant_reserveGetsItsShare() public view {
        uint256 out = usdc.balanceOf(reserve) + usdc.balanceOf(feeRecipient);
        assertLe(usdc.balanceOf(reserve), out * 3_000 / 10_000);
    }
}
