import { describe, expect, it } from 'vitest';
import { InputError } from '../shared/errors.ts';
import { BUY, FOK, GTC, IOC, OrderBook, SELL, Status } from './orderBook.ts';

const fills = (b: OrderBook) =>
  Array.from({ length: b.fillCount }, (_, f) => ({ maker: b.fillMakerId[f], tick: b.fillTick[f], lots: b.fillLots[f], left: b.fillMakerLeft[f] }));
const snapshot = (b: OrderBook) => JSON.stringify([b.orders(BUY), b.orders(SELL), b.bestBid, b.bestAsk, b.depth(BUY), b.depth(SELL)]);

function book() {
  const b = new OrderBook({ tickCount: 1024 });
  // asks: 101 ×5 (id 1, owner 10), 101 ×5 (id 2, owner 20), 103 ×10 (id 3, owner 30)
  b.limit(1, 10, SELL, 101, 5);
  b.limit(2, 20, SELL, 101, 5);
  b.limit(3, 30, SELL, 103, 10);
  // bids: 99 ×4 (id 4, owner 40), 98 ×6 (id 5, owner 50)
  b.limit(4, 40, BUY, 99, 4);
  b.limit(5, 50, BUY, 98, 6);
  return b;
}

describe('OrderBook', () => {
  it('rests a non-crossing limit and keeps best prices', () => {
    const b = book();
    expect(b.bestBid).toBe(99);
    expect(b.bestAsk).toBe(101);
    expect(b.depth(SELL)).toEqual([
      { tick: 101, lots: 10, orders: 2 },
      { tick: 103, lots: 10, orders: 1 },
    ]);
    expect(b.limit(6, 60, BUY, 100, 3)).toBe(Status.RESTING);
    expect(b.resting).toBe(3);
    expect(b.bestBid).toBe(100);
  });

  it('matches by price then time, at the maker price, and rests the rest', () => {
    const b = book();
    expect(b.limit(6, 60, BUY, 103, 13)).toBe(Status.FILLED);
    expect(fills(b)).toEqual([
      { maker: 1, tick: 101, lots: 5, left: 0 },
      { maker: 2, tick: 101, lots: 5, left: 0 },
      { maker: 3, tick: 103, lots: 3, left: 7 },
    ]);
    expect(b.bestAsk).toBe(103);
    expect(b.limit(7, 70, BUY, 104, 10)).toBe(Status.RESTING);
    expect(b.filled).toBe(7);
    expect(b.resting).toBe(3);
    expect(b.bestAsk).toBe(-1);
    expect(b.bestBid).toBe(104);
    expect(b.order(7)).toMatchObject({ tick: 104, lots: 3, side: BUY });
  });

  it('market order sweeps levels; the unfilled rest is cancelled, never rests', () => {
    const b = book();
    expect(b.market(9, 90, BUY, 25)).toBe(Status.REST_CANCELLED);
    expect(b.filled).toBe(20);
    expect(b.resting).toBe(0);
    expect(b.has(9)).toBe(false);
    expect(b.bestAsk).toBe(-1);
  });

  it('market order into an empty book trades nothing and changes nothing', () => {
    const b = new OrderBook({ tickCount: 1024 });
    expect(b.market(1, 1, SELL, 10)).toBe(Status.REST_CANCELLED);
    expect(b.filled).toBe(0);
    expect(b.fillCount).toBe(0);
    expect(b.orderCount).toBe(0);
    const c = book();
    c.market(8, 80, BUY, 20); // empties the asks
    const before = snapshot(c);
    expect(c.market(9, 90, BUY, 5)).toBe(Status.REST_CANCELLED);
    expect(c.filled).toBe(0);
    expect(snapshot(c)).toBe(before);
  });

  it('IOC trades what it can up to its limit and cancels the rest', () => {
    const b = book();
    expect(b.limit(6, 60, BUY, 102, 15, IOC)).toBe(Status.REST_CANCELLED);
    expect(b.filled).toBe(10);
    expect(b.has(6)).toBe(false);
    expect(b.bestAsk).toBe(103);
    expect(b.limit(7, 70, BUY, 100, 1, IOC)).toBe(Status.REST_CANCELLED);
    expect(b.filled).toBe(0);
  });

  it('FOK that cannot fill entirely leaves everything unchanged', () => {
    const b = book();
    const before = snapshot(b);
    expect(b.limit(6, 60, BUY, 102, 11, FOK)).toBe(Status.KILLED); // only 10 up to 102
    expect(b.fillCount).toBe(0);
    expect(b.filled).toBe(0);
    expect(snapshot(b)).toBe(before);
    expect(b.has(6)).toBe(false);
    expect(b.limit(7, 60, BUY, 102, 10, FOK)).toBe(Status.FILLED);
    expect(b.filled).toBe(10);
  });

  it('FOK does not count the owner\'s own orders as liquidity, and a kill cancels none of them', () => {
    const b = book();
    const before = snapshot(b);
    // owner 10 owns id 1 (5 lots at 101): only 5 + 10 others' lots up to 103
    expect(b.limit(6, 10, BUY, 103, 16, FOK)).toBe(Status.KILLED);
    expect(b.stpCount).toBe(0);
    expect(snapshot(b)).toBe(before);
    expect(b.limit(7, 10, BUY, 103, 15, FOK)).toBe(Status.FILLED);
    expect(b.stpCount).toBe(1);
    expect(b.stpIds[0]).toBe(1);
  });

  it('post-only that would cross is rejected and changes nothing; otherwise it rests', () => {
    const b = book();
    const before = snapshot(b);
    expect(b.limit(6, 60, BUY, 101, 1, GTC, true)).toBe(Status.POST_ONLY_REJECTED);
    expect(b.limit(7, 60, SELL, 99, 1, GTC, true)).toBe(Status.POST_ONLY_REJECTED);
    expect(snapshot(b)).toBe(before);
    expect(b.limit(8, 60, BUY, 100, 1, GTC, true)).toBe(Status.RESTING);
    expect(b.order(8)?.postOnly).toBe(true);
  });

  it('self-trade prevention cancels the resting order of the same owner and matches on', () => {
    const b = book();
    // owner 10 buys through its own ask id 1: id 1 is cancelled, id 2 fills
    expect(b.limit(6, 10, BUY, 101, 5)).toBe(Status.FILLED);
    expect(Array.from(b.stpIds.subarray(0, b.stpCount))).toEqual([1]);
    expect(fills(b)).toEqual([{ maker: 2, tick: 101, lots: 5, left: 0 }]);
    expect(b.has(1)).toBe(false);
    expect(b.bestAsk).toBe(103);
    // a level holding only the owner's orders is emptied and the order rests past it
    const c = new OrderBook({ tickCount: 1024 });
    c.limit(1, 7, SELL, 50, 3);
    expect(c.limit(2, 7, BUY, 50, 2)).toBe(Status.RESTING);
    expect(c.stpCount).toBe(1);
    expect(c.bestAsk).toBe(-1);
    expect(c.order(2)).toMatchObject({ tick: 50, lots: 2 });
  });

  it('cancel removes an order anywhere in its queue; unknown id changes nothing', () => {
    const b = book();
    expect(b.cancel(1)).toBe(Status.CANCELLED);
    expect(b.depth(SELL)[0]).toEqual({ tick: 101, lots: 5, orders: 1 });
    expect(b.cancel(3)).toBe(Status.CANCELLED);
    expect(b.depth(SELL)).toEqual([{ tick: 101, lots: 5, orders: 1 }]);
    const before = snapshot(b);
    expect(b.cancel(12345)).toBe(Status.UNKNOWN_ORDER);
    expect(b.cancel(1)).toBe(Status.UNKNOWN_ORDER);
    expect(snapshot(b)).toBe(before);
  });

  it('duplicate live id is refused', () => {
    const b = book();
    const before = snapshot(b);
    expect(b.limit(1, 10, BUY, 50, 1)).toBe(Status.DUPLICATE_ID);
    expect(b.market(2, 10, BUY, 1)).toBe(Status.DUPLICATE_ID);
    expect(snapshot(b)).toBe(before);
  });

  it('replace: reducing quantity at the same price keeps time priority', () => {
    const b = book();
    expect(b.replace(1, 101, 2)).toBe(Status.REDUCED);
    expect(b.depth(SELL)[0]).toEqual({ tick: 101, lots: 7, orders: 2 });
    b.market(9, 90, BUY, 2);
    expect(fills(b)).toEqual([{ maker: 1, tick: 101, lots: 2, left: 0 }]);
  });

  it('replace: increasing quantity or moving the price loses time priority', () => {
    const b = book();
    expect(b.replace(1, 101, 6)).toBe(Status.RESTING); // more lots: to the back of 101
    b.market(9, 90, BUY, 5);
    expect(fills(b)).toEqual([{ maker: 2, tick: 101, lots: 5, left: 0 }]);
    const c = book();
    expect(c.replace(3, 101, 10)).toBe(Status.RESTING); // new price: behind 1 and 2
    expect(c.orders(SELL).map((o) => o.id)).toEqual([1, 2, 3]);
  });

  it('replace to a crossing price matches like a new order; post-only replace that would cross is refused', () => {
    const b = book();
    expect(b.replace(4, 101, 7)).toBe(Status.FILLED);
    expect(b.filled).toBe(7);
    expect(fills(b)).toEqual([
      { maker: 1, tick: 101, lots: 5, left: 0 },
      { maker: 2, tick: 101, lots: 2, left: 3 },
    ]);
    expect(b.has(4)).toBe(false); // traded completely: gone
    const c = book();
    c.limit(6, 60, BUY, 100, 5, GTC, true);
    const before = snapshot(c);
    expect(c.replace(6, 101, 5)).toBe(Status.POST_ONLY_REJECTED);
    expect(snapshot(c)).toBe(before);
    expect(c.replace(999, 100, 1)).toBe(Status.UNKNOWN_ORDER);
  });

  it('rejects anything but integer ticks and lots with a clear error, changing nothing', () => {
    const b = book();
    const before = snapshot(b);
    const bad: [() => unknown, RegExp][] = [
      [() => b.limit(6, 1, BUY, 100.5, 1), /whole number of ticks/],
      [() => b.limit(6, 1, BUY, 1024, 1), /ticks in \[0, 1024\)/],
      [() => b.limit(6, 1, BUY, -1, 1), /ticks/],
      [() => b.limit(6, 1, BUY, 100, 0.5), /whole number of lots/],
      [() => b.limit(6, 1, BUY, 100, 0), /positive/],
      [() => b.limit(6, 1, BUY, 100, 2 ** 53), /lots/],
      [() => b.limit(6.5, 1, BUY, 100, 1), /order id/],
      [() => b.limit(6, -1, BUY, 100, 1), /owner/],
      [() => b.limit(6, 1, 2 as 0, 100, 1), /side/],
      [() => b.limit(6, 1, BUY, 100, 1, 7 as 0), /time in force/],
      [() => b.market(6, 1, SELL, Number.NaN), /lots/],
      [() => b.replace(1, 101, 1.5), /lots/],
      [() => b.replace(1, 101.2, 1), /ticks/],
    ];
    for (const [f, msg] of bad) expect(f).toThrow(InputError), expect(f).toThrow(msg);
    expect(snapshot(b)).toBe(before);
  });

  it('grows its order pool and fill buffer beyond their initial sizes', () => {
    const b = new OrderBook({ tickCount: 1024, initialOrders: 16 });
    for (let i = 1; i <= 1000; i++) b.limit(i, i, SELL, 500 + (i % 7), 1);
    expect(b.orderCount).toBe(1000);
    expect(b.market(5000, 5000, BUY, 1000)).toBe(Status.FILLED);
    expect(b.fillCount).toBe(1000);
    expect(b.fillTick[0]).toBe(500);
    expect(b.fillTick[999]).toBe(506);
    expect(b.orderCount).toBe(0);
  });

  it('finds the next best level across sparse ticks', () => {
    const b = new OrderBook({ tickCount: 1 << 16 });
    b.limit(1, 1, SELL, 5, 1);
    b.limit(2, 1, SELL, 40_000, 1);
    b.limit(3, 1, SELL, 65_535, 1);
    b.limit(4, 2, BUY, 0, 1);
    b.limit(5, 2, BUY, 3, 1);
    b.market(9, 9, BUY, 2);
    expect(b.bestAsk).toBe(65_535);
    b.market(10, 9, SELL, 1);
    expect(b.bestBid).toBe(0);
    b.cancel(4);
    expect(b.bestBid).toBe(-1);
  });
});
