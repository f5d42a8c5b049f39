/**
 * What a user sees of one chain's liquidations: the auction lots running now (current price, the
 * next step and when it comes, the price curve ahead) and the lots that finished, with their outcome
 * (sold, raised, returned to the borrower, shortfall and what the reserve paid).
 *
 * Lots are known from the liquidator's own events (Kick, Take, Reset, LotFinished,
 * ShortfallCovered), followed incrementally, so lots kicked by anyone are shown; live figures come
 * from the liquidator's `status` view at one block, so the price shown is the price a take pays.
 */
import { parseEventLogs, type Address } from 'viem';
import { abis } from '../chain/abi/generated.ts';
import type { LendingReader, Token } from '../lending/lendingReads.ts';
import { WAD } from '../lending/health.ts';
import { BaseError } from '../shared/errors.ts';

const PRICE_SCALE = 10n ** 36n;
const BPS = 10_000n;
/** Points of the curve returned for a live lot: enough to draw it to the tail at the default 10 s step. */
const MAX_CURVE_POINTS = 120;

/** The liquidator's governed auction parameters (its `params()` view without the reentrancy lock). */
export type AuctionParams = Omit<import('viem').ReadContractReturnType<typeof abis.Liquidator, 'params'>, 'locked'>;

/** Auction prices are loan smallest units per collateral smallest unit × 1e36 (AuctionMath's unit). */
export type TakeRecord = { block: bigint; timestamp: bigint; taker: Address; collateralOut: bigint; price: bigint; paid: bigint; debtRepaid: bigint; feePaid: bigint; rebate: bigint; txHash: `0x${string}` };

export type LotHistory = {
  id: bigint;
  sequence: bigint;
  borrower: Address;
  collateral: Token;
  loanAsset: Token;
  kicker: Address;
  kickBlock: bigint;
  kickTime: bigint;
  /** At kick: collateral seized, debt taken over, fee to raise, start price. */
  collateralAmount: bigint;
  debt: bigint;
  fee: bigint;
  startPrice: bigint;
  takes: TakeRecord[];
  resets: { block: bigint; timestamp: bigint; startPrice: bigint; valuation: bigint }[];
  finished: null | {
    block: bigint;
    timestamp: bigint;
    collateralReturned: bigint;
    shortfall: bigint;
    /** Shortfall the reserve paid at once (the rest waits as the liquidator's pending shortfall). */
    coveredByReserve: bigint;
    /** 'sold': debt and fee raised, the rest returned; 'shortfall': collateral ran out first. */
    outcome: 'sold' | 'shortfall';
  };
  /** Sum of takes: collateral sold, loan assets raised. */
  collateralSold: bigint;
  raised: bigint;
};

export type CurvePoint = { at: bigint; price: bigint };

export type LiveLot = LotHistory & {
  /** Stored state now. */
  collateralLeft: bigint;
  debtLeft: bigint;
  feeLeft: bigint;
  roundStartPrice: bigint;
  roundStartTime: bigint;
  /** The liquidator's live view at `block`. */
  price: bigint;
  valuation: bigint;
  needsReset: boolean;
  makerRebate: boolean;
  nextStepAt: bigint;
  nextPrice: bigint;
  /** Price at which a take stops being allowed (floor × valuation): below it the lot must be reset. */
  floorPrice: bigint;
  /** The stairstep from the round's start to the tail: one point per step. */
  curve: CurvePoint[];
};

export type AuctionsView = {
  chain: string;
  block: bigint;
  timestamp: bigint;
  liquidator: Address;
  params: AuctionParams;
  /** Shortfall the reserve could not pay yet. */
  pendingShortfall: bigint;
  live: LiveLot[];
  /** Finished lots, newest first. */
  recent: LotHistory[];
};

/** x^n for a WAD x, square-and-multiply, each product rounded down (FixedPointMath.wPow). */
export function wPow(x: bigint, n: bigint): bigint {
  let z = n & 1n ? x : WAD;
  for (n >>= 1n; n !== 0n; n >>= 1n) {
    x = (x * x) / WAD;
    if (n & 1n) z = (z * x) / WAD;
  }
  return z;
}

/** AuctionMath.priceAt: start × (stepFactorBps / 1e4)^floor(elapsed / stepSeconds), rounded down. */
export function auctionPriceAt(start: bigint, elapsed: bigint, stepSeconds: number, stepFactorBps: number): bigint {
  const factor = BigInt(stepFactorBps) * (WAD / BPS);
  return (start * wPow(factor, elapsed / BigInt(stepSeconds))) / WAD;
}

/** The collateral address an id carries in its high 160 bits (LotId.sol). */
export function lotCollateral(id: bigint): Address {
  return `0x${(id >> 96n).toString(16).padStart(40, '0')}` as Address;
}

/** An auction price as loan smallest units per WHOLE collateral token (what a person reads). */
export function pricePerToken(price: bigint, collateralDecimals: number): bigint {
  return (price * 10n ** BigInt(collateralDecimals)) / PRICE_SCALE;
}

type Raw = Omit<LotHistory, 'collateral' | 'loanAsset'> & { collateralAddress: Address };

export class AuctionReader {
  readonly liquidator: Address;
  private readonly lots = new Map<bigint, Raw>();
  /** Logs applied, by block and log index: two requests scanning the same blocks at once apply each log once. */
  private readonly applied = new Set<string>();
  private scannedTo = -1n;
  private scanning: Promise<void> = Promise.resolve();

  constructor(private readonly lending: LendingReader, liquidator: Address | undefined) {
    if (!liquidator) throw new BaseError(`no Liquidator deployed on ${lending.chain}`, { status: 404, code: 'NO_LIQUIDATOR' });
    this.liquidator = liquidator;
  }

  /** Live lots and up to `recentLimit` finished ones, at the latest block. */
  async auctions(recentLimit = 20): Promise<AuctionsView> {
    const block = await this.lending.latestBlock();
    const client = this.lending.client;
    await this.scan(block.number);
    const [p, pendingShortfall, loanAddress] = await Promise.all([
      client.readContract({ address: this.liquidator, abi: abis.Liquidator, functionName: 'params', blockNumber: block.number }),
      client.readContract({ address: this.liquidator, abi: abis.Liquidator, functionName: 'pendingShortfall', blockNumber: block.number }),
      this.lending.wired().then((w) => w.loanAsset),
    ]);
    const { locked: _locked, ...params } = p;
    const loanAsset = await this.lending.token(loanAddress);
    const withTokens = async (r: Raw): Promise<LotHistory> => {
      const { collateralAddress, ...rest } = r;
      return { ...rest, collateral: await this.lending.token(collateralAddress), loanAsset };
    };
    const all = [...this.lots.values()];
    const running = all.filter((l) => !l.finished);
    const live = await Promise.all(
      running.map(async (r): Promise<LiveLot> => {
        const [lot, status, history] = await Promise.all([
          client.readContract({ address: this.liquidator, abi: abis.Liquidator, functionName: 'lot', args: [r.id], blockNumber: block.number }),
          client.readContract({ address: this.liquidator, abi: abis.Liquidator, functionName: 'status', args: [r.id], blockNumber: block.number }),
          withTokens(r),
        ]);
        const [, price, valuation, needsReset, makerRebate] = status;
        const step = BigInt(params.stepSeconds);
        const start = BigInt(lot.startTime);
        const elapsed = block.timestamp > start ? block.timestamp - start : 0n;
        const nextK = elapsed / step + 1n;
        const steps = Math.min(MAX_CURVE_POINTS, Math.floor(params.tailSeconds / params.stepSeconds) + 1);
        const curve: CurvePoint[] = [];
        for (let k = 0n; k < BigInt(steps); k++) curve.push({ at: start + k * step, price: auctionPriceAt(lot.startPrice, k * step, params.stepSeconds, params.stepFactorBps) });
        return {
          ...history,
          collateralLeft: lot.collateral,
          debtLeft: lot.debtLeft,
          feeLeft: lot.feeLeft,
          roundStartPrice: lot.startPrice,
          roundStartTime: start,
          price,
          valuation,
          needsReset,
          makerRebate,
          nextStepAt: start + nextK * step,
          nextPrice: auctionPriceAt(lot.startPrice, nextK * step, params.stepSeconds, params.stepFactorBps),
          floorPrice: (valuation * BigInt(params.floorBps)) / BPS,
          curve,
        };
      }),
    );
    const finished = all.filter((l) => l.finished).sort((a, b) => Number(b.finished!.block - a.finished!.block) || Number(b.sequence - a.sequence));
    const recent = await Promise.all(finished.slice(0, recentLimit).map(withTokens));
    return { chain: this.lending.chain, block: block.number, timestamp: block.timestamp, liquidator: this.liquidator, params, pendingShortfall, live, recent };
  }

  /** Lots (live and finished) of one borrower, newest first. */
  async lotsOf(borrower: Address): Promise<{ live: LiveLot[]; finished: LotHistory[] }> {
    const view = await this.auctions(Number.MAX_SAFE_INTEGER);
    const mine = (l: LotHistory) => l.borrower.toLowerCase() === borrower.toLowerCase();
    return { live: view.live.filter(mine), finished: view.recent.filter(mine) };
  }

  /** Applies the liquidator's events up to `to`; scans run one at a time, each log applied once. */
  private scan(to: bigint): Promise<void> {
    const run = this.scanning.then(() => this.scanOnce(to));
    this.scanning = run.catch(() => {});
    return run;
  }

  private async scanOnce(to: bigint): Promise<void> {
    if (to <= this.scannedTo) return;
    const client = this.lending.client;
    const logs = await client.getLogs({ address: this.liquidator, fromBlock: this.scannedTo + 1n, toBlock: to });
    const blocks = [...new Set(logs.map((l) => l.blockNumber!))];
    const stamps = await Promise.all(blocks.map((b) => client.getBlock({ blockNumber: b }).then((x) => x.timestamp)));
    const times = new Map(blocks.map((b, i) => [b, stamps[i]!]));
    for (const ev of parseEventLogs({ abi: abis.Liquidator, logs, strict: false })) {
      const key = `${ev.blockNumber}:${ev.logIndex}`;
      if (this.applied.has(key)) continue;
      this.applied.add(key);
      const a = ev.args as Record<string, unknown>;
      const id = a.id as bigint | undefined;
      if (id === undefined) continue;
      const at = { block: ev.blockNumber, timestamp: times.get(ev.blockNumber)! };
      if (ev.eventName === 'Kick') {
        this.lots.set(id, {
          id,
          sequence: id & ((1n << 96n) - 1n),
          borrower: a.borrower as Address,
          collateralAddress: lotCollateral(id),
          kicker: a.kicker as Address,
          kickBlock: at.block,
          kickTime: at.timestamp,
          collateralAmount: a.collateralAmount as bigint,
          debt: a.debt as bigint,
          fee: a.fee as bigint,
          startPrice: a.startPrice as bigint,
          takes: [],
          resets: [],
          finished: null,
          collateralSold: 0n,
          raised: 0n,
        });
        continue;
      }
      const lot = this.lots.get(id);
      if (!lot) continue;
      if (ev.eventName === 'Take') {
        const t: TakeRecord = {
          ...at,
          taker: a.taker as Address,
          collateralOut: a.collateralOut as bigint,
          price: a.price as bigint,
          paid: a.paid as bigint,
          debtRepaid: a.debtRepaid as bigint,
          feePaid: a.feePaid as bigint,
          rebate: a.rebate as bigint,
          txHash: ev.transactionHash,
        };
        lot.takes.push(t);
        lot.collateralSold += t.collateralOut;
        lot.raised += t.paid;
      } else if (ev.eventName === 'Reset') {
        lot.resets.push({ ...at, startPrice: a.startPrice as bigint, valuation: a.valuation as bigint });
      } else if (ev.eventName === 'LotFinished') {
        const shortfall = a.shortfall as bigint;
        lot.finished = { ...at, collateralReturned: a.collateralReturned as bigint, shortfall, coveredByReserve: 0n, outcome: shortfall > 0n ? 'shortfall' : 'sold' };
      } else if (ev.eventName === 'ShortfallCovered' && lot.finished) {
        lot.finished.coveredByReserve += a.paid as bigint;
      }
    }
    if (to > this.scannedTo) this.scannedTo = to;
  }
}
