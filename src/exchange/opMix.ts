/**
 * The seeded operation mix of the matching bench (issue 11): 60% limit (about 30% of them
 * crossing), 25% cancel, 10% market, 5% replace, on a book kept near 4,500 resting orders over
 * about 180 price levels. Also used by the randomized tests, so they exercise the bench's shape.
 *
 * The generator keeps its own book (an {@link OrderBook}) only to know which orders are live and
 * where the best prices are, so that cancels and replaces name live orders and "crossing" means
 * crossing. The operations are plain columns (typed arrays) fed identically to every engine.
 *
 * Owners are all distinct (owner = order id), so no self-trade can occur: the peer libraries have
 * no self-trade prevention, and with distinct owners both engines define the same result.
 * Replaces always move the price, because the peers treat every modify as cancel + new order
 * (time priority lost); our engine does the same for a price change, so both agree.
 */
import { seededRandom } from '../shared/seededRandom.ts';
import { BUY, OrderBook } from './orderBook.ts';

export const OP_LIMIT = 0;
export const OP_CANCEL = 1;
export const OP_MARKET = 2;
export const OP_REPLACE = 3;

export type OpMix = {
  count: number;
  /** Leading operations that build the initial book (not part of the measured mix). */
  setup: number;
  kind: Uint8Array;
  id: Float64Array;
  side: Uint8Array;
  tick: Int32Array;
  lots: Float64Array;
  crossing: number;
};

export type MixOptions = {
  ops: number;
  seed: number;
  restingTarget?: number;
  /** Half-width, in ticks, of the band passive orders are placed in (each side). */
  band?: number;
  tickCount?: number;
};

export function generateMix(o: MixOptions): OpMix {
  const restingTarget = o.restingTarget ?? 4500;
  const band = o.band ?? 80;
  const tickCount = o.tickCount ?? 1 << 18;
  const mid0 = tickCount >>> 1;
  const rnd = seededRandom(o.seed);
  const total = restingTarget + o.ops;
  const mix: OpMix = {
    count: total,
    setup: restingTarget,
    kind: new Uint8Array(total),
    id: new Float64Array(total),
    side: new Uint8Array(total),
    tick: new Int32Array(total),
    lots: new Float64Array(total),
    crossing: 0,
  };
  const book = new OrderBook({ tickCount });
  const live: number[] = [];
  let nextId = 1;
  const int = (n: number) => Math.floor(rnd() * n);
  const bestBid = () => (book.bestBid !== -1 ? book.bestBid : book.bestAsk !== -1 ? book.bestAsk - 1 : mid0 - 1);
  const bestAsk = () => (book.bestAsk !== -1 ? book.bestAsk : book.bestBid !== -1 ? book.bestBid + 1 : mid0 + 1);
  /** A live id, dropping dead ones lazily (swap-remove). */
  const pickLive = (): number => {
    while (live.length > 0) {
      const i = int(live.length);
      const id = live[i]!;
      if (book.has(id)) return id;
      live[i] = live[live.length - 1]!;
      live.pop();
    }
    return -1;
  };
  const passiveTick = (side: number) => (side === BUY ? bestAsk() - 1 - int(band) : bestBid() + 1 + int(band));

  for (let i = 0; i < total; i++) {
    let r = i < restingTarget ? 0 : rnd();
    // keep the book near its target size: fewer resting adds when above it, fewer removals below
    const size = book.orderCount;
    if (r >= 0.6 && r < 0.85 && size < restingTarget * 0.9) r = 0.3; // cancel → passive limit
    let kind: number;
    if (r < 0.6) kind = OP_LIMIT;
    else if (r < 0.85) kind = OP_CANCEL;
    else if (r < 0.95) kind = OP_MARKET;
    else kind = OP_REPLACE;
    if ((kind === OP_CANCEL || kind === OP_REPLACE) && live.length === 0) kind = OP_LIMIT;
    mix.kind[i] = kind;
    if (kind === OP_LIMIT) {
      const side = int(2);
      const crossing = i >= restingTarget && rnd() < 0.3;
      const id = nextId++;
      let tick: number;
      let lots: number;
      if (crossing) {
        mix.crossing++;
        tick = side === BUY ? bestAsk() + int(3) : bestBid() - int(3);
        lots = 1 + int(size > restingTarget ? 120 : 60);
      } else {
        tick = passiveTick(side);
        lots = 1 + int(100);
      }
      tick = Math.min(tickCount - 1, Math.max(0, tick));
      mix.id[i] = id;
      mix.side[i] = side;
      mix.tick[i] = tick;
      mix.lots[i] = lots;
      book.limit(id, id, side as 0 | 1, tick, lots);
      if (book.has(id)) live.push(id);
    } else if (kind === OP_CANCEL) {
      const id = pickLive();
      mix.id[i] = id;
      book.cancel(id);
    } else if (kind === OP_MARKET) {
      const side = int(2);
      const id = nextId++;
      const lots = 1 + int(size > restingTarget ? 120 : 60);
      mix.id[i] = id;
      mix.side[i] = side;
      mix.lots[i] = lots;
      book.market(id, id, side as 0 | 1, lots);
    } else {
      const id = pickLive();
      const ord = book.order(id)!;
      let tick = passiveTick(ord.side);
      if (tick === ord.tick) tick += ord.side === BUY ? -1 : 1;
      tick = Math.min(tickCount - 1, Math.max(0, tick));
      mix.id[i] = id;
      mix.side[i] = ord.side;
      mix.tick[i] = tick;
      mix.lots[i] = 1 + int(100);
      book.replace(id, tick, mix.lots[i]!);
    }
  }
  return mix;
}
