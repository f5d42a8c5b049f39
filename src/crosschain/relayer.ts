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
  /** Where the scan cursor per chain is kept between restarts. */
  cursorPath: string;
  pollMs?: number;
  /** Most blocks one getLogs call spans. */
  maxRange?: bigint;
};

export type DeliveryState = 'delivered' | 'verified' | 'pending';

type Lane = { name: string; eid: number; clients: ChainClients; endpoint: Address; lib: Address; fromBlock: bigint };

/**
 * Carries LayerZero packets between Palisade chains: watches `PacketSent` on every endpoint and, on the
 * destination, verifies the packet through the message library then executes `lzReceive`.
 *
 * Exactly once: the destination endpoint is the source of truth. Before acting the relayer reads whether
 * the packet is already delivered (nonce ≤ lazyInboundNonce and no stored payload hash) or only verified,
 * so a restart at any point — even between verify and execute, or with the cursor file lost — neither
 * delivers twice nor skips: the cursor only advances past blocks whose packets all landed.
 */
export class Relayer implements Service {
  readonly name = 'relayer';
  private lanes: Lane[] = [];
  private byEid = new Map<number, Lane>();
  private readonly loop: PollLoop;
  private running = false;
  private lastError: string | undefined;
  delivered = 0;

  constructor(private readonly opts: RelayerOptions) {
    this.loop = new PollLoop(
      () =>
        this.pollOnce().catch((err) => {
          this.lastError = oneLine(err);
          logger.warn({ err: this.lastError }, 'relayer poll failed; will retry');
        }),
      opts.pollMs ?? 500,
    );
    const cursor = this.readCursor();
    for (const [name, c] of Object.entries(opts.manifest.chains)) {
      const endpoint = c.contracts.EndpointV2 as Address | undefined;
      const lib = c.contracts.SimpleMessageLib as Address | undefined;
      if (!endpoint || !lib) throw new BaseError(`chain ${name} has no LayerZero endpoint in the manifest`);
      const lane: Lane = {
        name,
        eid: c.eid,
        clients: chainClients({ name, chainId: c.chainId, rpcUrl: c.rpcUrl }, opts.account, 100),
        endpoint,
        lib,
        fromBlock: cursor[name] !== undefined ? BigInt(cursor[name]) + 1n : BigInt(c.deployedAtBlock),
      };
      this.lanes.push(lane);
      this.byEid.set(c.eid, lane);
    }
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    void this.loop.tick(); // first pass now, then every pollMs
    this.loop.start();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop.stop();
  }

  health() {
    return this.lastError ? { ok: false, detail: this.lastError } : { ok: this.running };
  }

  /** One pass over every source chain; exposed for tests and for `palisade relayer --once`. */
  async pollOnce(): Promise<void> {
    for (const lane of this.lanes) await this.scan(lane);
    this.lastError = undefined;
  }

  private async scan(src: Lane): Promise<void> {
    const head = await src.clients.public.getBlockNumber();
    const maxRange = this.opts.maxRange ?? 2000n;
    while (src.fromBlock <= head) {
      const toBlock = src.fromBlock + maxRange - 1n < head ? src.fromBlock + maxRange - 1n : head;
      const logs = await src.clients.public.getLogs({ address: src.endpoint, event: packetSent, fromBlock: src.fromBlock, toBlock });
      for (const log of logs) {
        const packet = decodePacket(log.args.encodedPayload!);
        await this.deliver(packet);
      }
      // every packet up to toBlock has landed: only now may the cursor move past it
      src.fromBlock = toBlock + 1n;
      this.writeCursor();
    }
  }

  /** Where a packet stands on its destination endpoint. */
  async state(p: Packet): Promise<DeliveryState> {
    const dst = this.lane(p.dstEid);
    const [lazy, hash] = await Promise.all([
      dst.clients.public.readContract({ address: dst.endpoint, abi: abis.EndpointV2, functionName: 'lazyInboundNonce', args: [p.receiver, p.srcEid, p.sender] }),
      dst.clients.public.readContract({ address: dst.endpoint, abi: abis.EndpointV2, functionName: 'inboundPayloadHash', args: [p.receiver, p.srcEid, p.sender, p.nonce] }),
    ]);
    if (hash !== zeroHash) return 'verified';
    return p.nonce <= lazy ? 'delivered' : 'pending';
  }

  private async deliver(p: Packet): Promise<void> {
    const dst = this.lane(p.dstEid);
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
  }

  private lane(eid: number): Lane {
    const lane = this.byEid.get(eid);
    if (!lane) throw new BaseError(`packet for unknown endpoint id ${eid}`);
    return lane;
  }

  private readCursor(): Record<string, string> {
    if (!existsSync(this.opts.cursorPath)) return {};
    try {
      return JSON.parse(readFileSync(this.opts.cursorPath, 'utf8')) as Record<string, string>;
    } catch {
      return {}; // a torn cursor only costs a rescan: delivery itself is idempotent
    }
  }

  private writeCursor(): void {
    const data: Record<string, string> = {};
    for (const l of this.lanes) data[l.name] = (l.fromBlock - 1n).toString();
    mkdirSync(dirname(this.opts.cursorPath), { recursive: true });
    const tmp = `${this.opts.cursorPath}.tmp`;
    writeFileSync(tmp, JSON.stringify(data));
    renameSync(tmp, this.opts.cursorPath); // atomic: a crash leaves the old or the new cursor, never half
  }
}
