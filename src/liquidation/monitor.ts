/**
 * Liquidation monitor: knows every position of one lending pool, recomputes their health on every
 * new block (which carries every price update) and at least every `recomputeMs`, and issues a
 * `LiquidationInstruction` for each position the pool would let an executor kick.
 *
 * Restart-safe: the position set is rebuilt from the pool's event logs (from `fromBlock`), never
 * from local state. Retry-safe: every event is keyed by (block number, block hash, log index) and
 * applied at most once, so a catch-up interrupted by an RPC error and run again gives the same book;
 * the same key seen with another block hash is a reorg, and the book is rebuilt from the logs.
 *
 * Fast at any size: positions sit in a PositionBook holding borrow shares, and the pool's borrow
 * index (its totals with interest accrued to the block, one `expectedMarket` read per pass) is one
 * number in the book, so neither interest nor a price update touches per-position data. The book's
 * float screen flags a superset of the liquidatable positions (scanning only those near their
 * threshold when nothing fell far), and each candidate is confirmed with the pool's own rule
 * (HealthLib, src/lending/health.ts) at that block's prices and index: no RPC per position.
 * Instructions go out one by one as they are confirmed.
 */
import { parseEventLogs, toEventSelector, type Abi, type Address, type Chain, type Hex, type Log, type PublicClient, type Transport } from 'viem';
import { abis } from '../chain/abi/generated.ts';
import { debtOfShares, poolHealth, VIRTUAL_ASSETS, VIRTUAL_SHARES, type BorrowIndex } from '../lending/health.ts';
import { BaseError, oneLine } from '../shared/errors.ts';
import { logger as rootLogger, type Logger } from '../shared/logger.ts';
import type { Service } from '../shared/service.ts';
import type { LiquidationInstruction } from './instruction.ts';
import { positionKey } from './instruction.ts';
import { PositionBook } from './positionBook.ts';
import { PollLoop } from '../shared/pollLoop.ts';

export type MonitorOptions = {
  /** Chain name carried in instructions. */
  chain: string;
  client: PublicClient<Transport, Chain>;
  pool: Address;
  liquidator: Address;
  /** First block to read pool events from (the pool's deployment block or earlier). */
  fromBlock?: bigint;
  /** How often to look for a new block (ms). Default 100. */
  pollMs?: number;
  /** Longest time between two health passes even without new blocks (ms). Default 10,000. */
  recomputeMs?: number;
  /**
   * Screening ratios (WAD) by collateral address, overriding the pool's governed values in the screen.
   * Instructions are still confirmed with the pool's governed ratio (the one `seize` applies).
   */
  thresholds?: Record<string, bigint>;
  /** A position still liquidatable this long after its instruction is instructed again (ms). Default 5,000. */
  reissueMs?: number;
  /** Largest block range of one log query. Default 10,000. */
  logChunk?: bigint;
  /** Called once per confirmed position, as soon as it is confirmed; a returned promise is awaited. */
  onInstruction: (instruction: LiquidationInstruction) => void | Promise<void>;
  logger?: Logger;
};

/**
 * One pool event, decoded, with the key that makes applying it idempotent. `parseEventLogs` output
 * for the pool's ABI has this shape.
 */
export type PoolEvent = {
  eventName: string;
  args: Record<string, unknown>;
  blockNumber: bigint;
  blockHash: Hex;
  logIndex: number;
};

type CollateralAsset = {
  address: Address;
  index: number;
  decimals: number;
  /** The pool's governed liquidation ratio: the one confirmations use. */
  poolRatio: bigint;
  feed: Address | undefined;
  priceBlock: number;
  /** Oracle price (USD per smallest unit × 1e36) at the last pass. */
  price: bigint;
};

/** A block's borrow index and prices; collateral prices by lower-case address. */
type MarketRead = { market: { totalBorrowAssets: bigint; totalBorrowShares: bigint }; loanPrice: bigint; prices: Map<string, bigint> };

/** Where event application stands: every event up to (block, logIndex) is in the book. */
type Cursor = { block: bigint; logIndex: number; hash: Hex | undefined };

/**
 * The screen's threshold is the governed ratio widened by this (ppm): the pool rounds the collateral
 * value down and the debt value up by under one WAD unit each, and the book's rule has neither
 * rounding, so the widening keeps the screen a superset for every debt worth more than ~1e-12 USD.
 */
const SCREEN_SLACK_PER_MILLION = 4n;
/** Confirmations between two yields to the event loop, so instructions' consumers can run meanwhile. */
const CONFIRMATIONS_PER_YIELD = 4096;

export class LiquidationMonitor implements Service {
  readonly name = 'liquidation-monitor';
  private readonly log: Logger;
  private readonly pollMs: number;
  private readonly recomputeMs: number;
  private readonly reissueMs: number;
  private readonly assets = new Map<string, CollateralAsset>();
  private assetByIndex: CollateralAsset[] = [];
  private book: PositionBook | undefined;
  /** Borrower address of the position in each book slot, as the events spell it. */
  private borrowerOfSlot: Address[] = [];
  private loanAsset: Address | undefined;
  private loanDecimals = 0;
  private loanFeed: Address | undefined;
  private loanPriceBlock = 0;
  private oracle: Address | undefined;
  /** Last block judged by a pass. */
  private processed = -1n;
  /** Every block up to this one has had all its events applied. */
  private appliedThrough = -1n;
  private cursor: Cursor = { block: -1n, logIndex: -1, hash: undefined };
  private lastPassAt = 0;
  private lastError: string | undefined;
  /**
   * When the position in each book slot was last instructed (ms since the epoch, 0: never), by slot
   * rather than by key: a pass after a crash looks up hundreds of thousands of them.
   */
  private instructedAt = new Float64Array(1024);
  private readonly loop: PollLoop;
  private stopped = true;
  private passes = 0;
  private issued = 0;
  private lastUnhealthy = 0;
  private rpcCalls = 0;
  private rpcCallsLastStep = 0;
  private eventsApplied = 0;
  private rebuilds = 0;
  /** Wall time of the last pass's own work (screen, confirmation, instructions), RPC waits excluded. */
  private lastPassMs = 0;

  constructor(private readonly o: MonitorOptions) {
    this.log = (o.logger ?? rootLogger).child({ service: this.name, chain: o.chain });
    this.pollMs = o.pollMs ?? 100;
    this.loop = new PollLoop(() => this.step(), this.pollMs);
    this.recomputeMs = o.recomputeMs ?? 10_000;
    this.reissueMs = o.reissueMs ?? 5_000;
  }

  /** Last block whose events and prices have been applied and judged. */
  get processedBlock(): bigint {
    return this.processed;
  }

  get stats(): {
    positions: number;
    passes: number;
    instructions: number;
    unhealthy: number;
    rpcCalls: number;
    rpcCallsLastStep: number;
    eventsApplied: number;
    rebuilds: number;
    lastScanned: number;
    lastPassMs: number;
  } {
    return {
      positions: this.book?.size ?? 0,
      passes: this.passes,
      instructions: this.issued,
      unhealthy: this.lastUnhealthy,
      rpcCalls: this.rpcCalls,
      rpcCallsLastStep: this.rpcCallsLastStep,
      eventsApplied: this.eventsApplied,
      rebuilds: this.rebuilds,
      lastScanned: this.book?.lastScanned ?? 0,
      lastPassMs: this.lastPassMs,
    };
  }

  /** The monitor's view of one position (borrow shares and collateral), or undefined if it holds none. */
  position(borrower: string, collateral: string): { shares: bigint; collateral: bigint } | undefined {
    const slot = this.book?.slotOf(positionKey({ borrower, collateral }));
    if (slot === undefined) return undefined;
    return { shares: this.book!.debtAt(slot), collateral: this.book!.collateralAt(slot) };
  }

  async start(): Promise<void> {
    if (!this.stopped) return;
    this.stopped = false;
    const pub = this.o.client;
    this.loanAsset = await this.call(() => pub.readContract({ address: this.o.pool, abi: abis.LendingPool, functionName: 'loanAsset' }));
    this.loanDecimals = await this.call(() => pub.readContract({ address: this.loanAsset!, abi: abis.DevnetToken, functionName: 'decimals' }));
    this.loanFeed = await this.feedOf(this.loanAsset);
    this.reset();
    await this.tick();
    this.loop.start();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop.stop();
  }

  health(): { ok: boolean; detail?: string } {
    const stale = Date.now() - this.lastPassAt > Math.max(this.recomputeMs * 2, 5_000);
    const ok = !this.stopped && !this.lastError && !stale;
    return {
      ok,
      detail: this.lastError ?? `block ${this.processed}, ${this.book?.size ?? 0} positions, ${this.lastUnhealthy} liquidatable, ${this.issued} instructions`,
    };
  }

  /** Processes new blocks (or re-judges the latest one when `recomputeMs` has passed). One at a time. */
  tick(): Promise<void> {
    return this.loop.tick();
  }

  /**
   * Applies pool events in (block, log index) order. An event at or before the last one applied is
   * skipped, so handing the same events over twice (a retried catch-up) changes nothing. Answers how
   * many were applied. Events whose collateral asset is new read its configuration first (RPC);
   * nothing is changed for an event until that succeeds. Not to be called while a `tick` runs.
   */
  async applyEvents(events: readonly PoolEvent[]): Promise<number> {
    if (!this.book) throw new BaseError('monitor not started: call start() first');
    let applied = 0;
    for (const ev of events) {
      const c = this.cursor;
      if (ev.blockNumber < c.block || (ev.blockNumber === c.block && ev.logIndex <= c.logIndex)) {
        if (ev.blockNumber === c.block && c.hash !== undefined && ev.blockHash !== c.hash) {
          this.rebuild(`block ${ev.blockNumber} now has hash ${ev.blockHash}, was ${c.hash}`);
          throw new BaseError('chain reorganised under the monitor: rebuilding its book from the logs', { retryable: true, details: `block ${ev.blockNumber}` });
        }
        continue;
      }
      const a = ev.args;
      const collateral = a.collateral as Address | undefined;
      if (collateral !== undefined && !this.assets.has(collateral.toLowerCase())) await this.ensureAsset(collateral);
      this.applyOne(ev.eventName, a);
      this.cursor = { block: ev.blockNumber, logIndex: ev.logIndex, hash: ev.blockHash };
      this.eventsApplied++;
      applied++;
    }
    return applied;
  }

  private applyOne(eventName: string, a: Record<string, unknown>): void {
    switch (eventName) {
      case 'CollateralSet': {
        const asset = this.assets.get((a.collateral as string).toLowerCase())!;
        asset.poolRatio = BigInt(a.liquidationRatio as bigint);
        if (this.override(asset.address) === undefined) this.book!.setThreshold(asset.index, screenRatio(asset.poolRatio));
        break;
      }
      case 'SupplyCollateral':
        this.change(a.borrower as Address, a.collateral as Address, 0n, a.amount as bigint);
        break;
      case 'WithdrawCollateral':
        this.change(a.borrower as Address, a.collateral as Address, 0n, -(a.amount as bigint));
        break;
      case 'Borrow':
        this.change(a.borrower as Address, a.collateral as Address, a.shares as bigint, 0n);
        break;
      case 'Repay':
        this.change(a.borrower as Address, a.collateral as Address, -(a.shares as bigint), 0n);
        break;
      case 'Seize':
        this.change(a.borrower as Address, a.collateral as Address, -(a.shares as bigint), -(a.collateralAmount as bigint), true);
        break;
      case 'CollateralReturned':
        if (a.credited) this.change(a.borrower as Address, a.collateral as Address, 0n, a.amount as bigint);
        break;
    }
  }

  private async step(): Promise<void> {
    if (this.stopped && this.processed >= 0n) return;
    const callsBefore = this.rpcCalls;
    try {
      const latest = await this.call(() => this.o.client.getBlockNumber({ cacheTime: 0 }));
      if (latest > this.processed) {
        // the block's index and prices do not depend on its events: read them while catching up
        const reads = this.readMarket(latest);
        reads.catch(() => {}); // awaited below; a failed catch-up must not leave it unhandled
        await this.catchUp(latest);
        await this.pass(latest, await reads);
        this.processed = latest;
      } else if (Date.now() - this.lastPassAt >= this.recomputeMs) {
        await this.pass(latest, await this.readMarket(latest));
      }
      this.lastError = undefined;
    } catch (err) {
      this.lastError = oneLine(err);
      this.log.warn({ err: this.lastError }, 'monitor pass failed; retrying');
    } finally {
      this.rpcCallsLastStep = this.rpcCalls - callsBefore;
    }
  }

  /**
   * Applies pool events and feed updates from the first block not fully applied up to `to`, one log
   * query (pool and feeds together) per chunk. A chunk counts as applied only once all its events are.
   */
  private async catchUp(to: bigint): Promise<void> {
    const chunk = this.o.logChunk ?? 10_000n;
    while (this.appliedThrough < to) {
      const from = this.appliedThrough + 1n;
      const end = from + chunk - 1n < to ? from + chunk - 1n : to;
      const feeds = this.feeds();
      const logs = await this.call(() => this.o.client.getLogs({ address: [this.o.pool, ...feeds], fromBlock: from, toBlock: end }));
      const pool = this.o.pool.toLowerCase();
      const poolLogs = logs.filter((l) => l.address.toLowerCase() === pool);
      await this.applyEvents(parseEventLogs({ abi: abis.LendingPool, logs: poolLogs, strict: false }) as unknown as PoolEvent[]);
      // a collateral listed in this chunk has a feed the query did not ask for
      const added = this.feeds().filter((f) => !feeds.includes(f));
      const extra = added.length > 0 ? await this.call(() => this.o.client.getLogs({ address: added, event: answerUpdated, fromBlock: from, toBlock: end })) : [];
      this.notePriceUpdates([...logs.filter((l) => l.address.toLowerCase() !== pool), ...extra]);
      this.appliedThrough = end;
    }
  }

  /** Records the block of each feed's latest answer (instructions carry it). Idempotent: a maximum. */
  private notePriceUpdates(logs: Log[]): void {
    for (const u of logs) {
      if (u.topics[0] !== answerUpdatedTopic || u.blockNumber === null) continue;
      const block = Number(u.blockNumber);
      const feed = u.address.toLowerCase();
      if (feed === this.loanFeed?.toLowerCase()) this.loanPriceBlock = Math.max(this.loanPriceBlock, block);
      for (const asset of this.assetByIndex) if (asset.feed?.toLowerCase() === feed) asset.priceBlock = Math.max(asset.priceBlock, block);
    }
  }

  /**
   * The pool's borrow index and the oracle's prices at `block`, for the assets known now: one
   * `eth_call` (viem's deployless multicall: the aggregator runs as call data, nothing to deploy).
   */
  private async readMarket(block: bigint): Promise<MarketRead> {
    const assets = [...this.assetByIndex];
    const oracle = await this.oracleAddress();
    // Prices as the pool's `health` judges them: while an oracle move beyond its guard is pending, the
    // collateral at the lower and the loan asset at the higher bound (a one-round spike must not hide a
    // position the pool would let be kicked).
    const liq = (asset: Address) => ({ address: oracle, abi: abis.PriceOracle, functionName: 'peekLiquidationPrices', args: [asset, this.loanAsset!] }) as const;
    const contracts: readonly { address: Address; abi: Abi; functionName: string; args?: readonly unknown[] }[] = [
      { address: this.o.pool, abi: abis.LendingPool, functionName: 'expectedMarket' },
      { address: oracle, abi: abis.PriceOracle, functionName: 'peek', args: [this.loanAsset!] },
      ...assets.map((x) => liq(x.address)),
    ];
    const [market, rawLoanPrice, ...pairs] = (await this.call(() =>
      this.o.client.multicall({ contracts: contracts as never, allowFailure: false, deployless: true, blockNumber: block }),
    )) as unknown[];
    const m = market as { totalBorrowAssets: bigint; totalBorrowShares: bigint };
    const priced = pairs as (readonly [bigint, bigint])[];
    // the loan asset's guarded price is the same in every pair; with no collateral listed yet, its plain answer
    const loanPrice = priced.length > 0 ? priced[0]![1] : (rawLoanPrice as bigint);
    return { market: m, loanPrice, prices: new Map(assets.map((x, i) => [x.address.toLowerCase(), priced[i]![0]])) };
  }

  /** One health pass at `block`: screen every position, confirm candidates with the pool's rule, instruct. */
  private async pass(block: bigint, read: MarketRead): Promise<void> {
    const started = performance.now();
    const book = this.book!;
    const assets = this.assetByIndex;
    const { market, loanPrice } = read;
    // an asset listed by the events just applied has no price in the read yet
    for (const x of assets) if (!read.prices.has(x.address.toLowerCase())) read.prices.set(x.address.toLowerCase(), await this.peek(x.address, block));
    // the book compares USD per whole token at one common scale (1e18), so both sides share it
    book.setDebtPrice(wholeTokenPrice(loanPrice, this.loanDecimals));
    for (const x of assets) {
      x.price = read.prices.get(x.address.toLowerCase())!;
      book.setPrice(x.index, wholeTokenPrice(x.price, x.decimals));
    }
    const index: BorrowIndex = { totalBorrowAssets: market.totalBorrowAssets, totalBorrowShares: market.totalBorrowShares };
    book.setDebtIndex(index.totalBorrowAssets + VIRTUAL_ASSETS, index.totalBorrowShares + VIRTUAL_SHARES);

    const count = book.findUnhealthy();
    // the result buffer is the book's own and stays valid: nothing below writes to the book
    const slots = book.unhealthySlots;
    this.passes++;
    this.lastPassAt = Date.now();
    const now = Date.now();
    let unhealthy = 0;
    let issuedNow = 0;
    const debug = this.log.isLevelEnabled('debug');
    const observedBlock = Number(block);
    for (let i = 0; i < count; i++) {
      if (i > 0 && i % CONFIRMATIONS_PER_YIELD === 0) await new Promise<void>((r) => setImmediate(r));
      const slot = slots[i]!;
      const shares = book.debtAt(slot);
      if (shares === 0n) continue;
      const last = this.instructedAt[slot]!;
      if (last !== 0 && now - last < this.reissueMs) {
        unhealthy++; // confirmed when it was instructed, and debt only grows until it is repaid or seized
        continue;
      }
      const asset = assets[book.assetAt(slot)]!;
      const h = poolHealth(book.collateralAt(slot), asset.price, debtOfShares(shares, index), loanPrice, asset.poolRatio);
      if (!h.liquidatable) continue;
      unhealthy++;
      this.instructedAt[slot] = now;
      const instruction: LiquidationInstruction = {
        chain: this.o.chain,
        pool: this.o.pool,
        liquidator: this.o.liquidator,
        borrower: this.borrowerOfSlot[slot]!,
        collateral: asset.address,
        reason: 'unhealthy',
        observedBlock,
        priceBlock: Math.max(asset.priceBlock, this.loanPriceBlock),
        collateralValue: h.collateralValue.toString(),
        debtValue: h.debtValue.toString(),
      };
      this.issued++;
      issuedNow++;
      if (debug) this.log.debug({ borrower: instruction.borrower, collateral: asset.address, block: Number(block) }, 'position liquidatable: instructing');
      try {
        const r = this.o.onInstruction(instruction);
        if (r) await r;
      } catch (err) {
        this.log.warn({ err: oneLine(err) }, 'instruction handler failed');
      }
    }
    this.lastUnhealthy = unhealthy;
    this.lastPassMs = performance.now() - started;
    if (issuedNow > 0) this.log.info({ block: Number(block), instructions: issuedNow, unhealthy, candidates: count }, 'positions liquidatable: instructed');
  }

  /** Applies a change to one position; `seized` forgets when it was instructed (a new lot starts afresh). */
  private change(borrower: Address, collateral: Address, dShares: bigint, dCollateral: bigint, seized = false): void {
    const book = this.book!;
    const asset = this.assets.get(collateral.toLowerCase())!;
    const id = positionKey({ borrower, collateral });
    const slot = book.slotOf(id);
    const shares = (slot === undefined ? 0n : book.debtAt(slot)) + dShares;
    const amount = (slot === undefined ? 0n : book.collateralAt(slot)) + dCollateral;
    if (shares < 0n || amount < 0n) {
      // events are applied once each, so this means the logs and the book disagree (a missed reorg):
      // the only sound answer is the chain's, read again from the logs
      this.rebuild(`position ${id} would go negative (shares ${shares}, collateral ${amount})`);
      throw new BaseError(`position ${id} went negative replaying events: rebuilding the book from the logs`, { details: `shares ${shares}, collateral ${amount}` });
    }
    if (shares === 0n && amount === 0n) {
      if (slot !== undefined) this.instructedAt[slot] = 0;
      book.remove(id);
      return;
    }
    const s = book.upsert(id, { collateralAsset: asset.index, collateral: amount, debt: shares });
    this.borrowerOfSlot[s] = borrower;
    if (s >= this.instructedAt.length) {
      const grown = new Float64Array(Math.max(s + 1, this.instructedAt.length * 2));
      grown.set(this.instructedAt);
      this.instructedAt = grown;
    }
    if (slot === undefined || seized) this.instructedAt[s] = 0; // a new position in this slot, or a fresh start
  }

  /** Forgets every position and cursor; the next step replays the logs from `fromBlock`. */
  private reset(): void {
    this.book = new PositionBook({ debtDecimals: this.loanDecimals, collateralAssets: [] });
    this.assets.clear();
    this.assetByIndex = [];
    this.borrowerOfSlot = [];
    this.instructedAt = new Float64Array(1024);
    this.processed = (this.o.fromBlock ?? 0n) - 1n;
    this.appliedThrough = this.processed;
    this.cursor = { block: -1n, logIndex: -1, hash: undefined };
  }

  private rebuild(reason: string): void {
    this.rebuilds++;
    this.log.warn({ reason }, 'monitor state disagrees with the chain: rebuilding from the logs');
    this.reset();
  }

  private override(collateral: Address): bigint | undefined {
    return this.o.thresholds?.[collateral.toLowerCase()] ?? this.o.thresholds?.[collateral];
  }

  private feeds(): Address[] {
    const feeds = this.assetByIndex.map((x) => x.feed).filter((f): f is Address => !!f);
    if (this.loanFeed) feeds.push(this.loanFeed);
    return feeds;
  }

  private async ensureAsset(collateral: Address): Promise<void> {
    const key = collateral.toLowerCase();
    if (this.assets.has(key)) return;
    const pub = this.o.client;
    const [config, decimals, feed] = await Promise.all([
      this.call(() => pub.readContract({ address: this.o.pool, abi: abis.LendingPool, functionName: 'collateralConfig', args: [collateral] })),
      this.call(() => pub.readContract({ address: collateral, abi: abis.DevnetToken, functionName: 'decimals' })),
      this.feedOf(collateral),
    ]);
    if (this.assets.has(key)) return; // added meanwhile
    const poolRatio = BigInt(config.liquidationRatio);
    const index = this.book!.addCollateralAsset({ symbol: collateral, decimals, liquidationRatioWad: screenRatio(this.override(collateral) ?? poolRatio) });
    const asset: CollateralAsset = { address: collateral, index, decimals, poolRatio, feed, priceBlock: 0, price: 0n };
    this.assets.set(key, asset);
    this.assetByIndex[index] = asset;
  }

  private async feedOf(asset: Address): Promise<Address | undefined> {
    const oracle = await this.oracleAddress();
    const cfg = await this.call(() => this.o.client.readContract({ address: oracle, abi: abis.PriceOracle, functionName: 'feedOf', args: [asset] }));
    return /^0x0{40}$/i.test(cfg.feed) ? undefined : cfg.feed;
  }

  private async oracleAddress(): Promise<Address> {
    this.oracle ??= await this.call(() => this.o.client.readContract({ address: this.o.pool, abi: abis.LendingPool, functionName: 'oracle' }));
    return this.oracle;
  }

  private async peek(asset: Address, block: bigint): Promise<bigint> {
    const oracle = await this.oracleAddress();
    return this.call(() => this.o.client.readContract({ address: oracle, abi: abis.PriceOracle, functionName: 'peek', args: [asset], blockNumber: block }));
  }

  /** Every RPC request goes through here, so the monitor can say how many a pass costs. */
  private call<T>(request: () => Promise<T>): Promise<T> {
    this.rpcCalls++;
    return request();
  }
}

const answerUpdated = abis.DevnetPriceFeed.find((x) => x.type === 'event' && x.name === 'AnswerUpdated') as Extract<
  (typeof abis.DevnetPriceFeed)[number],
  { type: 'event'; name: 'AnswerUpdated' }
>;
const answerUpdatedTopic = toEventSelector(answerUpdated);

/** Oracle price (USD per smallest unit × 1e36) → USD per whole token × 1e18, the book's screening scale. */
export function wholeTokenPrice(oraclePrice: bigint, decimals: number): bigint {
  const p = (oraclePrice * 10n ** BigInt(decimals)) / 10n ** 18n;
  return p > 0n ? p : 1n;
}

/** The screening threshold: the governed ratio widened by SCREEN_SLACK_PER_MILLION ppm. */
export function screenRatio(ratio: bigint): bigint {
  return ratio + (ratio * SCREEN_SLACK_PER_MILLION) / 1_000_000n;
}
