/**
 * Randomized equivalence: the fast book against a naive reference (a plain array of orders,
 * re-sorted on every match) written straight from the rules in orderBook.ts's comment, over many
 * seeds, with few owners (so self-trade prevention fires), every order type and time in force,
 * post-only, replaces that reduce, grow and move, cancels of live and unknown ids, and a narrow
 * tick range (so levels empty and refill often).
 */
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../shared/seededRandom.ts';
import { BUY, FOK, GTC, IOC, OrderBook, SELL, Status, type StatusCode } from './orderBook.ts';
import { generateMix, OP_CANCEL, OP_LIMIT, OP_MARKET } from './opMix.ts';

type Ord = { id: number; owner: number; side: number; tick: number; lots: number; postOnly: boolean; time: number };
type Out = { status: StatusCode; filled: number; resting: number; fills: number[][]; stp: number[] };

class Reference {
  orders: Ord[] = [];
  private clock = 0;

  private crosses(side: number, limit: number, o: Ord) {
    return o.side !== side && (side === BUY ? o.tick <= limit : o.tick >= limit);
  }
  private queue(side: number, limit: number): Ord[] {
    return this.orders
      .filter((o) => this.crosses(side, limit, o))
      .sort((a, b) => (side === BUY ? a.tick - b.tick : b.tick - a.tick) || a.time - b.time);
  }
  private out(status: StatusCode, filled = 0, resting = 0, fills: number[][] = [], stp: number[] = []): Out {
    return { status, filled, resting, fills, stp };
  }

  limit(id: number, owner: number, side: number, tick: number, lots: number, tif: number, postOnly: boolean): Out {
    if (this.orders.some((o) => o.id === id)) return this.out(Status.DUPLICATE_ID);
    const q = this.queue(side, tick);
    if (postOnly && q.length > 0) return this.out(Status.POST_ONLY_REJECTED);
    if (tif === FOK && q.filter((o) => o.owner !== owner).reduce((s, o) => s + o.lots, 0) < lots) return this.out(Status.KILLED);
    let left = lots;
    const fills: number[][] = [];
    const stp: number[] = [];
    for (const m of q) {
      if (left === 0) break;
      if (m.owner === owner) {
        stp.push(m.id);
        this.orders = this.orders.filter((o) => o !== m);
        continue;
      }
      const take = Math.min(left, m.lots);
      left -= take;
      m.lots -= take;
      fills.push([m.id, m.tick, take, m.lots]);
      if (m.lots === 0) this.orders = this.orders.filter((o) => o !== m);
    }
    if (left === 0) return this.out(Status.FILLED, lots, 0, fills, stp);
    if (tif !== GTC) return this.out(Status.REST_CANCELLED, lots - left, 0, fills, stp);
    this.orders.push({ id, owner, side, tick, lots: left, postOnly, time: this.clock++ });
    return this.out(Status.RESTING, lots - left, left, fills, stp);
  }
  market(id: number, owner: number, side: number, lots: number, tickCount: number): Out {
    return this.limit(id, owner, side, side === BUY ? tickCount - 1 : 0, lots, IOC, false);
  }
  cancel(id: number): Out {
    const n = this.orders.length;
    this.orders = this.orders.filter((o) => o.id !== id);
    return this.out(this.orders.length < n ? Status.CANCELLED : Status.UNKNOWN_ORDER);
  }
  replace(id: number, tick: number, lots: number): Out {
    const o = this.orders.find((x) => x.id === id);
    if (!o) return this.out(Status.UNKNOWN_ORDER);
    if (o.tick === tick && lots <= o.lots) {
      o.lots = lots;
      return this.out(Status.REDUCED, 0, lots);
    }
    if (o.postOnly && this.queue(o.side, tick).length > 0) return this.out(Status.POST_ONLY_REJECTED);
    this.orders = this.orders.filter((x) => x !== o);
    return this.limit(id, o.owner, o.side, tick, lots, GTC, o.postOnly);
  }
  book(side: number) {
    return this.queue(1 - side, side === BUY ? 0 : Infinity).map(({ id, owner, tick, lots, postOnly }) => ({ id, owner, tick, lots, postOnly }));
  }
}

const outOf = (b: OrderBook): Out => ({
  status: b.status,
  filled: b.filled,
  resting: b.resting,
  fills: Array.from({ length: b.fillCount }, (_, f) => [b.fillMakerId[f]!, b.fillTick[f]!, b.fillLots[f]!, b.fillMakerLeft[f]!]),
  stp: Array.from(b.stpIds.subarray(0, b.stpCount)),
});
const bookOf = (b: OrderBook, side: 0 | 1) => b.orders(side).map(({ id, owner, tick, lots, postOnly }) => ({ id, owner, tick, lots, postOnly }));

function run(seed: number, ops: number) {
  const rnd = seededRandom(seed);
  const int = (n: number) => Math.floor(rnd() * n);
  const tickCount = 1024;
  const lo = 480 + int(20);
  const fast = new OrderBook({ tickCount, initialOrders: 16 });
  const ref = new Reference();
  let nextId = 1;
  const ids: number[] = [];
  for (let i = 0; i < ops; i++) {
    const r = rnd();
    const side = int(2) as 0 | 1;
    const owner = int(4);
    const tick = lo + int(40);
    const lots = 1 + int(20);
    let a: Out;
    let b: Out;
    const pickId = () => (ids.length > 0 && rnd() < 0.9 ? ids[int(ids.length)]! : 100_000 + int(100));
    if (r < 0.55) {
      const tif = rnd() < 0.7 ? GTC : rnd() < 0.5 ? IOC : FOK;
      const postOnly = rnd() < 0.15;
      const id = rnd() < 0.02 && ids.length > 0 ? ids[int(ids.length)]! : nextId++;
      ids.push(id);
      fast.limit(id, owner, side, tick, lots, tif, postOnly);
      a = outOf(fast);
      b = ref.limit(id, owner, side, tick, lots, tif, postOnly);
    } else if (r < 0.75) {
      const id = pickId();
      fast.cancel(id);
      a = outOf(fast);
      b = ref.cancel(id);
    } else if (r < 0.85) {
      const id = nextId++;
      fast.market(id, owner, side, lots * 2);
      a = outOf(fast);
      b = ref.market(id, owner, side, lots * 2, tickCount);
    } else {
      const id = pickId();
      const cur = fast.order(id);
      // a third keep the price (reduce or grow in place), the rest move it
      const t = cur && rnd() < 0.33 ? cur.tick : tick;
      fast.replace(id, t, lots);
      a = outOf(fast);
      b = ref.replace(id, t, lots);
    }
    expect(a, `seed ${seed} op ${i}`).toEqual(b);
    if (i % 50 === 0 || i === ops - 1) {
      expect(bookOf(fast, BUY), `seed ${seed} op ${i} bids`).toEqual(ref.book(BUY));
      expect(bookOf(fast, SELL), `seed ${seed} op ${i} asks`).toEqual(ref.book(SELL));
      const bestBid = ref.book(BUY)[0]?.tick ?? -1;
      const bestAsk = ref.book(SELL)[0]?.tick ?? -1;
      expect([fast.bestBid, fast.bestAsk]).toEqual([bestBid, bestAsk]);
      expect(fast.orderCount).toBe(ref.orders.length);
    }
  }
}

describe('OrderBook against a naive reference engine', () => {
  it('agrees on every result and on the book over 200 seeds × 1,000 random operations', () => {
    for (let seed = 1; seed <= 200; seed++) run(seed, 1000);
  });

  it('agrees on the bench mix (no self-trade by construction) over 20,000 operations', () => {
    const m = generateMix({ ops: 20_000, seed: 5, restingTarget: 300, band: 20, tickCount: 1 << 12 });
    const fast = new OrderBook({ tickCount: 1 << 12 });
    const ref = new Reference();
    for (let i = 0; i < m.count; i++) {
      const k = m.kind[i]!;
      const id = m.id[i]!;
      const side = m.side[i]! as 0 | 1;
      let b: Out;
      if (k === OP_LIMIT) fast.limit(id, id, side, m.tick[i]!, m.lots[i]!), (b = ref.limit(id, id, side, m.tick[i]!, m.lots[i]!, GTC, false));
      else if (k === OP_CANCEL) fast.cancel(id), (b = ref.cancel(id));
      else if (k === OP_MARKET) fast.market(id, id, side, m.lots[i]!), (b = ref.market(id, id, side, m.lots[i]!, 1 << 12));
      else fast.replace(id, m.tick[i]!, m.lots[i]!), (b = ref.replace(id, m.tick[i]!, m.lots[i]!));
      expect(outOf(fast), `op ${i}`).toEqual(b);
    }
    expect(bookOf(fast, BUY)).toEqual(ref.book(BUY));
    expect(bookOf(fast, SELL)).toEqual(ref.book(SELL));
  });
});
