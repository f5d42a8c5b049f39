import { readFileSync, writeFileSync, renameSync, existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseAbiItem, zeroHash, type Account, type Address } from 'viem';
import { abis } from '../chain/abi/generated.ts';
import { chainClients, type ChainClients } from '../chain/clients.ts';
import type { Manifest } from '../chain/manifest.ts';
import { send } from '../chain/tx.ts';
import { BaseError, oneLine } from '../shared/errors.ts';
import { logger } from '../shared/logger.ts';
import type { Service } from '../shared/service.ts';
import { PollLoop } from '../shared/pollLoop.ts';
import { decodePacket, type Packet } from './packet.ts';

const packetSent = parseAbiItem('event PacketSent(bytes encodedPayload, bytes options, address sendLibrary)');

export type RelayerOptions = {
  manifest: Manifest;
  /** The account the message libraries whitelist as verifier. */
  account: Account;
  /** Where the scan cursor per lane is kept between restarts. */
  cursorPath: string;
  pollMs?: number;
  /** Most blocks one getLogs call spans. */
  maxRange?: bigint;
  /** Longest one RPC call may take (ms): a hung chain fails its lanes' pass quickly instead of for 45 s. Default 5,000. */
  rpcTimeoutMs?: number;
};

export type DeliveryState = 'delivered' | 'verified' | 'pending';

type Chain = { name: string; eid: number; clients: ChainClients; endpoint: Address; lib: Address };

/** One direction between two chains, scanned and delivered on its own: a dead chain stalls only its own lanes. */
type Lane = { key: string; src: Chain; dst: Chain; fromBlock: bigint; loop: PollLoop; lastError?: string };

/**
 * What the cursor file belongs to: each chain's id, endpoint and deployment block (and its hash when the
 * manifest has it). A fresh devnet deploys at the same addresses and heights, so only the block hash tells
 * a restarted devnet from the old one.
 */
export function deploymentId(manifest: Manifest): Record<string, string> {
  return Object.fromEntries(
    Object.entries(manifest.chains).map(([name, c]) => [name, `${c.chainId}:${c.contracts.EndpointV2 ?? '-'}:${c.deployedAtBlock}:${c.deployedAtBlockHash ?? '-'}`]),
  );
}

type CursorFile = { version: 2; deployment: Record<string, string>; lanes: Record<string, string> };

/**
 * Carries LayerZero packets between Palisade chains: watches `PacketSent` on every endpoint and, on the
 * destination, verifies the packet through the message library then executes `lzReceive`.
 *
 * Exactly once: the destination endpoint is the source of truth. Before acting the relayer reads whether
 * the packet is already delivered (nonce ≤ lazyInboundNonce and no stored payload hash) or only verified,
 * so a restart at any point — even between verify and execute, or with the cursor file lost — neither
 * delivers twice nor skips: a lane's cursor only advances past blocks whose packets all landed.
 *
 * Independent lanes: every (source, destination) pair has its own cursor and poll loop, and sends to one
 * destination are serialised (one signer, one nonce sequence) apart from other destinations, so a dead or
 * hung chain stops only the lanes from and to it. The cursor file records the deployment it belongs to
 * and is discarded for another (a restarted devnet starts from its own deployment block).
 */
export class Relayer implements Service {
  readonly name = 'relayer';
  private readonly lanes: Lane[] = [];
  private readonly byEid = new Map<number, Chain>();
  /** Per destination chain: the tail of its send queue. */
  private readonly sendQueues = new Map<string, Promise<unknown>>();
  private readonly deployment: Record<string, string>;
  private running = false;
  delivered = 0;
  /** Why the cursor file was not used (another deployment, unreadable), if it was not. */
  readonly discardedCursor: string | undefined;

  constructor(private readonly opts: RelayerOptions) {
    this.deployment = deploymentId(opts.manifest);
    const { lanes: cursor, discarded } = this.readCursor();
    this.discardedCursor = discarded;
    if (discarded) logger.warn({ cursorPath: opts.cursorPath, reason: discarded }, 'relayer cursor discarded; scanning from the deployment blocks');
    const chains: Chain[] = [];
    for (const [name, c] of Object.entries(opts.manifest.chains)) {
      const endpoint = c.contracts.EndpointV2 as Address | undefined;
      const lib = c.contracts.SimpleMessageLib as Address | undefined;
      if (!endpoint || !lib) throw new BaseError(`chain ${name} has no LayerZero endpoint in the manifest`);
      const chain: Chain = {
        name,
        eid: c.eid,
        clients: chainClients({ name, chainId: c.chainId, rpcUrl: c.rpcUrl }, opts.account, 100, { timeoutMs: opts.rpcTimeoutMs ?? 5_000, retryCount: 0 }),
        endpoint,
        lib,
      };
      chains.push(chain);
      this.byEid.set(c.eid, chain);
    }
    for (const src of chains) {
      for (const dst of chains) {
        if (src === dst) continue;
        const key = `${src.name}->${dst.name}`;
        const deployedAt = BigInt(opts.manifest.chains[src.name]!.deployedAtBlock);
        const lane: Lane = { key, src, dst, fromBlock: cursor[key] !== undefined ? BigInt(cursor[key]) + 1n : deployedAt, loop: undefined as never };
        lane.loop = new PollLoop(
          () =>
            this.scan(lane).then(
              () => void (lane.lastError = undefined),
              (err) => {
                lane.lastError = oneLine(err);
                logger.warn({ lane: key, err: lane.lastError }, 'relayer lane failed; will retry');
              },
            ),
          opts.pollMs ?? 500,
        );
        this.lanes.push(lane);
      }
    }
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    for (const lane of this.lanes) {
      void lane.loop.tick(); // first pass now, then every pollMs
      lane.loop.start();
    }
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.lanes.map((l) => l.loop.stop()));
  }

  health() {
    const failing = this.lanes.filter((l) => l.lastError);
    if (failing.length) return { ok: false, detail: failing.map((l) => `${l.key}: ${l.lastError}`).join('; ') };
    return { ok: this.running, detail: this.discardedCursor ? `cursor discarded: ${this.discardedCursor}` : undefined };
  }

  /** Lanes and their state, e.g. for tests and `/health` details. */
  laneStatus(): { lane: string; nextBlock: bigint; error?: string }[] {
    return this.lanes.map((l) => ({ lane: l.key, nextBlock: l.fromBlock, ...(l.lastError ? { error: l.lastError } : {}) }));
  }

  /**
   * One pass over every lane, all lanes at once; exposed for tests and for `palisade relayer --once`.
   * Rejects with the first lane's failure after every other lane has finished its pass.
   */
  async pollOnce(): Promise<void> {
    const results = await Promise.allSettled(this.lanes.map((l) => l.loop.exclusive(() => this.scan(l))));
    const failed = results.findIndex((r) => r.status === 'rejected');
    for (const [i, r] of results.entries()) this.lanes[i]!.lastError = r.status === 'rejected' ? oneLine(r.reason) : undefined;
    if (failed >= 0) throw (results[failed] as PromiseRejectedResult).reason;
  }

  private async scan(lane: Lane): Promise<void> {
    const { src, dst } = lane;
    const head = await src.clients.public.getBlockNumber({ cacheTime: 0 });
    const maxRange = this.opts.maxRange ?? 2000n;
    while (lane.fromBlock <= head) {
      const toBlock = lane.fromBlock + maxRange - 1n < head ? lane.fromBlock + maxRange - 1n : head;
      const logs = await src.clients.public.getLogs({ address: src.endpoint, event: packetSent, fromBlock: lane.fromBlock, toBlock });
      for (const log of logs) {
        const packet = decodePacket(log.args.encodedPayload!);
        if (packet.dstEid !== dst.eid) continue; // another lane's
        await this.deliver(packet);
      }
      // every packet of this lane up to toBlock has landed: only now may its cursor move past it
      lane.fromBlock = toBlock + 1n;
      this.writeCursor();
    }
  }

  /** Where a packet stands on its destination endpoint. */
  async state(p: Packet): Promise<DeliveryState> {
    const dst = this.chain(p.dstEid);
    const [lazy, hash] = await Promise.all([
      dst.clients.public.readContract({ address: dst.endpoint, abi: abis.EndpointV2, functionName: 'lazyInboundNonce', args: [p.receiver, p.srcEid, p.sender] }),
      dst.clients.public.readContract({ address: dst.endpoint, abi: abis.EndpointV2, functionName: 'inboundPayloadHash', args: [p.receiver, p.srcEid, p.sender, p.nonce] }),
    ]);
    if (hash !== zeroHash) return 'verified';
    return p.nonce <= lazy ? 'delivered' : 'pending';
  }

  private deliver(p: Packet): Promise<void> {
    const dst = this.chain(p.dstEid);
    // one signer per destination: sends there go one after another so their nonces never collide
    const run = (this.sendQueues.get(dst.name) ?? Promise.resolve()).then(async () => {
      let state = await this.state(p);
      if (state === 'delivered') return;
      if (state === 'pending') {
        await send(dst.clients, { address: dst.lib, abi: abis.SimpleMessageLib, functionName: 'validatePacket', args: [p.encoded] });
        state = 'verified';
      }
      await send(dst.clients, {
        address: dst.endpoint,
        abi: abis.EndpointV2,
        functionName: 'lzReceive',
        args: [{ srcEid: p.srcEid, sender: p.sender, nonce: p.nonce }, p.receiver, p.guid, p.message, '0x'],
      });
      this.delivered += 1;
      logger.info({ src: p.srcEid, dst: p.dstEid, nonce: p.nonce.toString(), guid: p.guid }, 'packet delivered');
    });
    this.sendQueues.set(dst.name, run.catch(() => undefined));
    return run;
  }

  private chain(eid: number): Chain {
    const c = this.byEid.get(eid);
    if (!c) throw new BaseError(`packet for unknown endpoint id ${eid}`);
    return c;
  }

  private readCursor(): { lanes: Record<string, string>; discarded?: string } {
    if (!existsSync(this.opts.cursorPath)) return { lanes: {} };
    let data: Partial<CursorFile>;
    try {
      data = JSON.parse(readFileSync(this.opts.cursorPath, 'utf8')) as Partial<CursorFile>;
    } catch {
      return { lanes: {}, discarded: 'unreadable' }; // a torn cursor only costs a rescan: delivery itself is idempotent
    }
    if (data.version !== 2 || !data.deployment || !data.lanes) return { lanes: {}, discarded: 'written by an older relayer' };
    const mine = JSON.stringify(this.deployment);
    if (JSON.stringify(data.deployment) !== mine) return { lanes: {}, discarded: 'it belongs to another deployment' };
    return { lanes: data.lanes };
  }

  private writeCursor(): void {
    const lanes: Record<string, string> = {};
    for (const l of this.lanes) lanes[l.key] = (l.fromBlock - 1n).toString();
    const data: CursorFile = { version: 2, deployment: this.deployment, lanes };
    mkdirSync(dirname(this.opts.cursorPath), { recursive: true });
    const tmp = `${this.opts.cursorPath}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(data));
    renameSync(tmp, this.opts.cursorPath); // atomic: a crash leaves the old or the new cursor, never half
  }
}
