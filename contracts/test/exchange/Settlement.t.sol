// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.24;

import {SettlementTestBase} from "./utils/SettlementTestBase.sol";
import {ISettlement, Order, Fill, PairStatus} from "../../src/exchange/ISettlement.sol";
import {IGoverned} from "../../src/shared/IGoverned.sol";
import {Settlement} from "../../src/exchange/Settlement.sol";

contract SettlementTest is SettlementTestBase {
    struct Balances {
        uint256 makerWeth;
        uint256 makerUsdc;
        uint256 takerWeth;
        uint256 takerUsdc;
        uint256 feesHeld;
    }

    function _balances() internal view returns (Balances memory b) {
        b = Balances(
            weth.balanceOf(maker),
            usdc.balanceOf(maker),
            weth.balanceOf(taker),
            usdc.balanceOf(taker),
            usdc.balanceOf(address(settlement))
        );
    }

    function _assertUnchanged(Balances memory a) internal view {
        Balances memory b = _balances();
        assertEq(b.makerWeth, a.makerWeth, "maker WETH moved");
        assertEq(b.makerUsdc, a.makerUsdc, "maker USDC moved");
        assertEq(b.takerWeth, a.takerWeth, "taker WETH moved");
        assertEq(b.takerUsdc, a.takerUsdc, "taker USDC moved");
        assertEq(b.feesHeld, a.feesHeld, "fees moved");
    }

    /// @dev Expects `settle(fills)` to revert with `err` and checks that no balance and no order state changed.
    function _expectRevertNothingMoved(Fill memory f, bytes memory err) internal {
        Balances memory before = _balances();
        bytes32 mh = settlement.orderHash(f.maker);
        bytes32 th = settlement.orderHash(f.taker);
        uint256 mFilled = settlement.filled(mh);
        uint256 tFilled = settlement.filled(th);
        vm.prank(operator);
        vm.expectRevert(err);
        settlement.settle(_one(f));
        _assertUnchanged(before);
        assertEq(settlement.filled(mh), mFilled);
        assertEq(settlement.filled(th), tFilled);
    }

    function _askBid() internal view returns (Order memory ask, Order memory bid) {
        ask = _order(maker, SELL, PRICE, 1e18, 1);
        bid = _order(taker, BUY, PRICE, 1e18, 1);
    }

    // ------------------------------------------------------------------------------------------ happy paths

    function test_settle_movesBaseAndQuoteAndCollectsFee() public {
        (Order memory ask, Order memory bid) = _askBid();
        Balances memory a = _balances();
        Fill memory f = _fill(ask, makerKey, bid, takerKey, 1e18);
        vm.expectEmit(address(settlement));
        emit ISettlement.Filled(settlement.orderHash(ask), settlement.orderHash(bid), maker, taker, 1e18, 2000e6, 2e6);
        _settle(f);
        Balances memory b = _balances();
        assertEq(b.makerWeth, a.makerWeth - 1e18);
        assertEq(b.takerWeth, a.takerWeth + 1e18);
        assertEq(b.takerUsdc, a.takerUsdc - 2000e6);
        assertEq(b.makerUsdc, a.makerUsdc + 2000e6 - 2e6); // 10 bps out of the seller's proceeds
        assertEq(b.feesHeld, 2e6);
        assertTrue(settlement.isClosed(maker, 1));
        assertTrue(settlement.isClosed(taker, 1));
    }

    function test_settle_makerBuyAtMakersPrice_takerSellsBelow() public {
        Order memory bid = _order(maker, BUY, PRICE, 1e18, 7);
        Order memory ask = _order(taker, SELL, PRICE - 100e6, 1e18, 7); // taker accepts less; trades at maker's price
        uint256 takerUsdc = usdc.balanceOf(taker);
        _settle(_fill(bid, makerKey, ask, takerKey, 1e18));
        assertEq(usdc.balanceOf(taker), takerUsdc + 2000e6 - 2e6);
    }

    function test_settle_partialFillsTrackedByHash_untilComplete() public {
        Order memory ask = _order(maker, SELL, PRICE, 3e18, 1);
        bytes32 h = settlement.orderHash(ask);
        for (uint256 i = 1; i <= 3; i++) {
            Order memory bid = _order(taker, BUY, PRICE, 1e18, 100 + i);
            _settle(_fill(ask, makerKey, bid, takerKey, 1e18));
            if (i < 3) assertEq(settlement.filled(h), i * 1e18);
        }
        assertTrue(settlement.isClosed(maker, 1));
        assertEq(settlement.filled(h), 0); // slot freed once complete
        Order memory late = _order(taker, BUY, PRICE, 1e18, 200);
        _expectRevertNothingMoved(
            _fill(ask, makerKey, late, takerKey, 1e18),
            abi.encodeWithSelector(ISettlement.OrderClosed.selector, h, maker, 1)
        );
    }

    function test_settle_batchIsAtomic() public {
        (Order memory ask, Order memory bid) = _askBid();
        Fill[] memory fills = new Fill[](2);
        fills[0] = _fill(ask, makerKey, bid, takerKey, 1e18);
        Order memory ask2 = _order(maker, SELL, PRICE, 1e18, 2);
        Order memory bid2 = _order(taker, BUY, PRICE, 1e18, 2);
        bid2.expiry = uint64(block.timestamp - 1);
        fills[1] = _fill(ask2, makerKey, bid2, takerKey, 1e18);
        Balances memory before = _balances();
        bytes memory err = abi.encodeWithSelector(ISettlement.OrderExpired.selector, settlement.orderHash(bid2), bid2.expiry);
        vm.prank(operator);
        vm.expectRevert(err);
        settlement.settle(fills);
        _assertUnchanged(before);
        assertFalse(settlement.isClosed(maker, 1)); // the first fill rolled back too
    }

    function test_distributeFees_thirtyPercentToReserve() public {
        (Order memory ask, Order memory bid) = _askBid();
        _settle(_fill(ask, makerKey, bid, takerKey, 1e18));
        vm.expectEmit(address(settlement));
        emit ISettlement.FeesDistributed(address(usdc), 0.6e6, 1.4e6);
        settlement.distributeFees(address(usdc));
        assertEq(usdc.balanceOf(reserve), 0.6e6);
        assertEq(usdc.balanceOf(feeRecipient), 1.4e6);
        assertEq(usdc.balanceOf(address(settlement)), 0);
    }

    // ------------------------------------------------------------------------------------------ rejections

    function test_settle_revertsOnBadSignature() public {
        (Order memory ask, Order memory bid) = _askBid();
        Fill memory f = _fill(ask, makerKey, bid, makerKey, 1e18); // taker's order signed by the maker's key
        _expectRevertNothingMoved(f, abi.encodeWithSelector(ISettlement.BadSignature.selector, settlement.orderHash(bid)));
    }

    function test_settle_revertsWhenOrderAlteredAfterSigning() public {
        (Order memory ask, Order memory bid) = _askBid();
        Fill memory f = _fill(ask, makerKey, bid, takerKey, 1e18);
        f.maker.price = PRICE - 1; // the operator cannot change the maker's terms
        _expectRevertNothingMoved(f, abi.encodeWithSelector(ISettlement.BadSignature.selector, settlement.orderHash(f.maker)));
    }

    function test_settle_revertsWhenExpired() public {
        (Order memory ask, Order memory bid) = _askBid();
        ask.expiry = uint64(block.timestamp - 1);
        Fill memory f = _fill(ask, makerKey, bid, takerKey, 1e18);
        _expectRevertNothingMoved(
            f, abi.encodeWithSelector(ISettlement.OrderExpired.selector, settlement.orderHash(ask), ask.expiry)
        );
    }

    function test_settle_revertsWhenCancelled() public {
        (Order memory ask, Order memory bid) = _askBid();
        vm.expectEmit(address(settlement));
        emit ISettlement.OrderCancelled(maker, 1, settlement.orderHash(ask));
        vm.prank(maker);
        settlement.cancel(ask);
        _expectRevertNothingMoved(
            _fill(ask, makerKey, bid, takerKey, 1e18),
            abi.encodeWithSelector(ISettlement.OrderClosed.selector, settlement.orderHash(ask), maker, 1)
        );
    }

    function test_cancel_revertsForOtherThanSigner() public {
        (Order memory ask,) = _askBid();
        vm.prank(taker);
        vm.expectRevert(abi.encodeWithSelector(ISettlement.NotSigner.selector, taker, maker));
        settlement.cancel(ask);
        assertFalse(settlement.isClosed(maker, 1));
    }

    function test_settle_revertsOnOverfill() public {
        Order memory ask = _order(maker, SELL, PRICE, 1e18, 1);
        Order memory bid = _order(taker, BUY, PRICE, 2e18, 1);
        _expectRevertNothingMoved(
            _fill(ask, makerKey, bid, takerKey, 1e18 + 1),
            abi.encodeWithSelector(ISettlement.Overfill.selector, settlement.orderHash(ask), 0, 1e18 + 1, 1e18)
        );
    }

    function test_settle_revertsOnOverfillAfterPartial() public {
        Order memory ask = _order(maker, SELL, PRICE, 1e18, 1);
        _settle(_fill(ask, makerKey, _order(taker, BUY, PRICE, 1e18, 1), takerKey, 0.6e18));
        _expectRevertNothingMoved(
            _fill(ask, makerKey, _order(taker, BUY, PRICE, 1e18, 2), takerKey, 0.5e18),
            abi.encodeWithSelector(ISettlement.Overfill.selector, settlement.orderHash(ask), 0.6e18, 0.5e18, 1e18)
        );
    }

    function test_settle_revertsWhenMakerUnqualified() public {
        (Order memory ask, Order memory bid) = _askBid();
        registry.set(maker, false);
        _expectRevertNothingMoved(
            _fill(ask, makerKey, bid, takerKey, 1e18), abi.encodeWithSelector(ISettlement.NotQualified.selector, maker)
        );
    }

    function test_settle_revertsWhenTakerUnqualified() public {
        (Order memory ask, Order memory bid) = _askBid();
        registry.set(taker, false);
        _expectRevertNothingMoved(
            _fill(ask, makerKey, bid, takerKey, 1e18), abi.encodeWithSelector(ISettlement.NotQualified.selector, taker)
        );
    }

    function test_settle_revertsWhenPairSuspended() public {
        (Order memory ask, Order memory bid) = _askBid();
        vm.prank(gov);
        settlement.setPairStatus(address(weth), address(usdc), PairStatus.Suspended);
        _expectRevertNothingMoved(
            _fill(ask, makerKey, bid, takerKey, 1e18),
            abi.encodeWithSelector(ISettlement.PairNotListed.selector, address(weth), address(usdc), PairStatus.Suspended)
        );
    }

    function test_settle_revertsWhenPairUnlisted() public {
        (Order memory ask, Order memory bid) = _askBid();
        ask.base = bid.base = address(usdc);
        ask.quote = bid.quote = address(weth);
        _expectRevertNothingMoved(
            _fill(ask, makerKey, bid, takerKey, 1e18),
            abi.encodeWithSelector(ISettlement.PairNotListed.selector, address(usdc), address(weth), PairStatus.Unlisted)
        );
    }

    function test_settle_revertsWhenPricesDoNotCross() public {
        Order memory ask = _order(maker, SELL, PRICE, 1e18, 1);
        Order memory bid = _order(taker, BUY, PRICE - 1, 1e18, 1);
        _expectRevertNothingMoved(
            _fill(ask, makerKey, bid, takerKey, 1e18),
            abi.encodeWithSelector(ISettlement.PricesDoNotCross.selector, PRICE, PRICE - 1)
        );
        Order memory makerBid = _order(maker, BUY, PRICE, 1e18, 2);
        Order memory takerAsk = _order(taker, SELL, PRICE + 1, 1e18, 2);
        _expectRevertNothingMoved(
            _fill(makerBid, makerKey, takerAsk, takerKey, 1e18),
            abi.encodeWithSelector(ISettlement.PricesDoNotCross.selector, PRICE, PRICE + 1)
        );
    }

    function test_settle_revertsWhenSameSide() public {
        Order memory ask = _order(maker, SELL, PRICE, 1e18, 1);
        Order memory ask2 = _order(taker, SELL, PRICE, 1e18, 1);
        _expectRevertNothingMoved(
            _fill(ask, makerKey, ask2, takerKey, 1e18),
            abi.encodeWithSelector(
                ISettlement.OrdersMismatch.selector, settlement.orderHash(ask), settlement.orderHash(ask2)
            )
        );
    }

    function test_settle_revertsOnZeroQuote() public {
        (Order memory ask, Order memory bid) = _askBid();
        _expectRevertNothingMoved(_fill(ask, makerKey, bid, takerKey, 1e8), abi.encodeWithSelector(ISettlement.ZeroAmount.selector));
    }

    function test_settle_revertsForNonOperator() public {
        (Order memory ask, Order memory bid) = _askBid();
        Fill[] memory fills = _one(_fill(ask, makerKey, bid, takerKey, 1e18));
        vm.prank(taker);
        vm.expectRevert(abi.encodeWithSelector(ISettlement.NotOperator.selector, taker));
        settlement.settle(fills);
    }

    function test_settle_revertsOnEmptyBatch() public {
        vm.prank(operator);
        vm.expectRevert(ISettlement.EmptyBatch.selector);
        settlement.settle(new Fill[](0));
    }

    // ------------------------------------------------------------------------------------------ governance

    function test_governance_onlyGovernanceListsSetsFeeAndOperators() public {
        vm.startPrank(taker);
        vm.expectRevert(abi.encodeWithSelector(IGoverned.NotGovernance.selector, taker));
        settlement.setPairStatus(address(weth), address(usdc), PairStatus.Suspended);
        vm.expectRevert(abi.encodeWithSelector(IGoverned.NotGovernance.selector, taker));
        settlement.setFeeBps(1);
        vm.expectRevert(abi.encodeWithSelector(IGoverned.NotGovernance.selector, taker));
        settlement.setOperator(taker);
        vm.expectRevert(abi.encodeWithSelector(IGoverned.NotGovernance.selector, taker));
        settlement.setFeeRecipient(taker);
        vm.stopPrank();

        vm.startPrank(gov);
        vm.expectEmit(address(settlement));
        emit ISettlement.PairStatusSet(address(weth), address(usdc), PairStatus.Suspended);
        settlement.setPairStatus(address(weth), address(usdc), PairStatus.Suspended);
        vm.expectRevert(abi.encodeWithSelector(ISettlement.FeeTooHigh.selector, 101, 100));
        settlement.setFeeBps(101);
        vm.expectEmit(address(settlement));
        emit ISettlement.FeeSet(100);
        settlement.setFeeBps(100);
        vm.expectRevert(abi.encodeWithSelector(ISettlement.InvalidPair.selector, address(weth), address(weth)));
        settlement.setPairStatus(address(weth), address(weth), PairStatus.Listed);
        vm.stopPrank();
        assertEq(settlement.feeBps(), 100);
    }

    function test_constructor_rejectsZeroAddressesAndHighFee() public {
        vm.expectRevert(IGoverned.ZeroAddress.selector);
        new Settlement(registry, address(0), feeRecipient, 10, gov);
        vm.expectRevert(abi.encodeWithSelector(ISettlement.FeeTooHigh.selector, 101, 100));
        new Settlement(registry, reserve, feeRecipient, 101, gov);
    }

    // ------------------------------------------------------------------------------------------ fuzz

    /// @dev Any fill size and crossing taker price: the buyer pays exactly base * makerPrice / 1e18, the seller
    ///      gets it less the fee, the fee stays here, the base moves one for one, and the order state matches.
    function testFuzz_settle_conservesAndTracks(uint256 amount, uint256 fillAmount, uint256 price, uint256 takerPremium)
        public
    {
        amount = bound(amount, 1e12, 50e18);
        fillAmount = bound(fillAmount, 1e12, amount);
        price = bound(price, 1e6, 10_000e6);
        takerPremium = bound(takerPremium, 0, 1_000e6);
        Order memory ask = _order(maker, SELL, price, amount, 5);
        Order memory bid = _order(taker, BUY, price + takerPremium, fillAmount, 9);
        uint256 quote = fillAmount * price / 1e18;
        vm.assume(quote > 0);
        uint256 fee = quote * FEE_BPS / 10_000;
        Balances memory a = _balances();
        _settle(_fill(ask, makerKey, bid, takerKey, fillAmount));
        Balances memory b = _balances();
        assertEq(b.takerWeth - a.takerWeth, fillAmount);
        assertEq(a.makerWeth - b.makerWeth, fillAmount);
        assertEq(a.takerUsdc - b.takerUsdc, quote);
        assertEq(b.makerUsdc - a.makerUsdc, quote - fee);
        assertEq(b.feesHeld - a.feesHeld, fee);
        assertTrue(settlement.isClosed(taker, 9));
        assertEq(settlement.isClosed(maker, 5), fillAmount == amount);
        assertEq(settlement.filled(settlement.orderHash(ask)), fillAmount == amount ? 0 : fillAmount);
    }

    /// @dev Two fills against one order never exceed its amount.
    function testFuzz_settle_neverOverfills(uint256 amount, uint256 first, uint256 second) public {
        amount = bound(amount, 1e12, 50e18);
        first = bound(first, 1e12, amount);
        second = bound(second, 1e12, 60e18);
        Order memory ask = _order(maker, SELL, PRICE, amount, 1);
        _settle(_fill(ask, makerKey, _order(taker, BUY, PRICE, first, 1), takerKey, first));
        Fill[] memory fills = _one(_fill(ask, makerKey, _order(taker, BUY, PRICE, second, 2), takerKey, second));
        bytes32 h = settlement.orderHash(ask);
        if (first + second > amount) {
            if (first == amount) {
                vm.expectRevert(abi.encodeWithSelector(ISettlement.OrderClosed.selector, h, maker, 1));
            } else {
                vm.expectRevert(abi.encodeWithSelector(ISettlement.Overfill.selector, h, first, second, amount));
            }
        }
        vm.prank(operator);
        settlement.settle(fills);
        assertLe(first + (first + second > amount ? 0 : second), amount);
    }
}
