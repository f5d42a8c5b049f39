/**
 * Liquidation executor: acts on liquidation instructions and on the auctions they start.
 *
 * - kick: for each instruction about its chain's liquidator, unless the position is already in a
 *   lot or a kick for it is in flight (the contract refuses a healthy or already-seized position
 *   anyway; the executor checks first so it does not pay for a revert).
 * - take: every block it looks at every running lot (rebuilt from the liquidator's Kick / Take /
 *   LotFinished logs, so restarts and lots kicked by others are covered) and buys the whole lot
 *   when the auction price is at or below the oracle valuation × (1 + margin), paying from its
 *   loan-asset inventory (it approves the liquidator once).
 * - reset: lots past the tail or below the floor are restarted from a fresh oracle price.
 * - market-maker mode: a registered maker takes only lots whose rebate window has opened (no take
 *   for `makerDelaySeconds`, 3 minutes by default).
 *
 * Transactions are sent without waiting for their blocks (local nonces), so a burst of kicks after
 * one price update lands in the next block; receipts are followed in the background.
 */
import { maxUint256, parseEventLogs, type Address, type Hex } from 'viem';
import { abis } from '../chain/abi/generated.ts';
import type { ChainClients } from '../chain/clients.ts';
import { oneLine } from '../shared/errors.ts';
import { logger as rootLogger, type Logger } from '../shared/logger.ts';
import type { Service } from '../shared/service.ts';
import { positionKey, type LiquidationInstruction } from './instruction.ts';
import { PollLoop } from '../shared/pollLoop.ts';

export type ExecutorMode = 'executor' | 'maker';

export type ExecutorOptions = {
  chain: string;
  /** Signs kicks, takes and resets; holds the loan-asset inventory. */
  clients: ChainClients;
  liquidator: Address;
  mode?: ExecutorMode;
  /** Take when price <= valuation × (1 + margin). Default 0. */
  margin?: number;
  /** First block to read liquidator events from. */
  fromBlock?: bigint;
  pollMs?: number;
  /** Whether this executor kicks on instructions. Default: true for executors, false for makers. */
  kicks?: boolean;
  /** Whether it resets lots that need it. Default: true for executors, false for makers (they only take). */
  resets?: boolean;
  logger?: Logger;
};

type Lot = { id: bigint; borrower: Address; collateral: Address; kickedBlock: bigint };
type Action = 'kick' | 'take' | 'reset';

const GAS: Record<Action, bigint> = { kick: 400_000n, take: 500_000n, reset: 200_000n };
const MARGIN_SCALE = 1_000_000n;
const PRICE_SCALE = 10n ** 36n;

export class LiquidationExecutor implements Service {
  readonly name: string;
  private readonly log: Logger;
  private readonly mode: ExecutorMode;
  private readonly marginPpm: bigint;
  private readonly pollMs: number;
  private readonly kicks: boolean;
  private readonly resets: boolean;
  private readonly lots = new Map<bigint, Lot>();
  /** Position keys of the running lots: an instruction is checked against them without a scan (a crash brings many). */
  private readonly lotKeys = new Map<string, number>();
  /** Positions (by key) with a kick in flight. */
  private readonly kicking = new Set<string>();
  /** Lots with a take or reset in flight. */
  private readonly busyLots = new Set<bigint>();
  private readonly inFlight = new Set<Promise<unknown>>();
  private submitting = 0;
  private nonce: number | undefined;
  private sendQueue: Promise<unknown> = Promise.resolve();
  private processed = -1n;
  private loanAsset: Address | undefined;
  private readonly loop: PollLoop;
  private stopped = true;
  private lastError: string | undefined;
  private readonly counts = { kicks: 0, takes: 0, resets: 0, failed: 0, skipped: 0 };

  constructor(private readonly o: ExecutorOptions) {
    this.mode = o.mode ?? 'executor';
    this.name = this.mode === 'maker' ? 'market-maker' : 'liquidation-executor';
    this.log = (o.logger ?? rootLogger).child({ service: this.name, chain: o.chain, account: o.clients.wallet.account.address });
    this.marginPpm = BigInt(Math.round((o.margin ?? 0) * Number(MARGIN_SCALE)));
    this.pollMs = o.pollMs ?? 100;
    this.loop = new PollLoop(() => this.step(), this.pollMs);
    this.kicks = o.kicks ?? this.mode === 'executor';
    this.resets = o.resets ?? this.mode === 'executor';
  }

  get address(): Address {
    return this.o.clients.wallet.account.address;
  }

  /** Last block whose lots this executor has looked at (and acted on). */
  get processedBlock(): bigint {
    return this.processed;
  }

  /** True while a transaction is being prepared or sent (not yet in the node's pool). */
  get busy(): boolean {
    return this.submitting > 0;
  }

  /** Lots the executor currently knows to be running. */
  get activeLots(): number {
    return this.lots.size;
  }

  get stats(): { kicks: number; takes: number; resets: number; failed: number; skipped: number } {
    return { ...this.counts };
  }

  async start(): Promise<void> {
    if (!this.stopped) return;
    this.stopped = false;
    const c = this.o.clients;
    this.loanAsset = await c.public.readContract({ address: this.o.liquidator, abi: abis.Liquidator, functionName: 'loanAsset' });
    const allowance = await c.public.readContract({ address: this.loanAsset, abi: abis.DevnetToken, functionName: 'allowance', args: [this.address, this.o.liquidator] });
    if (allowance < maxUint256 / 2n) {
      const hash = await this.write({ address: this.loanAsset, abi: abis.DevnetToken, functionName: 'approve', args: [this.o.liquidator, maxUint256] }, 100_000n);
      this.follow(hash, 'approve', undefined);
    }
    this.processed = (this.o.fromBlock ?? 0n) - 1n;
    this.loop.start();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop.stop();
    await Promise.allSettled([...this.inFlight]);
  }

  health(): { ok: boolean; detail?: string } {
    return {
      ok: !this.stopped && !this.lastError,
      detail: this.lastError ?? `block ${this.processed}, ${this.lots.size} lots, ${this.counts.kicks} kicks, ${this.counts.takes} takes`,
    };
  }

  /** Acts on one instruction: kicks the position unless it is not ours, already in a lot, or being kicked. */
  async handle(i: LiquidationInstruction): Promise<'kicked' | 'skipped'> {
    if (!this.kicks || this.stopped) return 'skipped';
    if (i.chain !== this.o.chain || i.liquidator.toLowerCase() !== this.o.liquidator.toLowerCase()) return 'skipped';
    const key = positionKey(i);
    if (this.kicking.has(key) || this.lotKeys.has(key)) {
      this.counts.skipped++;
      return 'skipped';
    }
    this.kicking.add(key);
    this.submitting++;
    try {
      // simulate first: a position repaid or kicked by someone else since the instruction is refused here, for free
      await this.o.clients.public.simulateContract({
        address: this.o.liquidator,
        abi: abis.Liquidator,
        functionName: 'kick',
        args: [i.borrower, i.collateral],
        account: this.o.clients.wallet.account,
      });
      const hash = await this.write({ address: this.o.liquidator, abi: abis.Liquidator, functionName: 'kick', args: [i.borrower, i.collateral] }, GAS.kick);
      this.counts.kicks++;
      this.log.info({ borrower: i.borrower, hash, observedBlock: i.observedBlock }, 'kick sent');
      this.follow(hash, 'kick', () => this.kicking.delete(key));
      return 'kicked';
    } catch (err) {
      this.kicking.delete(key);
      this.counts.skipped++;
      this.log.info({ borrower: i.borrower, err: oneLine(err) }, 'kick not sent');
      return 'skipped';
    } finally {
      this.submitting--;
    }
  }

  /** Processes new blocks now (the poll loop does this on its own). */
  tick(): Promise<void> {
    return this.loop.tick();
  }

  private async step(): Promise<void> {
    if (this.stopped) return;
    try {
      const latest = await this.o.clients.public.getBlockNumber({ cacheTime: 0 });
      if (latest <= this.processed) return;
      this.submitting++;
      try {
        await this.readLots(this.processed + 1n, latest);
        await this.actOnLots(latest);
      } finally {
        this.submitting--;
      }
      this.processed = latest;
      this.lastError = undefined;
    } catch (err) {
      this.lastError = oneLine(err);
      this.log.warn({ err: this.lastError }, 'executor step failed; retrying');
    }
  }

  private async readLots(from: bigint, to: bigint): Promise<void> {
    const logs = await this.o.clients.public.getLogs({ address: this.o.liquidator, fromBlock: from, toBlock: to });
    for (const ev of parseEventLogs({ abi: abis.Liquidator, logs, strict: false })) {
      const a = ev.args as Record<string, unknown>;
      if (ev.eventName === 'Kick') {
        this.addLot({ id: a.id as bigint, borrower: a.borrower as Address, collateral: a.collateral as Address, kickedBlock: ev.blockNumber });
      } else if (ev.eventName === 'LotFinished') {
        this.dropLot(a.id as bigint);
      }
    }
  }

  private async actOnLots(block: bigint): Promise<void> {
    const pub = this.o.clients.public;
    const lots = [...this.lots.values()].filter((l) => !this.busyLots.has(l.id));
    const statuses = await Promise.all(
      lots.map((l) => pub.readContract({ address: this.o.liquidator, abi: abis.Liquidator, functionName: 'status', args: [l.id], blockNumber: block })),
    );
    for (const [i, l] of lots.entries()) {
      const [active, price, valuation, needsReset, makerRebate] = statuses[i]!;
      if (!active) {
        this.dropLot(l.id);
        continue;
      }
      if (needsReset) {
        if (!this.resets) continue;
        await this.act('reset', l, () => this.write({ address: this.o.liquidator, abi: abis.Liquidator, functionName: 'reset', args: [l.id] }, GAS.reset));
        continue;
      }
      const acceptable = price * MARGIN_SCALE <= valuation * (MARGIN_SCALE + this.marginPpm);
      const wanted = this.mode === 'maker' ? makerRebate && acceptable : acceptable;
      if (!wanted) continue;
      // pay from inventory: skip (and say so) rather than send a take that cannot pay
      const [stored, balance] = await Promise.all([
        pub.readContract({ address: this.o.liquidator, abi: abis.Liquidator, functionName: 'lot', args: [l.id], blockNumber: block }),
        pub.readContract({ address: this.loanAsset!, abi: abis.DevnetToken, functionName: 'balanceOf', args: [this.address], blockNumber: block }),
      ]);
      const tab = stored.debtLeft + stored.feeLeft;
      const cost = (stored.collateral * price + PRICE_SCALE - 1n) / PRICE_SCALE;
      const owed = cost < tab ? cost : tab;
      if (owed > balance) {
        this.counts.skipped++;
        this.log.warn({ lot: l.id.toString(), owed: owed.toString(), balance: balance.toString() }, 'take skipped: inventory too small');
        continue;
      }
      await this.act('take', l, () =>
        this.write(
          {
            address: this.o.liquidator,
            abi: abis.Liquidator,
            functionName: 'take',
            // the whole lot: the contract sells only what the debt and fee need and returns the rest
            args: [l.id, stored.collateral, price, this.address, '0x'],
          },
          GAS.take,
        ),
      );
    }
  }

  private addLot(l: Lot): void {
    this.dropLot(l.id);
    this.lots.set(l.id, l);
    const key = positionKey(l);
    this.lotKeys.set(key, (this.lotKeys.get(key) ?? 0) + 1);
  }

  private dropLot(id: bigint): void {
    const l = this.lots.get(id);
    if (!l) return;
    this.lots.delete(id);
    // counted: a position refilled and seized again can have a second lot while the first runs
    const key = positionKey(l);
    const left = (this.lotKeys.get(key) ?? 1) - 1;
    if (left > 0) this.lotKeys.set(key, left);
    else this.lotKeys.delete(key);
  }

  private async act(action: Action, lot: Lot, send: () => Promise<Hex>): Promise<void> {
    this.busyLots.add(lot.id);
    try {
      const hash = await send();
      this.counts[action === 'take' ? 'takes' : action === 'reset' ? 'resets' : 'kicks']++;
      this.log.info({ lot: lot.id.toString(), borrower: lot.borrower, hash }, `${action} sent`);
      this.follow(hash, action, () => this.busyLots.delete(lot.id));
    } catch (err) {
      this.busyLots.delete(lot.id);
      this.counts.failed++;
      this.log.warn({ lot: lot.id.toString(), err: oneLine(err) }, `${action} not sent`);
    }
  }

  /** Watches a sent transaction's receipt in the background; `done` runs when it is mined or dropped. */
  private follow(hash: Hex, what: string, done: (() => void) | undefined): void {
    const p = this.o.clients.public
      .waitForTransactionReceipt({ hash, pollingInterval: this.pollMs, timeout: 120_000 })
      .then((r) => {
        if (r.status !== 'success') {
          this.counts.failed++;
          this.log.warn({ hash, what }, 'transaction reverted');
        }
      })
      .catch((err) => {
        this.counts.failed++;
        this.log.warn({ hash, what, err: oneLine(err) }, 'transaction not confirmed');
        // a dropped transaction leaves a nonce gap: read the nonce again next time
        this.nonce = undefined;
      })
      .finally(() => {
        done?.();
        this.inFlight.delete(p);
      });
    this.inFlight.add(p);
  }

  /** Sends one transaction with the next local nonce; sends are serialised so nonces never collide. */
  private write(call: { address: Address; abi: unknown; functionName: string; args: readonly unknown[] }, gas: bigint): Promise<Hex> {
    const c = this.o.clients;
    const sent = this.sendQueue.then(async () => {
      this.nonce ??= await c.public.getTransactionCount({ address: this.address, blockTag: 'pending' });
      const nonce = this.nonce;
      try {
        const hash = await c.wallet.writeContract({ ...(call as object), nonce, gas } as never);
        this.nonce = nonce + 1;
        return hash;
      } catch (err) {
        this.nonce = undefined; // maybe not sent: ask the node again next time
        throw err;
      }
    });
    this.sendQueue = sent.catch(() => undefined);
    return sent;
  }
}
