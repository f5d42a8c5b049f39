// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.24;

import {Test} from "forge-std/Test.sol";
import {Settlement} from "../../../src/exchange/Settlement.sol";
import {Order, Fill, PairStatus} from "../../../src/exchange/ISettlement.sol";
import {MockERC20} from "../../utils/MockERC20.sol";
import {AllowlistQualification} from "../../utils/AllowlistQualification.sol";

/// @notice Drives the settlement with random orders, fills, cancels, qualification and listing changes, and
///         keeps ghost state: what each order filled, how much was minted, and whether anything settled that
///         must not have (an unqualified party, a pair not listed).
contract SettlementHandler is Test {
    uint256 internal constant PRICE = 2000e6;

    Settlement public immutable settlement;
    AllowlistQualification public immutable registry;
    MockERC20 public immutable weth;
    MockERC20 public immutable usdc;
    address public immutable gov;
    address public immutable operator;

    address[] public actors;
    uint256[] internal _keys;
    Order[] internal _orders;
    uint256[] internal _orderKeys;

    mapping(bytes32 orderHash => uint256) public ghostFilled;
    uint256 public ghostMintedWeth;
    uint256 public ghostMintedUsdc;
    /// @dev Counts settlements that went through while a party was unqualified or the pair not listed.
    uint256 public ghostForbiddenSettled;
    /// @dev Counts successful fills, so a run that never settles is visible.
    uint256 public ghostFills;
    uint256 internal _nonce;

    constructor(Settlement s, AllowlistQualification r, MockERC20 weth_, MockERC20 usdc_, address gov_, address operator_) {
        settlement = s;
        registry = r;
        weth = weth_;
        usdc = usdc_;
        gov = gov_;
        operator = operator_;
        for (uint256 i; i < 4; i++) {
            (address a, uint256 k) = makeAddrAndKey(string.concat("client", vm.toString(i)));
            actors.push(a);
            _keys.push(k);
            registry.set(a, true);
            weth.mint(a, 1_000e18);
            usdc.mint(a, 10_000_000e6);
            ghostMintedWeth += 1_000e18;
            ghostMintedUsdc += 10_000_000e6;
            vm.startPrank(a);
            weth.approve(address(s), type(uint256).max);
            usdc.approve(address(s), type(uint256).max);
            vm.stopPrank();
        }
    }

    function orderCount() external view returns (uint256) {
        return _orders.length;
    }

    function orderAt(uint256 i) external view returns (Order memory) {
        return _orders[i];
    }

    function placeOrder(uint256 actorSeed, uint256 side, uint256 priceOffset, uint256 amount) public {
        uint256 i = actorSeed % actors.length;
        _orders.push(
            Order({
                signer: actors[i],
                base: address(weth),
                quote: address(usdc),
                side: uint8(side % 2),
                price: PRICE - 50e6 + bound(priceOffset, 0, 100e6),
                amount: bound(amount, 1e15, 10e18),
                expiry: uint64(block.timestamp + 30 days),
                nonce: ++_nonce
            })
        );
        _orderKeys.push(_keys[i]);
    }

    /// @dev Places a maker order and a taker order on the other side that crosses it, then fills between them.
    function placeCrossingAndFill(uint256 makerSeed, uint256 takerSeed, uint256 side, uint256 amountSeed) external {
        placeOrder(makerSeed, side, 50e6, amountSeed);
        placeOrder(takerSeed, side % 2 + 1, side % 2 == 0 ? 0 : 100e6, amountSeed >> 8);
        fill(_orders.length - 2, _orders.length - 1, amountSeed >> 16);
    }

    function fill(uint256 makerSeed, uint256 takerSeed, uint256 amountSeed) public {
        uint256 n = _orders.length;
        if (n < 2) return;
        uint256 mi = makerSeed % n;
        uint256 ti = takerSeed % n;
        Order memory m = _orders[mi];
        Order memory t = _orders[ti];
        if (mi == ti || m.side == t.side) return;
        if (m.amount - ghostFilled[settlement.orderHash(m)] < 1e12 || t.amount - ghostFilled[settlement.orderHash(t)] < 1e12) return;
        bytes32 mh = settlement.orderHash(m);
        bytes32 th = settlement.orderHash(t);
        uint256 room = _min(m.amount - ghostFilled[mh], t.amount - ghostFilled[th]);
        // one attempt in eight goes beyond what is left
        uint256 amount = amountSeed % 8 == 0 ? bound(amountSeed, room + 1, room + 1e15) : bound(amountSeed, 1e12, room);
        Fill memory f;
        f.maker = m;
        f.taker = t;
        (f.makerR, f.makerVS) = vm.signCompact(_orderKeys[mi], settlement.orderDigest(m));
        (f.takerR, f.takerVS) = vm.signCompact(_orderKeys[ti], settlement.orderDigest(t));
        f.baseAmount = amount;
        Fill[] memory fills = new Fill[](1);
        fills[0] = f;

        bool forbidden = !registry.allowed(m.signer) || !registry.allowed(t.signer)
            || settlement.pairStatus(address(weth), address(usdc)) != PairStatus.Listed;
        vm.prank(operator);
        try settlement.settle(fills) {
            if (forbidden) ghostForbiddenSettled++;
            ghostFilled[mh] += amount;
            ghostFilled[th] += amount;
            ghostFills++;
        } catch {}
    }

    function cancel(uint256 seed) external {
        if (_orders.length == 0) return;
        Order memory o = _orders[seed % _orders.length];
        vm.prank(o.signer);
        settlement.cancel(o);
    }

    function setQualified(uint256 actorSeed, bool ok) external {
        // mostly re-qualify, so that fills keep happening between the forbidden attempts
        registry.set(actors[actorSeed % actors.length], ok || actorSeed % 3 != 0);
    }

    function setPairStatus(uint256 status) external {
        vm.prank(gov);
        // listed two times in three
        uint256 s = status % 6;
        settlement.setPairStatus(address(weth), address(usdc), s < 4 ? PairStatus.Listed : (s == 4 ? PairStatus.Unlisted : PairStatus.Suspended));
    }

    function setFee(uint256 bps) external {
        vm.prank(gov);
        settlement.setFeeBps(bound(bps, 0, 100));
    }

    function distributeFees(bool quoteToken) external {
        settlement.distributeFees(quoteToken ? address(usdc) : address(weth));
    }

    function warp(uint256 secondsAhead) external {
        vm.warp(block.timestamp + bound(secondsAhead, 0, 2 hours));
    }

    function _min(uint256 a, uint256 b) internal pure returns (uint256) {
        return a < b ? a : b;
    }
}
