/**
 * The matching engine's boundary: one {@link OrderBook} per listed pair, commands and results as
 * plain objects with bigint quantities, and every accepted input handed to a journal in the order
 * it is applied, so {@link recoverEngine} rebuilds the same books by replay.
 *
 * Prices are integer ticks and quantities integer lots (the pair's tick and lot sizes are the
 * listing's business, outside the engine). Anything else (fractions, negatives, values beyond
 * 2^53 - 1, unknown pairs, sides or types) throws an {@link InputError}: nothing changes and
 * nothing is journaled. Refusals the book defines (unknown id, duplicate id, FOK that cannot fill,
 * post-only that would cross) are results with a status; they are journaled, and replay refuses them
 * again identically.
 */
import { InputError } from '../shared/errors.ts';
import { BUY, FOK, GTC, IOC, OrderBook, SELL, STATUS_NAMES, type BookOptions, type Side, type TimeInForce } from './orderBook.ts';

export type SideName = 'buy' | 'sell';
export type Tif = 'GTC' | 'IOC' | 'FOK';

export type Command =
  | { type: 'list'; pair: string; tickCount?: number }
  | { type: 'limit'; pair: string; id: bigint; owner: bigint; side: SideName; price: bigint; lots: bigint; tif?: Tif; postOnly?: boolean }
  | { type: 'market'; pair: string; id: bigint; owner: bigint; side: SideName; lots: bigint }
  | { type: 'cancel'; pair: string; id: bigint }
  | { type: 'replace'; pair: string; id: bigint; price: bigint; lots: bigint };

export type Fill = {
  pair: string;
  takerId: bigint;
  /** The incoming order's side. */
  takerSide: SideName;
  makerId: bigint;
  makerOwner: bigint;
  /** The maker's price, in ticks. */
  price: bigint;
  lots: bigint;
  /** The maker's open lots after this fill (0: it left the book). */
  makerLeft: bigint;
};

export type Result = {
  seq: bigint;
  pair: string;
  type: Command['type'];
  status: (typeof STATUS_NAMES)[number] | 'LISTED';
  /** Lots the incoming order traded. */
  filled: bigint;
  /** Lots of it now resting. */
  resting: bigint;
  fills: Fill[];
  /** Resting orders cancelled by self-trade prevention (same owner as the incoming order). */
  selfTradeCancelled: bigint[];
};

/** Where accepted inputs go, in order. Must not block: see {@link ExchangeJournal}. */
export interface JournalSink {
  append(seq: bigint, command: Command): void;
}

export type RestingOrderView = { id: bigint; owner: bigint; side: SideName; price: bigint; lots: bigint; postOnly: boolean };
export type BookView = { pair: string; bids: RestingOrderView[]; asks: RestingOrderView[] };

const PAIR = /^[A-Z0-9]{1,16}\/[A-Z0-9]{1,16}$/;

export class MatchingEngine {
  private readonly books = new Map<string, OrderBook>();
  private seq = 0n;
  journal: JournalSink | undefined;

  constructor(opts: { journal?: JournalSink; lastSeq?: bigint } = {}) {
    this.journal = opts.journal;
    this.seq = opts.lastSeq ?? 0n;
  }

  get lastSeq(): bigint {
    return this.seq;
  }

  pairs(): string[] {
    return [...this.books.keys()];
  }

  book(pair: string): OrderBook {
    const b = this.books.get(pair);
    if (!b) throw new InputError('pair not listed on the exchange', { details: pair, code: 'EXCHANGE_PAIR' });
    return b;
  }

  /** Validates, journals and applies one command. */
  submit(command: Command): Result {
    const apply = this.prepare(command); // throws on bad input, before any change
    const seq = this.seq + 1n;
    this.journal?.append(seq, command); // a failing journal throws here: nothing applied, no seq used
    this.seq = seq;
    return apply(seq);
  }

  /** Read model: both sides of a pair's book in priority order. */
  view(pair: string): BookView {
    const b = this.book(pair);
    const map = (side: Side) =>
      b.orders(side).map((o) => ({ id: BigInt(o.id), owner: BigInt(o.owner), side: sideName(o.side), price: BigInt(o.tick), lots: BigInt(o.lots), postOnly: o.postOnly }));
    return { pair, bids: map(BUY), asks: map(SELL) };
  }

  /** Checks a command completely and returns the closure that applies it. */
  private prepare(c: Command): (seq: bigint) => Result {
    if (typeof c !== 'object' || c === null) throw new InputError('command must be an object', { code: 'EXCHANGE_INPUT' });
    if (c.type === 'list') {
      if (typeof c.pair !== 'string' || !PAIR.test(c.pair)) throw new InputError('pair must look like BASE/QUOTE', { details: String(c.pair), code: 'EXCHANGE_INPUT' });
      if (this.books.has(c.pair)) throw new InputError('pair already listed', { details: c.pair, code: 'EXCHANGE_PAIR' });
      const opts: BookOptions = c.tickCount === undefined ? {} : { tickCount: c.tickCount };
      let book: OrderBook;
      try {
        book = new OrderBook(opts);
      } catch (err) {
        throw new InputError('invalid tick range', { details: (err as Error).message, code: 'EXCHANGE_INPUT' });
      }
      return (seq) => {
        this.books.set(c.pair, book);
        return { seq, pair: c.pair, type: 'list', status: 'LISTED', filled: 0n, resting: 0n, fills: [], selfTradeCancelled: [] };
      };
    }
    const book = this.book((c as { pair: string }).pair);
    const id = safe(c.id, 'order id', 0);
    switch (c.type) {
      case 'limit': {
        const owner = safe(c.owner, 'owner', 0);
        const side = sideOf(c.side);
        const tick = tickOf(c.price, book);
        const lots = safe(c.lots, 'quantity (lots)', 1);
        const tif = tifOf(c.tif);
        if (c.postOnly !== undefined && typeof c.postOnly !== 'boolean') throw new InputError('postOnly must be a boolean', { code: 'EXCHANGE_INPUT' });
        const postOnly = c.postOnly === true;
        return (seq) => {
          book.limit(id, owner, side, tick, lots, tif, postOnly);
          return this.result(seq, c, book, id, side);
        };
      }
      case 'market': {
        const owner = safe(c.owner, 'owner', 0);
        const side = sideOf(c.side);
        const lots = safe(c.lots, 'quantity (lots)', 1);
        return (seq) => {
          book.market(id, owner, side, lots);
          return this.result(seq, c, book, id, side);
        };
      }
      case 'cancel':
        return (seq) => {
          book.cancel(id);
          return this.result(seq, c, book, id, BUY);
        };
      case 'replace': {
        const tick = tickOf(c.price, book);
        const lots = safe(c.lots, 'quantity (lots)', 1);
        return (seq) => {
          const side = book.order(id)?.side ?? BUY;
          book.replace(id, tick, lots);
          return this.result(seq, c, book, id, side);
        };
      }
      default:
        throw new InputError('unknown command type', { details: String((c as { type: unknown }).type), code: 'EXCHANGE_INPUT' });
    }
  }

  private result(seq: bigint, c: Command, b: OrderBook, id: number, side: Side): Result {
    const fills: Fill[] = [];
    for (let f = 0; f < b.fillCount; f++) {
      fills.push({
        pair: c.pair,
        takerId: BigInt(id),
        takerSide: sideName(side),
        makerId: BigInt(b.fillMakerId[f]!),
        makerOwner: BigInt(b.fillMakerOwner[f]!),
        price: BigInt(b.fillTick[f]!),
        lots: BigInt(b.fillLots[f]!),
        makerLeft: BigInt(b.fillMakerLeft[f]!),
      });
    }
    const stp: bigint[] = [];
    for (let i = 0; i < b.stpCount; i++) stp.push(BigInt(b.stpIds[i]!));
    return { seq, pair: c.pair, type: c.type, status: STATUS_NAMES[b.status]!, filled: BigInt(b.filled), resting: BigInt(b.resting), fills, selfTradeCancelled: stp };
  }
}

function sideName(s: number): SideName {
  return s === BUY ? 'buy' : 'sell';
}

function sideOf(s: unknown): Side {
  if (s === 'buy') return BUY;
  if (s === 'sell') return SELL;
  throw new InputError('side must be "buy" or "sell"', { details: String(s), code: 'EXCHANGE_INPUT' });
}

function tifOf(t: unknown): TimeInForce {
  if (t === undefined || t === 'GTC') return GTC;
  if (t === 'IOC') return IOC;
  if (t === 'FOK') return FOK;
  throw new InputError('time in force must be GTC, IOC or FOK', { details: String(t), code: 'EXCHANGE_INPUT' });
}

/** A bigint (or an integral number) within [min, 2^53 - 1], as a number. */
function safe(v: unknown, what: string, min: number): number {
  let n: number;
  if (typeof v === 'bigint') {
    if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(min)) throw new InputError(`${what} out of range`, { details: `${v} (allowed ${min}…2^53-1)`, code: 'EXCHANGE_INPUT' });
    n = Number(v);
  } else if (typeof v === 'number' && Number.isSafeInteger(v)) {
    n = v;
  } else {
    throw new InputError(`${what} must be a whole number (integer ticks and lots only)`, { details: String(v), code: 'EXCHANGE_INPUT' });
  }
  if (n < min) throw new InputError(`${what} out of range`, { details: `${n} (allowed ${min}…2^53-1)`, code: 'EXCHANGE_INPUT' });
  return n;
}

function tickOf(v: unknown, book: OrderBook): number {
  const t = safe(v, 'price (ticks)', 0);
  if (t >= book.tickCount) throw new InputError(`price must be below ${book.tickCount} ticks`, { details: String(v), code: 'EXCHANGE_INPUT' });
  return t;
}
