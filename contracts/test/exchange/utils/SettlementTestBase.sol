// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.24;

import {Test} from "forge-std/Test.sol";
import {Settlement} from "../../../src/exchange/Settlement.sol";
import {Order, Fill, PairStatus} from "../../../src/exchange/ISettlement.sol";
import {Service} from "../../../src/compliance/IQualification.sol";
import {MockERC20} from "../../utils/MockERC20.sol";
import {AllowlistQualification} from "../../utils/AllowlistQualification.sol";

/// @notice Shared setup: WETH/USDC listed, two qualified clients funded and approved, one operator.
abstract contract SettlementTestBase is Test {
    uint8 internal constant BUY = 0;
    uint8 internal constant SELL = 1;
    uint256 internal constant PRICE = 2000e6; // USDC per 1e18 WETH units: 1 WETH = 2,000 USDC
    uint256 internal constant FEE_BPS = 10;

    Settlement internal settlement;
    AllowlistQualification internal registry;
    MockERC20 internal weth;
    MockERC20 internal usdc;
    address internal gov = makeAddr("governance");
    address internal operator = makeAddr("operator");
    address internal reserve = makeAddr("reserve");
    address internal feeRecipient = makeAddr("feeRecipient");
    address internal maker;
    uint256 internal makerKey;
    address internal taker;
    uint256 internal takerKey;

    function setUp() public virtual {
        registry = new AllowlistQualification(Service.DCE);
        weth = new MockERC20("Wrapped Ether", "WETH", 18);
        usdc = new MockERC20("USD Coin", "USDC", 6);
        settlement = new Settlement(registry, reserve, feeRecipient, FEE_BPS, gov);
        vm.startPrank(gov);
        settlement.setOperator(operator);
        settlement.setPairStatus(address(weth), address(usdc), PairStatus.Listed);
        vm.stopPrank();
        (maker, makerKey) = makeAddrAndKey("maker");
        (taker, takerKey) = makeAddrAndKey("taker");
        _client(maker);
        _client(taker);
    }

    function _client(address who) internal {
        registry.set(who, true);
        weth.mint(who, 100e18);
        usdc.mint(who, 1_000_000e6);
        vm.startPrank(who);
        weth.approve(address(settlement), type(uint256).max);
        usdc.approve(address(settlement), type(uint256).max);
        vm.stopPrank();
    }

    function _order(address signer, uint8 side, uint256 price, uint256 amount, uint256 nonce)
        internal
        view
        returns (Order memory)
    {
        return Order({
            signer: signer,
            base: address(weth),
            quote: address(usdc),
            side: side,
            price: price,
            amount: amount,
            expiry: uint64(block.timestamp + 1 hours),
            nonce: nonce
        });
    }

    function _sign(Order memory o, uint256 key) internal view returns (bytes32 r, bytes32 vs) {
        (r, vs) = vm.signCompact(key, settlement.orderDigest(o));
    }

    function _fill(Order memory m, uint256 mKey, Order memory t, uint256 tKey, uint256 baseAmount)
        internal
        view
        returns (Fill memory f)
    {
        f.maker = m;
        f.taker = t;
        (f.makerR, f.makerVS) = _sign(m, mKey);
        (f.takerR, f.takerVS) = _sign(t, tKey);
        f.baseAmount = baseAmount;
    }

    function _settle(Fill memory f) internal {
        Fill[] memory fills = new Fill[](1);
        fills[0] = f;
        vm.prank(operator);
        settlement.settle(fills);
    }

    function _one(Fill memory f) internal pure returns (Fill[] memory fills) {
        fills = new Fill[](1);
        fills[0] = f;
    }
}
