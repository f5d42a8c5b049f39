/**
 * The devnet's clock under a scenario's control: blocks are mined on request with a chosen
 * timestamp (`evm_setNextBlockTimestamp` + `evm_mine`), so an hour of chain time can pass in a
 * minute while every block still carries whatever transactions the services sent meanwhile.
 * Devnet only: these are anvil's time controls.
 */
import type { Chain, PublicClient, Transport } from 'viem';
import { BaseError } from '../shared/errors.ts';

export type MinedBlock = { number: bigint; timestamp: number };

export class ChainClock {
  private last: MinedBlock | undefined;

  constructor(private readonly client: PublicClient<Transport, Chain>) {}

  /** Stops automatic block production (automine and interval mining): from now on only `mine` makes blocks. */
  async takeOver(): Promise<MinedBlock> {
    await this.rpc('evm_setAutomine', [false]);
    await this.rpc('evm_setIntervalMining', [0]);
    return this.refresh();
  }

  /** Mines every transaction immediately again (used for setup). */
  async automine(): Promise<void> {
    await this.rpc('evm_setAutomine', [true]);
  }

  /** Gives block production back to a clock: one block every `seconds` of wall time. */
  async intervalMining(seconds: number): Promise<void> {
    await this.rpc('evm_setIntervalMining', [seconds]);
  }

  /** The latest block as the node reports it. */
  async refresh(): Promise<MinedBlock> {
    const b = await this.client.getBlock({ blockTag: 'latest' });
    this.last = { number: b.number, timestamp: Number(b.timestamp) };
    return this.last;
  }

  /** The last block this clock mined or saw. */
  get latest(): MinedBlock {
    if (!this.last) throw new BaseError('chain clock has not read the chain yet');
    return this.last;
  }

  /** Mines one block `seconds` (>= 1) of chain time after the last one, with every pending transaction. */
  async mine(seconds: number): Promise<MinedBlock> {
    const prev = this.last ?? (await this.refresh());
    const step = Math.max(1, Math.round(seconds));
    const timestamp = prev.timestamp + step;
    await this.rpc('evm_setNextBlockTimestamp', [timestamp]);
    await this.rpc('evm_mine', []);
    const b = await this.client.getBlock({ blockTag: 'latest' });
    this.last = { number: b.number, timestamp: Number(b.timestamp) };
    return this.last;
  }

  /** Number of transactions waiting in the node's pool. */
  async pendingCount(): Promise<number> {
    const s = (await this.rpc('txpool_status', [])) as { pending?: string | number; queued?: string | number };
    return Number(s.pending ?? 0) + Number(s.queued ?? 0);
  }

  private rpc(method: string, params: unknown[]): Promise<unknown> {
    return this.client.request({ method: method as never, params: params as never });
  }
}
