/**
 * Anchoring the KYC audit log's head on the hub (contracts/src/compliance/AuditAnchor.sol): the
 * port the service uses, its viem implementation, and the anchorer that publishes the head on
 * every grant change and at least every 10 minutes.
 */
import type { Account, Address, Hex } from 'viem';
import { abis } from '../chain/abi/generated.ts';
import { type ChainEndpoint, chainClients, publicClient } from '../chain/clients.ts';
import { send } from '../chain/tx.ts';
import type { Queryable } from '../shared/db.ts';
import { BaseError, oneLine } from '../shared/errors.ts';
import type { Logger } from '../shared/logger.ts';
import { PollLoop } from '../shared/pollLoop.ts';
import type { Service } from '../shared/service.ts';
import type { AuditAnchorRecord } from './auditLog.ts';

/** The log's head must reach the chain within this long of changing (issue 7: at least every 10 minutes). */
export const ANCHOR_INTERVAL_MS = 10 * 60_000;

export interface AuditAnchorPort {
  /** Publishes the head; resolves once mined. Only the service's key may. */
  anchor(seq: number, head: string): Promise<{ txHash: Hex }>;
  /** Every anchor so far, oldest first. */
  anchors(): Promise<AuditAnchorRecord[]>;
}

const toBytes32 = (hash: string) => `0x${hash.replace(/^0x/, '').toLowerCase()}` as Hex;

/** AuditAnchorPort over the contract; `writer` may be absent for read-only use (verification). */
export class AuditAnchorClient implements AuditAnchorPort {
  readonly #reader;
  constructor(
    private readonly o: { chain: ChainEndpoint; address: Address; writer?: Account; fromBlock?: bigint },
  ) {
    this.#reader = publicClient(o.chain, 100);
  }

  get canWrite(): boolean {
    return this.o.writer !== undefined;
  }

  async anchor(seq: number, head: string): Promise<{ txHash: Hex }> {
    if (!this.o.writer) throw new BaseError('no key to anchor the audit log', { code: 'NO_SIGNER', details: 'the KYC service key is not configured' });
    const receipt = await send(chainClients(this.o.chain, this.o.writer, 100), {
      address: this.o.address,
      abi: abis.AuditAnchor,
      functionName: 'anchor',
      args: [BigInt(seq), toBytes32(head)],
    });
    return { txHash: receipt.transactionHash };
  }

  async anchors(): Promise<AuditAnchorRecord[]> {
    const logs = await this.#reader.getContractEvents({
      address: this.o.address,
      abi: abis.AuditAnchor,
      eventName: 'HeadAnchored',
      fromBlock: this.o.fromBlock ?? 0n,
      toBlock: 'latest',
    });
    const out: AuditAnchorRecord[] = logs.map((l) => ({ seq: Number(l.args.seq), head: l.args.head!.slice(2), txHash: l.transactionHash, blockNumber: l.blockNumber }));
    // Logs can be pruned on long-running nodes; the contract's latest anchor is always readable.
    const [seq, head] = await this.#reader.readContract({ address: this.o.address, abi: abis.AuditAnchor, functionName: 'latest' });
    if (seq > 0n && !out.some((a) => a.seq === Number(seq))) out.push({ seq: Number(seq), head: head.slice(2) });
    return out.sort((a, b) => a.seq - b.seq);
  }
}

/**
 * Publishes the log's head when it moved: after every grant change (the service calls `anchorNow`)
 * and on a timer. One anchor at a time, so sequence numbers reach the contract in order.
 */
export class AuditAnchorer implements Service {
  readonly name = 'kyc-audit-anchor';
  readonly #loop: PollLoop;
  #anchoredSeq: number | undefined;
  #lastError: string | undefined;

  constructor(
    private readonly o: { db: Queryable; port: AuditAnchorPort; intervalMs?: number; logger: Logger },
  ) {
    this.#loop = new PollLoop(() => this.#step(), o.intervalMs ?? ANCHOR_INTERVAL_MS);
  }

  async start(): Promise<void> {
    this.#loop.start();
  }

  stop(): Promise<void> {
    return this.#loop.stop();
  }

  health(): { ok: boolean; detail?: string } {
    return this.#lastError ? { ok: false, detail: `last anchor failed: ${this.#lastError}` } : { ok: true };
  }

  /** Anchors the current head now (after the anchor in flight); resolves with what was anchored, if anything. */
  async anchorNow(): Promise<void> {
    await this.#loop.tick();
  }

  async #step(): Promise<void> {
    try {
      if (this.#anchoredSeq === undefined) {
        const all = await this.o.port.anchors();
        this.#anchoredSeq = all.at(-1)?.seq ?? 0;
      }
      const { rows } = await this.o.db.query<{ seq: bigint; hash: string }>('SELECT seq, hash FROM kyc_audit_log ORDER BY seq DESC LIMIT 1');
      const head = rows[0];
      if (!head || Number(head.seq) <= this.#anchoredSeq) return;
      const seq = Number(head.seq);
      const { txHash } = await this.o.port.anchor(seq, head.hash);
      this.#anchoredSeq = seq;
      this.#lastError = undefined;
      this.o.logger.info({ seq, head: head.hash, txHash }, 'kyc audit head anchored');
    } catch (err) {
      this.#anchoredSeq = undefined; // re-read the chain next time: a send may have landed after all
      this.#lastError = oneLine(err);
      this.o.logger.error({ err: oneLine(err) }, 'anchoring the kyc audit head failed; retrying on the next tick');
      throw err;
    }
  }
}
