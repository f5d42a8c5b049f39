/**
 * The running devnet's price feed: keeps one chain's Chainlink-style devnet feeds moving on a wall clock,
 * either as a seeded random walk (mean-reverting towards an anchor, so a demo does not drift into mass
 * liquidation overnight) or by replaying a price file (`[{ t, asset, price }]`, the scenarios' format,
 * `t` in seconds since the service started). `set(asset, price)` moves a price by hand (`palisade
 * prices set WETH 1200`): the walk then wanders around the new level.
 *
 * Every update writes the feed and then records it in the price oracle (`PriceOracle.price`), in steps
 * that each stay inside the oracle's deviation guard; all steps of one update are sent with consecutive
 * nonces without waiting, so they land in the same block. Each step starts from the feed's on-chain
 * answer, never a remembered one, so a price moved by anyone else is picked up rather than undone.
 */
import type { Address, Hex } from 'viem';
import { abis } from '../chain/abi/generated.ts';
import type { ChainClients } from '../chain/clients.ts';
import { waitForReceipt } from '../chain/tx.ts';
import { BaseError, InputError, oneLine } from '../shared/errors.ts';
import { logger as rootLogger, type Logger } from '../shared/logger.ts';
import { PollLoop } from '../shared/pollLoop.ts';
import { seededRandom } from '../shared/seededRandom.ts';
import type { Service } from '../shared/service.ts';
import { assetPaths, FEED_DECIMALS, guardedSteps, pathEnd, priceAt, toAnswer, type AssetPath, type PricePoint } from './pricePath.ts';

export type PricedAsset = { token: Address; feed: Address };

/** Where the next price of an asset comes from. */
export type PriceSource =
  | { kind: 'random-walk'; volatility: number; meanReversion: number; seed: number; /** Assets that walk (default all); the loan asset, a stablecoin, usually stays. */ assets?: string[] }
  | { kind: 'replay'; points: PricePoint[]; speed: number; loop: boolean }
  | { kind: 'manual' };

export type PriceFeedServiceOptions = {
  chain: string;
  /** Signs as the feeds' pusher. */
  clients: ChainClients;
  oracle: Address;
  assets: Record<string, PricedAsset>;
  source: PriceSource;
  /** Wall time between two updates (ms). */
  intervalMs: number;
  /** Share of the oracle's deviation guard one step may use (default 0.8). */
  guardUse?: number;
  logger?: Logger;
};

const PUSH_GAS = 200_000n;

export type PriceUpdate = { chain: string; asset: string; price: number; answer: string; steps: number; block: string | null };

export class PriceFeedService implements Service {
  readonly name = 'price-feed';
  private readonly log: Logger;
  private readonly loop: PollLoop;
  private readonly random: () => number;
  private readonly anchors = new Map<string, number>();
  private readonly guardBps = new Map<string, number>();
  private readonly paths: AssetPath[];
  private startedAt = 0;
  private running = false;
  private lastError: string | undefined;
  private updates = 0;

  constructor(private readonly o: PriceFeedServiceOptions) {
    this.log = (o.logger ?? rootLogger).child({ service: this.name, chain: o.chain });
    this.random = seededRandom(o.source.kind === 'random-walk' ? o.source.seed : 1);
    this.paths = o.source.kind === 'replay' ? assetPaths(o.source.points) : [];
    for (const p of this.paths) if (!o.assets[p.asset]) throw new InputError(`price file names unknown asset "${p.asset}"`, { details: `known: ${Object.keys(o.assets).join(', ')}` });
    // a step every interval, serialised with manual `set`s so two updates never race for nonces
    this.loop = new PollLoop(() => this.step(), o.intervalMs);
  }

  get assets(): string[] {
    return Object.keys(this.o.assets);
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.startedAt = Date.now();
    if (this.o.source.kind !== 'manual') this.loop.start();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop.stop();
  }

  health(): { ok: boolean; detail?: string } {
    return { ok: this.running && !this.lastError, detail: this.lastError ?? `${this.o.source.kind}, ${this.updates} updates` };
  }

  /** The feeds' current answers as USD prices. */
  async prices(): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    for (const [asset, a] of Object.entries(this.o.assets)) {
      const answer = await this.o.clients.public.readContract({ address: a.feed, abi: abis.DevnetPriceFeed, functionName: 'latestAnswer' });
      out[asset] = Number(answer) / 10 ** FEED_DECIMALS;
    }
    return out;
  }

  /** Moves `asset` to `price` now (after any update in flight) and makes it the walk's new anchor. */
  async set(asset: string, price: number): Promise<PriceUpdate> {
    if (!this.o.assets[asset]) throw new InputError(`unknown asset "${asset}" on ${this.o.chain}`, { details: `known: ${this.assets.join(', ')}` });
    const answer = toAnswer(price); // validates before anything is sent
    return this.loop.exclusive(async () => {
      const result = await this.push(asset, answer);
      this.anchors.set(asset, price);
      return result;
    });
  }

  private async step(): Promise<void> {
    if (!this.running) return;
    try {
      for (const asset of Object.keys(this.o.assets)) {
        const target = await this.next(asset);
        if (target !== undefined) await this.push(asset, toAnswer(target));
      }
      this.lastError = undefined;
    } catch (err) {
      this.lastError = oneLine(err);
      this.log.warn({ err: this.lastError }, 'price update failed; will retry');
    }
  }

  /** The next price of `asset`, or undefined to leave it alone. */
  private async next(asset: string): Promise<number | undefined> {
    const s = this.o.source;
    if (s.kind === 'replay') {
      const path = this.paths.find((p) => p.asset === asset);
      if (!path) return undefined;
      let t = ((Date.now() - this.startedAt) / 1000) * s.speed;
      const end = pathEnd(this.paths);
      if (s.loop && end > 0) t %= end;
      return priceAt(path, t);
    }
    if (s.kind !== 'random-walk' || (s.assets && !s.assets.includes(asset))) return undefined;
    const current = Number(await this.answerOf(asset)) / 10 ** FEED_DECIMALS;
    if (!this.anchors.has(asset)) this.anchors.set(asset, current);
    // Ornstein–Uhlenbeck on the log price: a pull towards the anchor plus a Gaussian shock
    const x = Math.log(current);
    const pull = s.meanReversion * (Math.log(this.anchors.get(asset)!) - x);
    const u = Math.max(this.random(), 1e-12);
    const shock = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.random());
    return Math.exp(x + pull + s.volatility * shock);
  }

  private answerOf(asset: string): Promise<bigint> {
    return this.o.clients.public.readContract({ address: this.o.assets[asset]!.feed, abi: abis.DevnetPriceFeed, functionName: 'latestAnswer' });
  }

  private async guard(asset: string): Promise<number> {
    let bps = this.guardBps.get(asset);
    if (bps === undefined) {
      const cfg = await this.o.clients.public.readContract({ address: this.o.oracle, abi: abis.PriceOracle, functionName: 'feedOf', args: [this.o.assets[asset]!.token] });
      const guard = Number(cfg.maxDeviationBps);
      bps = guard === 0 ? 9_999 : Math.max(1, Math.floor(guard * (this.o.guardUse ?? 0.8)));
      this.guardBps.set(asset, bps);
    }
    return bps;
  }

  /** Writes feed + oracle for every guarded step from the on-chain answer to `answer`, and waits for them. */
  private async push(asset: string, answer: bigint): Promise<PriceUpdate> {
    const a = this.o.assets[asset]!;
    const c = this.o.clients;
    const current = await this.answerOf(asset);
    const steps = guardedSteps(current, answer, await this.guard(asset));
    const price = Number(answer) / 10 ** FEED_DECIMALS;
    if (steps.length === 0) return { chain: this.o.chain, asset, price, answer: answer.toString(), steps: 0, block: null };
    let nonce = await c.public.getTransactionCount({ address: c.wallet.account.address, blockTag: 'pending' });
    const hashes: Hex[] = [];
    for (const step of steps) {
      hashes.push(await c.wallet.writeContract({ address: a.feed, abi: abis.DevnetPriceFeed, functionName: 'updateAnswer', args: [step], nonce: nonce++, gas: PUSH_GAS }));
      hashes.push(await c.wallet.writeContract({ address: this.o.oracle, abi: abis.PriceOracle, functionName: 'update', args: [a.token], nonce: nonce++, gas: PUSH_GAS }));
    }
    let block = 0n;
    for (const hash of hashes) {
      const r = await waitForReceipt(c.public, hash, { timeoutMs: 60_000 });
      if (r.status !== 'success') throw new BaseError(`price update of ${asset} on ${this.o.chain} reverted`, { details: `tx ${hash}` });
      if (r.blockNumber > block) block = r.blockNumber;
    }
    this.updates++;
    this.log.debug({ asset, price, steps: steps.length, block: block.toString() }, 'price updated');
    return { chain: this.o.chain, asset, price, answer: answer.toString(), steps: steps.length, block: block.toString() };
  }
}
