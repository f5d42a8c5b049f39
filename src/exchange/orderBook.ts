/**
 * One pair's limit order book: the matching core, built for speed.
 *
 * Layout (why it is fast):
 * - Prices are integer ticks in [0, tickCount). Each side has a FIFO queue head/tail per tick in
 *   Int32Arrays indexed by `side * tickCount + tick`, its resting lots per level in a Float64Array,
 *   and a two-level bitset of occupied ticks ({@link TickSet}) to find the next best level.
 * - Orders live in slots of typed arrays (an object pool without objects): intrusive doubly linked
 *   FIFO per level through `next`/`prev`, a free list through `next`. Order id → slot is a Map of
 *   small numbers. Nothing is allocated per operation; the pool and the fill buffer only grow
 *   (doubling) when a new high-water mark is reached.
 * - Ticks, lots, ids and owners are safe integers (numbers). bigint conversion happens at the
 *   boundary ({@link MatchingEngine}), never here.
 *
 * Results of the last operation are left in public fields (`status`, `filled`, `resting`, the fill
 * buffer `fillMakerId[0..fillCount)` etc., and `stpCount`/`stpIds` for resting orders cancelled by
 * self-trade prevention), so the caller reads them without an allocation.
 *
 * Rules:
 * - Price-time priority: better price first; at one price, earlier arrival first. Fills trade at
 *   the resting (maker) order's price.
 * - Self-trade prevention, mode "cancel resting" (a.k.a. expire maker): when an incoming order
 *   meets a resting order of the same owner, the resting order is cancelled (reported in
 *   `stpIds`) and matching continues with the next one. It is always on. For FOK the fillable
 *   check excludes the owner's own orders, and a FOK that is killed cancels nothing.
 * - Market order: takes liquidity at any price; the unfilled rest is cancelled (never rests).
 * - IOC: limit price; the unfilled rest is cancelled. FOK: fills completely at once or nothing
 *   changes (status KILLED). Post-only: rejected (nothing changes) if it would take liquidity.
 * - Replace (id, tick, lots): `lots` is the new open quantity. At the same tick with lots ≤ the
 *   open quantity the order is reduced in place and keeps its time priority; any other change
 *   (new tick, or more lots) cancels it and re-enters it as a new GTC limit with the same id,
 *   owner, side and post-only flag, behind every order already at that price, and it may match.
 *   A post-only order whose new price would cross is refused and stays as it was.
 * - Bad input (non-integer or out-of-range tick, lots, id or owner) throws an {@link InputError}
 *   before anything changes. Business refusals (unknown id, duplicate id, post-only that would
 *   cross, FOK that cannot fill) are statuses, not exceptions, so the hot path never throws.
 */
import { InputError } from '../shared/errors.ts';
import { IdMap } from './idMap.ts';
import { TickSet } from './tickSet.ts';

export const BUY = 0;
export const SELL = 1;
export type Side = typeof BUY | typeof SELL;

export const GTC = 0;
export const IOC = 1;
export const FOK = 2;
export type TimeInForce = typeof GTC | typeof IOC | typeof FOK;

/** Outcome of the last operation. */
export const Status = {
  /** Part or none of the order traded; the rest rests on the book. */
  RESTING: 0,
  /** The order traded completely. */
  FILLED: 1,
  /** IOC / market: the rest that could not trade was cancelled (`filled` may be 0). */
  REST_CANCELLED: 2,
  /** FOK that could not fill completely: nothing changed. */
  KILLED: 3,
  /** Post-only that would have taken liquidity: nothing changed. */
  POST_ONLY_REJECTED: 4,
  /** An order with this id is already live: nothing changed. */
  DUPLICATE_ID: 5,
  /** Cancel / replace of an id that is not on the book: nothing changed. */
  UNKNOWN_ORDER: 6,
  /** Cancel done. */
  CANCELLED: 7,
  /** Replace that reduced the quantity in place (time priority kept), or changed nothing. */
  REDUCED: 8,
} as const;
export type StatusCode = (typeof Status)[keyof typeof Status];
export const STATUS_NAMES = Object.keys(Status) as (keyof typeof Status)[];

const NIL = -1;

export type BookOptions = {
  /** Number of ticks; prices are ticks in [0, tickCount). A multiple of 1024. Default 2^18. */
  tickCount?: number;
  /** Initial order slots (grows by doubling). Default 8192. */
  initialOrders?: number;
};

export type RestingOrder = { id: number; owner: number; side: Side; tick: number; lots: number; postOnly: boolean };
export type Level = { tick: number; lots: number; orders: number };

export class OrderBook {
  readonly tickCount: number;

  // --- order pool (slot-indexed)
  private cap: number;
  private oNext: Int32Array;
  private oPrev: Int32Array;
  private oTick: Int32Array;
  private oSide: Uint8Array;
  private oPostOnly: Uint8Array;
  private oLots: Float64Array;
  private oId: Float64Array;
  private oOwner: Float64Array;
  private freeHead: number;
  private readonly slotOf: IdMap;

  // --- price levels (index side * tickCount + tick)
  private readonly head: Int32Array;
  private readonly tail: Int32Array;
  private readonly levelLots: Float64Array;
  private readonly levelCount: Int32Array;
  private readonly bidTicks: TickSet;
  private readonly askTicks: TickSet;
  /** Best bid tick, or -1. */
  bestBid = -1;
  /** Best ask tick, or -1. */
  bestAsk = -1;

  // --- results of the last operation
  status: StatusCode = Status.RESTING;
  /** Lots the incoming order traded. */
  filled = 0;
  /** Lots of the incoming order left resting on the book. */
  resting = 0;
  fillCount = 0;
  fillMakerId: Float64Array;
  fillMakerOwner: Float64Array;
  fillTick: Int32Array;
  fillLots: Float64Array;
  /** Lots the maker still has open after this fill (0: it left the book). */
  fillMakerLeft: Float64Array;
  stpCount = 0;
  stpIds: Float64Array;

  constructor(opts: BookOptions = {}) {
    const tickCount = opts.tickCount ?? 1 << 18;
    this.tickCount = tickCount;
    this.bidTicks = new TickSet(tickCount); // validates tickCount
    this.askTicks = new TickSet(tickCount);
    this.head = new Int32Array(2 * tickCount).fill(NIL);
    this.tail = new Int32Array(2 * tickCount).fill(NIL);
    this.levelLots = new Float64Array(2 * tickCount);
    this.levelCount = new Int32Array(2 * tickCount);
    const cap = Math.max(16, opts.initialOrders ?? 8192);
    this.cap = cap;
    this.oNext = new Int32Array(cap);
    this.oPrev = new Int32Array(cap);
    this.oTick = new Int32Array(cap);
    this.oSide = new Uint8Array(cap);
    this.oPostOnly = new Uint8Array(cap);
    this.oLots = new Float64Array(cap);
    this.oId = new Float64Array(cap);
    this.oOwner = new Float64Array(cap);
    for (let i = 0; i < cap - 1; i++) this.oNext[i] = i + 1;
    this.oNext[cap - 1] = NIL;
    this.freeHead = 0;
    this.slotOf = new IdMap(cap);
    this.fillMakerId = new Float64Array(256);
    this.fillMakerOwner = new Float64Array(256);
    this.fillTick = new Int32Array(256);
    this.fillLots = new Float64Array(256);
    this.fillMakerLeft = new Float64Array(256);
    this.stpIds = new Float64Array(64);
  }

  /** Live orders on the book. */
  get orderCount(): number {
    return this.slotOf.size;
  }

  has(id: number): boolean {
    return this.slotOf.has(id);
  }

  // ------------------------------------------------------------------------------------------
  // Operations

  /**
   * A limit order: GTC (rests), IOC or FOK, optionally post-only (GTC only is meaningful, but
   * post-only is honoured with any time in force: it never takes liquidity).
   */
  limit(id: number, owner: number, side: Side, tick: number, lots: number, tif: TimeInForce = GTC, postOnly = false): StatusCode {
    this.checkOrder(id, owner, side, lots);
    this.checkTick(tick);
    if (tif !== GTC && tif !== IOC && tif !== FOK) throw new InputError('unknown time in force', { details: String(tif), code: 'EXCHANGE_INPUT' });
    return this.place(id, owner, side, tick, lots, tif, postOnly);
  }

  /** A market order: trades against the best prices until filled or the other side is empty. */
  market(id: number, owner: number, side: Side, lots: number): StatusCode {
    this.checkOrder(id, owner, side, lots);
    return this.place(id, owner, side, side === BUY ? this.tickCount - 1 : 0, lots, IOC, false);
  }

  cancel(id: number): StatusCode {
    this.checkId(id);
    this.resetResult();
    const slot = this.slotOf.get(id);
    if (slot === NIL) return (this.status = Status.UNKNOWN_ORDER);
    this.unlink(slot);
    this.release(slot, id);
    return (this.status = Status.CANCELLED);
  }

  /** See the class comment for the priority rule. `lots` is the new open quantity. */
  replace(id: number, tick: number, lots: number): StatusCode {
    this.checkId(id);
    this.checkTick(tick);
    this.checkLots(lots);
    this.resetResult();
    const slot = this.slotOf.get(id);
    if (slot === NIL) return (this.status = Status.UNKNOWN_ORDER);
    const side = this.oSide[slot]! as Side;
    const open = this.oLots[slot]!;
    if (tick === this.oTick[slot]! && lots <= open) {
      this.levelLots[side * this.tickCount + tick]! -= open - lots;
      this.oLots[slot] = lots;
      this.resting = lots;
      return (this.status = Status.REDUCED);
    }
    const postOnly = this.oPostOnly[slot] === 1;
    if (postOnly && this.wouldCross(side, tick)) return (this.status = Status.POST_ONLY_REJECTED);
    const owner = this.oOwner[slot]!;
    this.unlink(slot);
    this.release(slot, id);
    return this.place(id, owner, side, tick, lots, GTC, postOnly);
  }

  // ------------------------------------------------------------------------------------------
  // Reads (not on the hot path: these allocate)

  /** Aggregated levels, best first. */
  depth(side: Side, maxLevels = Infinity): Level[] {
    const out: Level[] = [];
    const set = side === BUY ? this.bidTicks : this.askTicks;
    let t = side === BUY ? this.bestBid : this.bestAsk;
    while (t !== -1 && out.length < maxLevels) {
      const k = side * this.tickCount + t;
      out.push({ tick: t, lots: this.levelLots[k]!, orders: this.levelCount[k]! });
      t = side === BUY ? set.highestAtOrBelow(t - 1) : set.lowestAtOrAbove(t + 1);
    }
    return out;
  }

  /** Every resting order in priority order (best price first, then arrival), one side. */
  orders(side: Side): RestingOrder[] {
    const out: RestingOrder[] = [];
    for (const level of this.depth(side)) {
      for (let s = this.head[side * this.tickCount + level.tick]!; s !== NIL; s = this.oNext[s]!) out.push(this.orderAt(s));
    }
    return out;
  }

  order(id: number): RestingOrder | undefined {
    const slot = this.slotOf.get(id);
    return slot === NIL ? undefined : this.orderAt(slot);
  }

  // ------------------------------------------------------------------------------------------
  // Internals

  private orderAt(s: number): RestingOrder {
    return {
      id: this.oId[s]!,
      owner: this.oOwner[s]!,
      side: this.oSide[s]! as Side,
      tick: this.oTick[s]!,
      lots: this.oLots[s]!,
      postOnly: this.oPostOnly[s] === 1,
    };
  }

  private resetResult(): void {
    this.filled = 0;
    this.resting = 0;
    this.fillCount = 0;
    this.stpCount = 0;
  }

  private wouldCross(side: Side, tick: number): boolean {
    return side === BUY ? this.bestAsk !== -1 && this.bestAsk <= tick : this.bestBid !== -1 && this.bestBid >= tick;
  }

  private place(id: number, owner: number, side: Side, tick: number, lots: number, tif: TimeInForce, postOnly: boolean): StatusCode {
    this.resetResult();
    if (this.slotOf.has(id)) return (this.status = Status.DUPLICATE_ID);
    if (postOnly && this.wouldCross(side, tick)) return (this.status = Status.POST_ONLY_REJECTED);
    if (tif === FOK && this.fillable(owner, side, tick, lots) < lots) return (this.status = Status.KILLED);
    const left = side === BUY ? this.matchBuy(owner, tick, lots) : this.matchSell(owner, tick, lots);
    this.filled = lots - left;
    if (left === 0) return (this.status = Status.FILLED);
    if (tif !== GTC) return (this.status = Status.REST_CANCELLED);
    this.rest(id, owner, side, tick, left, postOnly);
    this.resting = left;
    return (this.status = Status.RESTING);
  }

  /** Lots an order could take (up to `want`), skipping the owner's own orders. */
  private fillable(owner: number, side: Side, tick: number, want: number): number {
    let got = 0;
    const other = 1 - side;
    const base = other * this.tickCount;
    if (side === BUY) {
      for (let t = this.bestAsk; t !== -1 && t <= tick && got < want; t = this.askTicks.lowestAtOrAbove(t + 1)) {
        for (let s = this.head[base + t]!; s !== NIL && got < want; s = this.oNext[s]!) if (this.oOwner[s] !== owner) got += this.oLots[s]!;
      }
    } else {
      for (let t = this.bestBid; t !== -1 && t >= tick && got < want; t = this.bidTicks.highestAtOrBelow(t - 1)) {
        for (let s = this.head[base + t]!; s !== NIL && got < want; s = this.oNext[s]!) if (this.oOwner[s] !== owner) got += this.oLots[s]!;
      }
    }
    return got;
  }

  /** Incoming buy against the asks up to `limit`; returns the lots left. */
  private matchBuy(owner: number, limit: number, lots: number): number {
    const base = this.tickCount; // SELL side
    let left = lots;
    while (left > 0) {
      const t = this.bestAsk;
      if (t === -1 || t > limit) break;
      left = this.takeLevel(base + t, t, owner, left);
      if (this.head[base + t] === NIL) {
        this.askTicks.remove(t);
        this.bestAsk = this.askTicks.lowestAtOrAbove(t + 1);
      }
    }
    return left;
  }

  private matchSell(owner: number, limit: number, lots: number): number {
    let left = lots;
    while (left > 0) {
      const t = this.bestBid;
      if (t === -1 || t < limit) break;
      left = this.takeLevel(t, t, owner, left);
      if (this.head[t] === NIL) {
        this.bidTicks.remove(t);
        this.bestBid = this.bidTicks.highestAtOrBelow(t - 1);
      }
    }
    return left;
  }

  /** Walks one level's FIFO; the level's occupancy bit is maintained by the caller. */
  private takeLevel(k: number, tick: number, owner: number, left: number): number {
    const oNext = this.oNext;
    const oLots = this.oLots;
    let s = this.head[k]!;
    while (s !== NIL && left > 0) {
      const next = oNext[s]!;
      const id = this.oId[s]!;
      if (this.oOwner[s] === owner) {
        // self-trade prevention: cancel the resting order
        if (this.stpCount === this.stpIds.length) this.stpIds = grow(this.stpIds);
        this.stpIds[this.stpCount++] = id;
        this.popHead(k, s, next);
        this.release(s, id);
        s = next;
        continue;
      }
      const open = oLots[s]!;
      const take = open < left ? open : left;
      left -= take;
      const makerLeft = open - take;
      if (this.fillCount === this.fillLots.length) this.growFills();
      const f = this.fillCount++;
      this.fillMakerId[f] = id;
      this.fillMakerOwner[f] = this.oOwner[s]!;
      this.fillTick[f] = tick;
      this.fillLots[f] = take;
      this.fillMakerLeft[f] = makerLeft;
      if (makerLeft === 0) {
        this.popHead(k, s, next);
        this.release(s, id);
      } else {
        oLots[s] = makerLeft;
        this.levelLots[k]! -= take;
      }
      s = next;
    }
    return left;
  }

  /** Removes the head `s` of level `k` (whose successor is `next`). */
  private popHead(k: number, s: number, next: number): void {
    this.head[k] = next;
    if (next === NIL) this.tail[k] = NIL;
    else this.oPrev[next] = NIL;
    this.levelLots[k]! -= this.oLots[s]!;
    this.levelCount[k]!--;
  }

  private rest(id: number, owner: number, side: Side, tick: number, lots: number, postOnly: boolean): void {
    if (this.freeHead === NIL) this.growPool();
    const s = this.freeHead;
    this.freeHead = this.oNext[s]!;
    this.oId[s] = id;
    this.oOwner[s] = owner;
    this.oSide[s] = side;
    this.oTick[s] = tick;
    this.oLots[s] = lots;
    this.oPostOnly[s] = postOnly ? 1 : 0;
    this.oNext[s] = NIL;
    const k = side * this.tickCount + tick;
    const tl = this.tail[k]!;
    this.oPrev[s] = tl;
    if (tl === NIL) {
      this.head[k] = s;
      if (side === BUY) {
        this.bidTicks.add(tick);
        if (tick > this.bestBid) this.bestBid = tick;
      } else {
        this.askTicks.add(tick);
        if (this.bestAsk === -1 || tick < this.bestAsk) this.bestAsk = tick;
      }
    } else {
      this.oNext[tl] = s;
    }
    this.tail[k] = s;
    this.levelLots[k]! += lots;
    this.levelCount[k]!++;
    this.slotOf.set(id, s);
  }

  /** Takes a resting order out of its level, wherever it is in the queue. */
  private unlink(s: number): void {
    const side = this.oSide[s]!;
    const tick = this.oTick[s]!;
    const k = side * this.tickCount + tick;
    const p = this.oPrev[s]!;
    const n = this.oNext[s]!;
    if (p === NIL) this.head[k] = n;
    else this.oNext[p] = n;
    if (n === NIL) this.tail[k] = p;
    else this.oPrev[n] = p;
    this.levelLots[k]! -= this.oLots[s]!;
    this.levelCount[k]!--;
    if (this.head[k] === NIL) {
      if (side === BUY) {
        this.bidTicks.remove(tick);
        if (tick === this.bestBid) this.bestBid = this.bidTicks.highestAtOrBelow(tick - 1);
      } else {
        this.askTicks.remove(tick);
        if (tick === this.bestAsk) this.bestAsk = this.askTicks.lowestAtOrAbove(tick + 1);
      }
    }
  }

  private release(s: number, id: number): void {
    this.slotOf.delete(id);
    this.oNext[s] = this.freeHead;
    this.freeHead = s;
  }

  private growPool(): void {
    const old = this.cap;
    const cap = old * 2;
    const g = <T extends Int32Array | Uint8Array | Float64Array>(a: T, C: new (n: number) => T): T => {
      const b = new C(cap);
      b.set(a);
      return b;
    };
    this.oNext = g(this.oNext, Int32Array);
    this.oPrev = g(this.oPrev, Int32Array);
    this.oTick = g(this.oTick, Int32Array);
    this.oSide = g(this.oSide, Uint8Array);
    this.oPostOnly = g(this.oPostOnly, Uint8Array);
    this.oLots = g(this.oLots, Float64Array);
    this.oId = g(this.oId, Float64Array);
    this.oOwner = g(this.oOwner, Float64Array);
    for (let i = old; i < cap - 1; i++) this.oNext[i] = i + 1;
    this.oNext[cap - 1] = NIL;
    this.freeHead = old;
    this.cap = cap;
  }

  private growFills(): void {
    this.fillMakerId = grow(this.fillMakerId);
    this.fillMakerOwner = grow(this.fillMakerOwner);
    this.fillLots = grow(this.fillLots);
    this.fillMakerLeft = grow(this.fillMakerLeft);
    const t = new Int32Array(this.fillTick.length * 2);
    t.set(this.fillTick);
    this.fillTick = t;
  }

  // ------------------------------------------------------------------------------------------
  // Validation (throws before any change)

  private checkId(id: number): void {
    if (!Number.isSafeInteger(id) || id < 0) throw new InputError('order id must be a non-negative safe integer', { details: String(id), code: 'EXCHANGE_INPUT' });
  }

  private checkLots(lots: number): void {
    if (!Number.isSafeInteger(lots) || lots <= 0) throw new InputError('quantity must be a positive whole number of lots', { details: String(lots), code: 'EXCHANGE_INPUT' });
  }

  private checkTick(tick: number): void {
    if (!Number.isSafeInteger(tick) || tick < 0 || tick >= this.tickCount) {
      throw new InputError(`price must be a whole number of ticks in [0, ${this.tickCount})`, { details: String(tick), code: 'EXCHANGE_INPUT' });
    }
  }

  private checkOrder(id: number, owner: number, side: Side, lots: number): void {
    this.checkId(id);
    if (!Number.isSafeInteger(owner) || owner < 0) throw new InputError('owner must be a non-negative safe integer', { details: String(owner), code: 'EXCHANGE_INPUT' });
    if (side !== BUY && side !== SELL) throw new InputError('side must be buy (0) or sell (1)', { details: String(side), code: 'EXCHANGE_INPUT' });
    this.checkLots(lots);
  }
}

function grow(a: Float64Array): Float64Array {
  const b = new Float64Array(a.length * 2);
  b.set(a);
  return b;
}
