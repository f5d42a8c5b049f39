/**
 * Devnet price pusher: plays a price path (a scenario's `[{ t, asset, price }]`) onto the devnet's
 * Chainlink-style feeds and records each answer in the price oracle, while driving chain time.
 *
 * Every feed update is followed by `PriceOracle.update(asset)`, so the oracle records the answer at
 * once: accepted when it is within the deviation guard of the last accepted answer (which it then
 * becomes), else opened as a pending move whose window starts in that block. By default a move larger
 * than the guard is split into steps that each stay inside it, all in the same block; with
 * `splitMoves: false` it goes out as ONE feed round, as a real feed publishes a crash, and the oracle
 * prices it on its lender-protective views until the guardian or the window resolves it. Time runs as fast as the
 * caller's `pace` allows: each block advances chain time by `pace()` seconds (default 30 s, so an
 * hour of chain time takes 120 blocks), and never jumps over a knot of the path.
 */
import type { Address, Hex } from 'viem';
import { abis } from '../chain/abi/generated.ts';
import type { ChainClients } from '../chain/clients.ts';
import { BaseError, InputError } from '../shared/errors.ts';
import type { ChainClock, MinedBlock } from './chainClock.ts';
import { assetPaths, guardedSteps, knotTimesAfter, pathEnd, priceAt, toAnswer, FEED_DECIMALS, type PricePoint } from './pricePath.ts';

export type PushedAsset = { token: Address; feed: Address };

export type PricePusherOptions = {
  /** Clients signing as the feeds' pusher. */
  clients: ChainClients;
  oracle: Address;
  /** Assets the path may name, by symbol. */
  assets: Record<string, PushedAsset>;
  clock: ChainClock;
  /** Chain seconds of the next block; called before every block. Default: 30. */
  pace?: () => number;
  /** Runs after every mined block, before the next one (a caller lets its services react here). */
  afterBlock?: (block: MinedBlock) => Promise<void>;
  /** Relative move of the path since the last push that warrants a new push (default 0.001). */
  minMove?: number;
  /** Share of the oracle's deviation guard one step may use (default 0.8: 24% steps under a 30% guard). */
  guardUse?: number;
  /** Split a move beyond the oracle's guard into guarded steps (default true); false pushes it in one round. */
  splitMoves?: boolean;
  onProgress?: (message: string) => void;
};

/** How the oracle holds a pushed answer after its `update` (IPriceOracle.PriceStatus). */
export type OracleStatus = 'accepted' | 'pending' | 'rejected';
const ORACLE_STATUS: readonly OracleStatus[] = ['accepted', 'pending', 'rejected'];

/** One answer pushed and recorded by the oracle. */
export type PushRecord = { t: number; block: bigint; timestamp: number; asset: string; answer: bigint; price: number; status: OracleStatus };

export type PlayResult = { pushes: PushRecord[]; blocks: number; chainSeconds: number; startTimestamp: number };

const PUSH_GAS = 200_000n;

export class PricePusher {
  private readonly pace: () => number;
  private readonly minMove: number;
  private readonly guardUse: number;
  private readonly splitMoves: boolean;
  private readonly say: (m: string) => void;
  private nonce: number | undefined;
  private readonly current = new Map<string, bigint>();
  private readonly maxStepBps = new Map<string, number>();

  constructor(private readonly o: PricePusherOptions) {
    this.pace = o.pace ?? (() => 30);
    this.minMove = o.minMove ?? 0.001;
    this.guardUse = o.guardUse ?? 0.8;
    this.splitMoves = o.splitMoves ?? true;
    this.say = o.onProgress ?? (() => {});
    if (!(this.guardUse > 0 && this.guardUse <= 1)) throw new InputError('guardUse must be in (0, 1]');
  }

  /** Plays `points` from the current chain time (t = 0 is the latest block's timestamp). */
  async play(points: PricePoint[]): Promise<PlayResult> {
    const paths = assetPaths(points);
    for (const p of paths) if (!this.o.assets[p.asset]) throw new InputError(`pricePath names unknown asset "${p.asset}"`, { details: `known: ${Object.keys(this.o.assets).join(', ')}` });
    for (const p of paths) await this.load(p.asset);
    await this.o.clock.refresh();
    const end = pathEnd(paths);
    const pushes: PushRecord[] = [];
    let blocks = 0;
    let lastReport = -Infinity;
    this.say(`price path: ${paths.map((p) => `${p.asset} ${p.knots.map((k) => `${k.price}@${k.t}s`).join(' → ')}`).join('; ')}`);

    // t = 0 is the block that brings every feed to the path's opening price
    const pending = await this.pushAll(paths.map((p) => ({ asset: p.asset, price: priceAt(p, 0) })), true);
    let block = await this.o.clock.mine(1);
    const start = block;
    let t = 0;
    blocks++;
    pushes.push(...(await this.confirm(pending, block, t)));
    await this.o.afterBlock?.(block);

    while (t < end) {
      const nextKnot = knotTimesAfter(paths, t)[0] ?? end;
      const dt = Math.max(1, Math.min(Math.round(this.pace()), nextKnot - t));
      const target = t + dt;
      const atKnot = target >= nextKnot;
      const sent = await this.pushAll(
        paths.map((p) => ({ asset: p.asset, price: priceAt(p, target) })),
        atKnot,
      );
      block = await this.o.clock.mine(dt);
      blocks++;
      t = block.timestamp - start.timestamp;
      pushes.push(...(await this.confirm(sent, block, t)));
      await this.o.afterBlock?.(block);
      if (t - lastReport >= Math.max(60, end / 20) || t >= end) {
        lastReport = t;
        this.say(`t=${t}s/${end}s ${[...this.current].map(([a, v]) => `${a}=${formatAnswer(v)}`).join(' ')} (block ${block.number})`);
      }
    }
    return { pushes, blocks, chainSeconds: t, startTimestamp: start.timestamp };
  }

  /** Pushes one asset's price now (in guarded steps unless `splitMoves` is off) and mines nothing: the caller's next block carries it. */
  async push(asset: string, price: number): Promise<{ asset: string; answer: bigint; hashes: Hex[] }[]> {
    await this.load(asset);
    return this.pushAll([{ asset, price }], true);
  }

  private async load(asset: string): Promise<void> {
    if (this.current.has(asset)) return;
    const a = this.o.assets[asset];
    if (!a) throw new InputError(`unknown asset "${asset}"`);
    const pub = this.o.clients.public;
    const answer = await pub.readContract({ address: a.feed, abi: abis.DevnetPriceFeed, functionName: 'latestAnswer' });
    const cfg = await pub.readContract({ address: this.o.oracle, abi: abis.PriceOracle, functionName: 'feedOf', args: [a.token] });
    const guard = Number(cfg.maxDeviationBps);
    this.current.set(asset, answer);
    this.maxStepBps.set(asset, guard === 0 ? 9_999 : Math.max(1, Math.floor(guard * this.guardUse)));
  }

  private async pushAll(targets: { asset: string; price: number }[], force: boolean): Promise<{ asset: string; answer: bigint; hashes: Hex[] }[]> {
    const out: { asset: string; answer: bigint; hashes: Hex[] }[] = [];
    for (const { asset, price } of targets) {
      const cur = this.current.get(asset)!;
      const answer = toAnswer(price);
      if (answer === cur) continue;
      const move = Math.abs(Number(answer - cur)) / Number(cur);
      if (!force && move < this.minMove) continue;
      const a = this.o.assets[asset]!;
      const steps = this.splitMoves ? guardedSteps(cur, answer, this.maxStepBps.get(asset)!) : [answer];
      for (const step of steps) {
        const hashes: Hex[] = [];
        hashes.push(await this.write(a.feed, 'feed', step));
        hashes.push(await this.write(this.o.oracle, 'oracle', a.token));
        out.push({ asset, answer: step, hashes });
        this.current.set(asset, step);
      }
    }
    return out;
  }

  private async write(to: Address, kind: 'feed' | 'oracle', arg: bigint | Address): Promise<Hex> {
    const c = this.o.clients;
    this.nonce ??= await c.public.getTransactionCount({ address: c.wallet.account.address, blockTag: 'pending' });
    const nonce = this.nonce++;
    return kind === 'feed'
      ? c.wallet.writeContract({ address: to, abi: abis.DevnetPriceFeed, functionName: 'updateAnswer', args: [arg as bigint], nonce, gas: PUSH_GAS })
      : c.wallet.writeContract({ address: to, abi: abis.PriceOracle, functionName: 'update', args: [arg as Address], nonce, gas: PUSH_GAS });
  }

  private async confirm(sent: { asset: string; answer: bigint; hashes: Hex[] }[], block: MinedBlock, t: number): Promise<PushRecord[]> {
    const records: PushRecord[] = [];
    // steps of one asset in one block share the block's final verdict: read it once
    const statuses = new Map<string, Promise<OracleStatus>>();
    for (const s of sent) {
      for (const hash of s.hashes) {
        const r = await this.o.clients.public.getTransactionReceipt({ hash }).catch(() => undefined);
        if (!r) throw new BaseError(`price push for ${s.asset} was not mined in block ${block.number}`, { details: hash });
        if (r.status !== 'success') throw new BaseError(`price push for ${s.asset} reverted`, { details: `answer ${s.answer}, tx ${hash}` });
      }
      records.push({ t, block: block.number, timestamp: block.timestamp, asset: s.asset, answer: s.answer, price: Number(s.answer) / 10 ** FEED_DECIMALS, status: await getOrSet(statuses, s.asset, () => this.statusAt(s.asset, block.number)) });
    }
    return records;
  }

  /** The oracle's verdict on `asset`'s answer at the end of `block` (after the pusher's `update` in it). */
  private async statusAt(asset: string, block: bigint): Promise<OracleStatus> {
    const token = this.o.assets[asset]!.token;
    const [status] = await this.o.clients.public.readContract({ address: this.o.oracle, abi: abis.PriceOracle, functionName: 'priceStatus', args: [token], blockNumber: block });
    const s = ORACLE_STATUS[status];
    if (!s) throw new BaseError(`oracle reported an unknown price status ${status} for ${asset}`);
    return s;
  }
}

function getOrSet<K, V>(m: Map<K, V>, k: K, make: () => V): V {
  if (!m.has(k)) m.set(k, make());
  return m.get(k)!;
}

function formatAnswer(v: bigint): string {
  return (Number(v) / 10 ** FEED_DECIMALS).toFixed(2);
}
