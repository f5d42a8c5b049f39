/**
 * Liquidation monitor: knows every position of one lending pool, recomputes their health on every
 * new block (which carries every price update) and at least every `recomputeMs`, and issues a
 * `LiquidationInstruction` for each position the pool would let an executor kick.
 *
 * Restart-safe: the position set is rebuilt from the pool's event logs (from `fromBlock`), never
 * from local state. Fast: positions sit in a PositionBook whose float screen reads only typed arrays;
 * a price update changes one number per asset, and only the few positions the screen flags are
 * confirmed with the pool's own `health(borrower, collateral)` view at the same block, so the
 * monitor's decision is the contract's decision (same roundings, interest to that block).
 */
import { parseEventLogs, type Address, type Chain, type PublicClient, type Transport } from 'viem';
import { abis } from '../chain/abi/generated.ts';
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
  /** Liquidation ratios (WAD) by collateral address, overriding the pool's governed values. */
  thresholds?: Record<string, bigint>;
  /** A position still liquidatable this long after its instruction is instructed again (ms). Default 5,000. */
  reissueMs?: number;
  /** Largest block range of one log query. Default 10,000. */
  logChunk?: bigint;
  onInstruction: (instruction: LiquidationInstruction) => void | Promise<void>;
  logger?: Logger;
};

type Tracked = { borrower: Address; collateral: Address; shares: bigint; collateral_: bigint };
type CollateralAsset = { address: Address; index: number; decimals: number; ratio: bigint; feed: Address | undefined; priceBlock: number };

/**
 * The screen must flag a superset of what the contract liquidates. Debts are refreshed when the
 * borrow index has drifted by DEBT_REFRESH since the last refresh, so the screen's threshold is
 * widened by twice that (plus the contract's sub-unit roundings, far smaller); candidates are then
 * confirmed on chain.
 */
const DEBT_REFRESH = 1e-6;
const SCREEN_SLACK_PER_MILLION = 4n;
const VIRTUAL_SHARES = 1_000_000n;
const VIRTUAL_ASSETS = 1n;

export class LiquidationMonitor implements Service {
  readonly name = 'liquidation-monitor';
  private readonly log: Logger;
  private readonly pollMs: number;
  private readonly recomputeMs: number;
  private readonly reissueMs: number;
  private readonly positions = new Map<string, Tracked>();
  private readonly assets = new Map<string, CollateralAsset>();
  private book: PositionBook | undefined;
  private loanAsset: Address | undefined;
  private loanDecimals = 0;
  private loanFeed: Address | undefined;
  private loanPriceBlock = 0;
  private processed = -1n;
  private lastPassAt = 0;
  private lastError: string | undefined;
  private debtIndexAtRefresh = 0;
  private debtsDirty = true;
  private readonly instructedAt = new Map<string, number>();
  private readonly loop: PollLoop;
  private stopped = true;
  private passes = 0;
  private issued = 0;
  private lastUnhealthy = 0;

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

  get stats(): { positions: number; passes: number; instructions: number; unhealthy: number } {
    return { positions: this.positions.size, passes: this.passes, instructions: this.issued, unhealthy: this.lastUnhealthy };
  }

  async start(): Promise<void> {
    if (!this.stopped) return;
    this.stopped = false;
    const pub = this.o.client;
    this.loanAsset = await pub.readContract({ address: this.o.pool, abi: abis.LendingPool, functionName: 'loanAsset' });
    this.loanDecimals = await pub.readContract({ address: this.loanAsset, abi: abis.DevnetToken, functionName: 'decimals' });
    this.loanFeed = await this.feedOf(this.loanAsset);
    this.book = new PositionBook({ debtDecimals: this.loanDecimals, collateralAssets: [] });
    this.processed = (this.o.fromBlock ?? 0n) - 1n;
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
      detail: this.lastError ?? `block ${this.processed}, ${this.positions.size} positions, ${this.lastUnhealthy} liquidatable, ${this.issued} instructions`,
    };
  }

  /** Processes new blocks (or re-judges the latest one when `recomputeMs` has passed). One at a time. */
  tick(): Promise<void> {
    return this.loop.tick();
  }

  private async step(): Promise<void> {
    if (this.stopped && this.processed >= 0n) return;
    try {
      const latest = await this.o.client.getBlockNumber({ cacheTime: 0 });
      if (latest > this.processed) {
        await this.catchUp(latest);
        await this.pass(latest);
        this.processed = latest;
      } else if (Date.now() - this.lastPassAt >= this.recomputeMs) {
        await this.pass(latest);
      }
      this.lastError = undefined;
    } catch (err) {
      this.lastError = oneLine(err);
      this.log.warn({ err: this.lastError }, 'monitor pass failed; retrying');
    }
  }

  /** Applies pool events and feed updates from the block after `processed` up to `to`. */
  private async catchUp(to: bigint): Promise<void> {
    const chunk = this.o.logChunk ?? 10_000n;
    for (let from = this.processed + 1n; from <= to; from += chunk) {
      const end = from + chunk - 1n < to ? from + chunk - 1n : to;
      const logs = await this.o.client.getLogs({ address: this.o.pool, fromBlock: from, toBlock: end });
      for (const ev of parseEventLogs({ abi: abis.LendingPool, logs, strict: false })) {
        const a = ev.args as Record<string, unknown>;
        switch (ev.eventName) {
          case 'CollateralSet':
            await this.ensureAsset(a.collateral as Address, BigInt(a.liquidationRatio as bigint));
            break;
          case 'SupplyCollateral':
            await this.change(a.borrower as Address, a.collateral as Address, 0n, a.amount as bigint);
            break;
          case 'WithdrawCollateral':
            await this.change(a.borrower as Address, a.collateral as Address, 0n, -(a.amount as bigint));
            break;
          case 'Borrow':
            await this.change(a.borrower as Address, a.collateral as Address, a.shares as bigint, 0n);
            break;
          case 'Repay':
            await this.change(a.borrower as Address, a.collateral as Address, -(a.shares as bigint), 0n);
            break;
          case 'Seize':
            await this.change(a.borrower as Address, a.collateral as Address, -(a.shares as bigint), -(a.collateralAmount as bigint));
            this.instructedAt.delete(positionKey({ borrower: a.borrower as string, collateral: a.collateral as string }));
            break;
          case 'CollateralReturned':
            if (a.credited) await this.change(a.borrower as Address, a.collateral as Address, 0n, a.amount as bigint);
            break;
        }
      }
      // price updates: the block of the last answer of each feed (instructions carry it)
      const feeds = [...this.assets.values()].map((x) => x.feed).filter((f): f is Address => !!f);
      if (this.loanFeed) feeds.push(this.loanFeed);
      if (feeds.length > 0) {
        const updates = await this.o.client.getLogs({ address: feeds, event: answerUpdated, fromBlock: from, toBlock: end });
        for (const u of updates) {
          const block = Number(u.blockNumber);
          if (u.address.toLowerCase() === this.loanFeed?.toLowerCase()) this.loanPriceBlock = block;
          for (const asset of this.assets.values()) if (asset.feed?.toLowerCase() === u.address.toLowerCase()) asset.priceBlock = block;
        }
      }
    }
  }

  /** One health pass at `block`: screen every position, confirm candidates on chain, instruct. */
  private async pass(block: bigint): Promise<void> {
    const book = this.book!;
    const pub = this.o.client;
    const assets = [...this.assets.values()];
    const [market, loanPrice, ...prices] = await Promise.all([
      pub.readContract({ address: this.o.pool, abi: abis.LendingPool, functionName: 'expectedMarket', blockNumber: block }),
      this.peek(this.loanAsset!, block),
      ...assets.map((x) => this.peek(x.address, block)),
    ]);
    // the book compares USD per whole token at one common scale (1e18), so both sides share it
    book.setDebtPrice(wholeTokenPrice(loanPrice, this.loanDecimals));
    assets.forEach((x, i) => book.setPrice(x.index, wholeTokenPrice(prices[i]!, x.decimals)));
    this.refreshDebts(market.totalBorrowAssets, market.totalBorrowShares);

    const count = book.findUnhealthy();
    const candidates: Tracked[] = [];
    const slots = book.unhealthySlots;
    for (let i = 0; i < count; i++) {
      const id = book.idAt(slots[i]!);
      const t = id ? this.positions.get(id) : undefined;
      if (t && t.shares > 0n) candidates.push(t);
    }
    const verdicts = await Promise.all(
      candidates.map((t) =>
        pub.readContract({ address: this.o.pool, abi: abis.LendingPool, functionName: 'health', args: [t.borrower, t.collateral], blockNumber: block }),
      ),
    );
    this.passes++;
    this.lastPassAt = Date.now();
    let unhealthy = 0;
    const now = Date.now();
    for (const [i, t] of candidates.entries()) {
      const [collateralValue, debtValue, liquidatable] = verdicts[i]!;
      if (!liquidatable) continue;
      unhealthy++;
      const key = positionKey(t);
      const last = this.instructedAt.get(key);
      if (last !== undefined && now - last < this.reissueMs) continue;
      this.instructedAt.set(key, now);
      const asset = this.assets.get(t.collateral.toLowerCase());
      const instruction: LiquidationInstruction = {
        chain: this.o.chain,
        pool: this.o.pool,
        liquidator: this.o.liquidator,
        borrower: t.borrower,
        collateral: t.collateral,
        reason: 'unhealthy',
        observedBlock: Number(block),
        priceBlock: Math.max(asset?.priceBlock ?? 0, this.loanPriceBlock),
        collateralValue: collateralValue.toString(),
        debtValue: debtValue.toString(),
      };
      this.issued++;
      this.log.info({ borrower: t.borrower, collateral: t.collateral, block: Number(block) }, 'position liquidatable: instructing');
      try {
        await this.o.onInstruction(instruction);
      } catch (err) {
        this.log.warn({ err: oneLine(err) }, 'instruction handler failed');
      }
    }
    this.lastUnhealthy = unhealthy;
  }

  /**
   * Converts every position's borrow shares to assets exactly as the pool does (rounding up) when
   * the borrow index has moved by more than DEBT_REFRESH since the last conversion; the widened
   * screen covers the drift in between, so a price update never touches per-position data.
   */
  private refreshDebts(totalAssets: bigint, totalShares: bigint): void {
    const index = Number(totalAssets + VIRTUAL_ASSETS) / Number(totalShares + VIRTUAL_SHARES);
    if (!this.debtsDirty && Math.abs(index / this.debtIndexAtRefresh - 1) < DEBT_REFRESH) return;
    for (const [id, t] of this.positions) {
      const debt = mulDivUp(t.shares, totalAssets + VIRTUAL_ASSETS, totalShares + VIRTUAL_SHARES);
      this.book!.upsert(id, { collateralAsset: this.assets.get(t.collateral.toLowerCase())!.index, collateral: t.collateral_, debt });
    }
    this.debtIndexAtRefresh = index;
    this.debtsDirty = false;
  }

  private async change(borrower: Address, collateral: Address, dShares: bigint, dCollateral: bigint): Promise<void> {
    await this.ensureAsset(collateral);
    const id = positionKey({ borrower, collateral });
    const t = this.positions.get(id) ?? { borrower, collateral, shares: 0n, collateral_: 0n };
    t.shares += dShares;
    t.collateral_ += dCollateral;
    if (t.shares < 0n || t.collateral_ < 0n) throw new BaseError(`position ${id} went negative replaying events`, { details: `shares ${t.shares}, collateral ${t.collateral_}` });
    if (t.shares === 0n && t.collateral_ === 0n) {
      this.positions.delete(id);
      this.book!.remove(id);
    } else {
      this.positions.set(id, t);
      // its debt is set at the next refresh, which this forces
      this.book!.upsert(id, { collateralAsset: this.assets.get(collateral.toLowerCase())!.index, collateral: t.collateral_, debt: 0n });
      this.debtsDirty = true;
    }
  }

  private async ensureAsset(collateral: Address, ratio?: bigint): Promise<void> {
    const key = collateral.toLowerCase();
    const override = this.o.thresholds?.[key] ?? this.o.thresholds?.[collateral];
    const known = this.assets.get(key);
    if (known) {
      if (ratio !== undefined && override === undefined) {
        known.ratio = ratio;
        this.book!.setThreshold(known.index, screenRatio(ratio));
      }
      return;
    }
    const pub = this.o.client;
    const governed = ratio ?? (await pub.readContract({ address: this.o.pool, abi: abis.LendingPool, functionName: 'collateralConfig', args: [collateral] })).liquidationRatio;
    const effective = override ?? BigInt(governed);
    const decimals = await pub.readContract({ address: collateral, abi: abis.DevnetToken, functionName: 'decimals' });
    const index = this.book!.addCollateralAsset({ symbol: collateral, decimals, liquidationRatioWad: screenRatio(effective) });
    this.assets.set(key, { address: collateral, index, decimals, ratio: effective, feed: await this.feedOf(collateral), priceBlock: 0 });
  }

  private async feedOf(asset: Address): Promise<Address | undefined> {
    const oracle = await this.o.client.readContract({ address: this.o.pool, abi: abis.LendingPool, functionName: 'oracle' });
    const cfg = await this.o.client.readContract({ address: oracle, abi: abis.PriceOracle, functionName: 'feedOf', args: [asset] });
    return /^0x0{40}$/i.test(cfg.feed) ? undefined : cfg.feed;
  }

  private oracleAddress: Address | undefined;
  private async peek(asset: Address, block: bigint): Promise<bigint> {
    this.oracleAddress ??= await this.o.client.readContract({ address: this.o.pool, abi: abis.LendingPool, functionName: 'oracle' });
    return this.o.client.readContract({ address: this.oracleAddress, abi: abis.PriceOracle, functionName: 'peek', args: [asset], blockNumber: block });
  }
}

const answerUpdated = abis.DevnetPriceFeed.find((x) => x.type === 'event' && x.name === 'AnswerUpdated') as Extract<
  (typeof abis.DevnetPriceFeed)[number],
  { type: 'event'; name: 'AnswerUpdated' }
>;

/** Oracle price (USD per smallest unit × 1e36) → USD per whole token × 1e18, the book's screening scale. */
export function wholeTokenPrice(oraclePrice: bigint, decimals: number): bigint {
  const p = (oraclePrice * 10n ** BigInt(decimals)) / 10n ** 18n;
  return p > 0n ? p : 1n;
}

/** The screening threshold: the governed ratio widened by SCREEN_SLACK_PER_MILLION ppm. */
export function screenRatio(ratio: bigint): bigint {
  return ratio + (ratio * SCREEN_SLACK_PER_MILLION) / 1_000_000n;
}

function mulDivUp(a: bigint, b: bigint, d: bigint): bigint {
  return (a * b + d - 1n) / d;
}

/**
 * The pool's health rule (HealthLib) in bigint, for readers that hold the inputs already:
 * collateralValue = floor(c × Pc / 1e18), debtValue = ceil(d × Pl / 1e18),
 * liquidatable iff collateralValue × 1e18 < debtValue × ratio. Prices in the oracle unit.
 */
export function contractHealth(collateral: bigint, collateralPrice: bigint, debt: bigint, loanPrice: bigint, ratio: bigint): { collateralValue: bigint; debtValue: bigint; liquidatable: boolean } {
  const WAD = 10n ** 18n;
  const collateralValue = (collateral * collateralPrice) / WAD;
  const debtValue = (debt * loanPrice + WAD - 1n) / WAD;
  return { collateralValue, debtValue, liquidatable: collateralValue * WAD < debtValue * ratio };
}
