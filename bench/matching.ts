/**
 * `npm run bench -- matching [ops] [seed]`: the matching engine (src/exchange/orderBook.ts) on the
 * seeded issue-11 mix (src/exchange/opMix.ts: 60% limit, ~30% of them crossing, 25% cancel, 10%
 * market, 5% replace, ~4,500 resting orders over ~180 levels), and the same operations fed in the
 * same run to the peer libraries hft-limit-order-book 7.0.2 and nodejs-order-book 10.1.1.
 *
 * What is measured:
 * - only the engines: the operations are generated beforehand into typed arrays; no journaling
 *   (the journal appends asynchronously in batches off the matching path, see src/exchange/journal.ts);
 * - opsPerSecond: wall clock around a whole loop over the 1,000,000 mix operations (no per-op
 *   timer; the 4,500 setup orders that build the initial book are applied first, outside), on a
 *   fresh book each time, median of 3 passes, for every engine alike;
 * - p50/p99/p99.9: a second pass on a fresh book, `performance.now()` around each operation (a
 *   double, no allocation; its own cost is printed as timerOverheadUs and NOT subtracted);
 * - before both, each engine is warmed up on a different seed so the JIT state is comparable.
 * Equality: per operation, the lots the incoming order traded and the set of resting orders it
 * filled completely (count and id sum); at the end, every level (price, total lots) of both sides
 * and every resting order (price, open lots). The mix has distinct owners (no self-trade, which the
 * peer does not define) and price-moving replaces (the peer always re-queues on modify).
 */
import { OrderBook as HftBook } from 'hft-limit-order-book';
import { OrderBook as NodejsBook } from 'nodejs-order-book';
import { BUY, OrderBook, SELL } from '../src/exchange/orderBook.ts';
import { generateMix, OP_CANCEL, OP_LIMIT, OP_MARKET, type OpMix } from '../src/exchange/opMix.ts';

const OPS = Number(process.argv[2] ?? 1_000_000);
const SEED = Number(process.argv[3] ?? 11);
const TICKS = 1 << 18;
const PASSES = 3;
const say = (m: string) => console.error(m);

type Engine = {
  name: string;
  fresh(): void;
  /** Applies operation i; returns lots traded by the incoming order. */
  apply(m: OpMix, i: number): number;
  /**
   * Applies operations [from, to): the timed loop, one per engine so that each loop's call site
   * sees one engine only (a shared loop over three engines would be megamorphic and tax them all).
   * With `lat`, records performance.now() around each operation into lat[i - from].
   */
  run(m: OpMix, from: number, to: number, lat?: Float64Array): void;
  /** Completely filled makers of the last op: count and id sum. */
  doneMakers(): [number, number];
  levels(side: 0 | 1): [number, number][];
  order(id: number): [number, number] | undefined;
};

function ours(): Engine & { book: OrderBook } {
  const e = {
    name: 'palisade',
    book: new OrderBook({ tickCount: TICKS }),
    fresh() {
      e.book = new OrderBook({ tickCount: TICKS });
    },
    apply(m: OpMix, i: number): number {
      const b = e.book;
      const k = m.kind[i]!;
      if (k === OP_LIMIT) b.limit(m.id[i]!, m.id[i]!, m.side[i]! as 0 | 1, m.tick[i]!, m.lots[i]!);
      else if (k === OP_CANCEL) b.cancel(m.id[i]!);
      else if (k === OP_MARKET) b.market(m.id[i]!, m.id[i]!, m.side[i]! as 0 | 1, m.lots[i]!);
      else b.replace(m.id[i]!, m.tick[i]!, m.lots[i]!);
      return b.filled;
    },
    run(m: OpMix, from: number, to: number, lat?: Float64Array): void {
      const b = e.book;
      const { kind, id, side, tick, lots } = m;
      for (let i = from; i < to; i++) {
        const t0 = lat ? performance.now() : 0;
        const k = kind[i]!;
        if (k === OP_LIMIT) b.limit(id[i]!, id[i]!, side[i]! as 0 | 1, tick[i]!, lots[i]!);
        else if (k === OP_CANCEL) b.cancel(id[i]!);
        else if (k === OP_MARKET) b.market(id[i]!, id[i]!, side[i]! as 0 | 1, lots[i]!);
        else b.replace(id[i]!, tick[i]!, lots[i]!);
        if (lat) lat[i - from] = performance.now() - t0;
      }
    },
    doneMakers(): [number, number] {
      const b = e.book;
      let n = 0;
      let sum = 0;
      for (let f = 0; f < b.fillCount; f++) {
        if (b.fillMakerLeft[f] === 0) {
          n++;
          sum += b.fillMakerId[f]!;
        }
      }
      return [n, sum];
    },
    levels: (side: 0 | 1) => e.book.depth(side).map((l): [number, number] => [l.tick, l.lots]),
    order(id: number): [number, number] | undefined {
      const o = e.book.order(id);
      return o && [o.tick, o.lots];
    },
  };
  return e;
}

type PeerResult = { done: { id: string }[]; quantityLeft: number };
type PeerBook = {
  limit(o: { id: string; side: never; size: number; price: number }): PeerResult;
  market(o: { side: never; size: number }): PeerResult;
  modify(id: string, u: { price: number; size: number }): PeerResult;
  cancel(id: string): unknown;
  order(id: string): { price: number; size: number } | undefined;
  depth(): [[number, number][], [number, number][]];
};

/** The two peers share one API (nodejs-order-book is the renamed successor of hft-limit-order-book). */
function peer(name: string, make: () => PeerBook): Engine {
  let book = make();
  let last: PeerResult | undefined;
  let lastTaker = '';
  const sideName = (s: number) => (s === BUY ? 'buy' : 'sell') as never;
  return {
    name,
    fresh() {
      book = make();
    },
    apply(m: OpMix, i: number): number {
      const k = m.kind[i]!;
      const id = String(m.id[i]!);
      lastTaker = id;
      if (k === OP_LIMIT) {
        last = book.limit({ id, side: sideName(m.side[i]!), size: m.lots[i]!, price: m.tick[i]! });
        return m.lots[i]! - last.quantityLeft;
      }
      if (k === OP_CANCEL) {
        book.cancel(id);
        last = undefined;
        return 0;
      }
      if (k === OP_MARKET) {
        last = book.market({ side: sideName(m.side[i]!), size: m.lots[i]! });
        return m.lots[i]! - last.quantityLeft;
      }
      last = book.modify(id, { price: m.tick[i]!, size: m.lots[i]! });
      return m.lots[i]! - last.quantityLeft;
    },
    run(m: OpMix, from: number, to: number, lat?: Float64Array): void {
      const { kind, id, side, tick, lots } = m;
      for (let i = from; i < to; i++) {
        const t0 = lat ? performance.now() : 0;
        const k = kind[i]!;
        if (k === OP_LIMIT) book.limit({ id: String(id[i]!), side: sideName(side[i]!), size: lots[i]!, price: tick[i]! });
        else if (k === OP_CANCEL) book.cancel(String(id[i]!));
        else if (k === OP_MARKET) book.market({ side: sideName(side[i]!), size: lots[i]! });
        else book.modify(String(id[i]!), { price: tick[i]!, size: lots[i]! });
        if (lat) lat[i - from] = performance.now() - t0;
      }
    },
    doneMakers(): [number, number] {
      let n = 0;
      let sum = 0;
      for (const o of last?.done ?? []) {
        if (o.id === lastTaker) continue;
        n++;
        sum += Number(o.id);
      }
      return [n, sum];
    },
    levels(side: 0 | 1): [number, number][] {
      const [asks, bids] = book.depth();
      return side === BUY ? bids.map(([p, s]) => [p, s]) : asks.map(([p, s]) => [p, s]);
    },
    order(id: number): [number, number] | undefined {
      const o = book.order(String(id));
      return o && [o.price, o.size];
    },
  };
}

function applySetup(e: Engine, m: OpMix) {
  e.run(m, 0, m.setup);
}

/** Median of `passes` whole-loop passes, each on a fresh book (a loaded 2-core machine is noisy). */
function throughput(e: Engine, m: OpMix, passes = 1): number {
  const runs: number[] = [];
  for (let p = 0; p < passes; p++) runs.push(throughputOnce(e, m));
  return runs.sort((a, b) => a - b)[passes >> 1]!;
}

function throughputOnce(e: Engine, m: OpMix): number {
  e.fresh();
  applySetup(e, m);
  const t0 = performance.now();
  e.run(m, m.setup, m.count);
  const ms = performance.now() - t0;
  return Math.round(((m.count - m.setup) / ms) * 1000);
}

function latencies(e: Engine, m: OpMix): Float64Array {
  e.fresh();
  applySetup(e, m);
  const lat = new Float64Array(m.count - m.setup);
  e.run(m, m.setup, m.count, lat);
  return lat.sort();
}

const pct = (sorted: Float64Array, p: number) => Math.round(sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]! * 1000 * 1000) / 1000; // ms → µs, 3 decimals

/** Runs both engines op by op on `m` and compares what each op traded and the final books. */
function compare(a: Engine, b: Engine, m: OpMix): { ok: boolean; firstMismatch?: string } {
  a.fresh();
  b.fresh();
  for (let i = 0; i < m.count; i++) {
    const fa = a.apply(m, i);
    const fb = b.apply(m, i);
    const [na, sa] = a.doneMakers();
    const [nb, sb] = b.doneMakers();
    if (fa !== fb || na !== nb || sa !== sb) {
      return { ok: false, firstMismatch: `op ${i} (kind ${m.kind[i]}): traded ${fa} vs ${fb}, makers done ${na}/${sa} vs ${nb}/${sb}` };
    }
  }
  for (const side of [BUY, SELL] as const) {
    const la = JSON.stringify(a.levels(side));
    const lb = JSON.stringify(b.levels(side));
    if (la !== lb) return { ok: false, firstMismatch: `final ${side === BUY ? 'bid' : 'ask'} levels differ` };
  }
  const ob = (a as ReturnType<typeof ours>).book;
  for (const side of [BUY, SELL] as const) {
    for (const o of ob.orders(side)) {
      const p = b.order(o.id);
      if (!p || p[0] !== o.tick || p[1] !== o.lots) return { ok: false, firstMismatch: `order ${o.id} differs: ${JSON.stringify(o)} vs ${JSON.stringify(p)}` };
    }
  }
  return { ok: true };
}

say(`matching bench: ${OPS} ops, seed ${SEED}; generating…`);
const mix = generateMix({ ops: OPS, seed: SEED, tickCount: TICKS });
const warm = generateMix({ ops: Math.min(OPS, 200_000), seed: SEED + 1, tickCount: TICKS });
const counts = [0, 0, 0, 0];
for (let i = mix.setup; i < mix.count; i++) counts[mix.kind[i]!]!++;
say(`mix: limit ${counts[0]} (crossing ${mix.crossing}), cancel ${counts[1]}, market ${counts[2]}, replace ${counts[3]}`);

const mine = ours();
const others = [
  peer('hft-limit-order-book@7.0.2', () => new HftBook() as unknown as PeerBook),
  peer('nodejs-order-book@10.1.1', () => new NodejsBook() as unknown as PeerBook),
];
for (const e of [mine, ...others]) {
  throughput(e, warm);
  latencies(e, warm);
}
mine.fresh();
applySetup(mine, mix);
say(`initial book: ${mine.book.orderCount} orders over ${mine.book.depth(BUY).length + mine.book.depth(SELL).length} levels`);

const checks = others.map((o) => ({ name: o.name, ...compare(mine, o, mix) }));
for (const c of checks) say(c.ok ? `fills and final book equal to ${c.name}` : `MISMATCH with ${c.name}: ${c.firstMismatch}`);
const fillsMatch = checks.every((c) => c.ok);
const finalBook = mine.book;
say(`final book: ${finalBook.orderCount} orders over ${finalBook.depth(BUY).length + finalBook.depth(SELL).length} levels`);

let timerOverhead = Infinity;
for (let r = 0; r < 5; r++) {
  const t0 = performance.now();
  let t = 0;
  for (let i = 0; i < 100_000; i++) t += performance.now();
  timerOverhead = Math.min(timerOverhead, ((performance.now() - t0) / 100_000) * 1000);
  if (t === 0) say('');
}

const opsPerSecond = throughput(mine, mix, PASSES);
const lat = latencies(mine, mix);
const stats = (sorted: Float64Array) => ({ p50Us: pct(sorted, 0.5), p99Us: pct(sorted, 0.99), p999Us: pct(sorted, 0.999) });
const peers = others.map((o) => ({ name: o.name, opsPerSecond: throughput(o, mix, PASSES), ...stats(latencies(o, mix)) }));
for (const r of [{ name: mine.name, opsPerSecond, ...stats(lat) }, ...peers]) {
  say(`${r.name}: ${r.opsPerSecond.toLocaleString()} ops/s, p50 ${r.p50Us} µs, p99 ${r.p99Us} µs, p99.9 ${r.p999Us} µs`);
}
say(`timer (performance.now) overhead per call ≈ ${timerOverhead.toFixed(3)} µs, included in the latencies`);

console.log(
  JSON.stringify({
    ops: OPS,
    seed: SEED,
    opsPerSecond,
    ...stats(lat),
    fillsMatch,
    ...(fillsMatch ? {} : { mismatch: checks.filter((c) => !c.ok).map((c) => `${c.name}: ${c.firstMismatch}`) }),
    peer: peers[0],
    peers,
    timerOverheadUs: Math.round(timerOverhead * 1000) / 1000,
    targets: { opsPerSecond: 3_000_000, p99Us: 2 },
  }),
);
if (!fillsMatch) process.exitCode = 1;
