/**
 * Fee keeper: moves the reserve's share. Liquidation fees collect in the lending pool and shortfalls the
 * reserve could not pay at once wait in the liquidator's `pendingShortfall`; both stay put until someone
 * calls `Liquidator.distributeFees` / `coverPendingShortfall` (permissionless). The keeper checks every
 * `intervalMs` and calls each when there is something to move, so the reserve fills with its fee share
 * and pays lenders back as soon as it can.
 */
import type { Address } from 'viem';
import { abis } from '../chain/abi/generated.ts';
import type { ChainClients } from '../chain/clients.ts';
import { send } from '../chain/tx.ts';
import { oneLine } from '../shared/errors.ts';
import { logger as rootLogger, type Logger } from '../shared/logger.ts';
import { PollLoop } from '../shared/pollLoop.ts';
import type { Service } from '../shared/service.ts';

export type FeeKeeperOptions = {
  chain: string;
  clients: ChainClients;
  pool: Address;
  liquidator: Address;
  reserve: Address;
  /** Wall time between checks (ms). Default 10,000. */
  intervalMs?: number;
  /** Fees (loan-asset units) below which distributing is not worth the gas. Default 1. */
  minFees?: bigint;
  logger?: Logger;
};

export type FeeKeeperStats = { distributions: number; feesDistributed: bigint; covers: number; shortfallCovered: bigint };

export class FeeKeeper implements Service {
  readonly name = 'fee-keeper';
  private readonly log: Logger;
  private readonly loop: PollLoop;
  private running = false;
  private lastError: string | undefined;
  private readonly counts: FeeKeeperStats = { distributions: 0, feesDistributed: 0n, covers: 0, shortfallCovered: 0n };

  constructor(private readonly o: FeeKeeperOptions) {
    this.log = (o.logger ?? rootLogger).child({ service: this.name, chain: o.chain });
    this.loop = new PollLoop(() => this.step(), o.intervalMs ?? 10_000);
  }

  get stats(): FeeKeeperStats {
    return { ...this.counts };
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.loop.start();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop.stop();
  }

  health(): { ok: boolean; detail?: string } {
    return {
      ok: this.running && !this.lastError,
      detail: this.lastError ?? `${this.counts.distributions} distributions, ${this.counts.covers} shortfall covers`,
    };
  }

  /** One check now (the loop does this on its own); rejects on an RPC or transaction failure. */
  tick(): Promise<void> {
    return this.loop.exclusive(() => this.once());
  }

  private async step(): Promise<void> {
    if (!this.running) return;
    try {
      await this.once();
      this.lastError = undefined;
    } catch (err) {
      this.lastError = oneLine(err);
      this.log.warn({ err: this.lastError }, 'fee keeper check failed; will retry');
    }
  }

  private async once(): Promise<void> {
    const pub = this.o.clients.public;
    const fees = await pub.readContract({ address: this.o.pool, abi: abis.LendingPool, functionName: 'liquidationFees' });
    if (fees >= (this.o.minFees ?? 1n)) {
      await send(this.o.clients, { address: this.o.liquidator, abi: abis.Liquidator, functionName: 'distributeFees' });
      this.counts.distributions++;
      this.counts.feesDistributed += fees;
      this.log.info({ fees: fees.toString() }, 'liquidation fees distributed');
    }
    const [pending, reserveBalance] = await Promise.all([
      pub.readContract({ address: this.o.liquidator, abi: abis.Liquidator, functionName: 'pendingShortfall' }),
      pub.readContract({ address: this.o.reserve, abi: abis.RiskReserve, functionName: 'balance' }),
    ]);
    if (pending > 0n && reserveBalance > 0n) {
      const paid = pending < reserveBalance ? pending : reserveBalance;
      await send(this.o.clients, { address: this.o.liquidator, abi: abis.Liquidator, functionName: 'coverPendingShortfall' });
      this.counts.covers++;
      this.counts.shortfallCovered += paid;
      this.log.info({ pending: pending.toString(), paid: paid.toString() }, 'pending shortfall covered');
    }
  }
}
