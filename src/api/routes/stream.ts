/**
 * GET /stream?chain= — a live stream (server-sent events) of new blocks and protocol events:
 *
 *   event: block     data: { chain, number, timestamp, hash }
 *   event: protocol  data: { chain, block, logIndex, txHash, contract, event, args }
 *
 * `contract` is the manifest's name (LendingPool, Liquidator, RiskReserve, PriceOracle, WETHFeed, …),
 * `args` the decoded event arguments with amounts as decimal strings. Each chain is watched by one
 * poller shared by every subscriber, started with the first and stopped with the last; a stream
 * starts at the block current when it opens (history is what the other routes answer).
 * SSE needs no client library: `new EventSource('/stream')` in a browser, `curl -N` in a shell.
 */
import type { FastifyPluginAsync } from 'fastify';
import { parseEventLogs, type Abi, type Address } from 'viem';
import { z } from 'zod';
import { abis } from '../../chain/abi/generated.ts';
import { publicClient } from '../../chain/clients.ts';
import type { Manifest } from '../../chain/manifest.ts';
import { oneLine } from '../../shared/errors.ts';
import { logger } from '../../shared/logger.ts';
import { PollLoop } from '../../shared/pollLoop.ts';
import { amount, protocolErrorHandler, toJson, validated } from './openapi.ts';
import { chainQuery } from './markets.ts';

export type BlockEvent = { type: 'block'; chain: string; number: bigint; timestamp: bigint; hash: string };
export type ProtocolEvent = { type: 'protocol'; chain: string; block: bigint; logIndex: number; txHash: string; contract: string; event: string; args: Record<string, unknown> };
export type StreamEvent = BlockEvent | ProtocolEvent;

/** Contracts whose events the stream carries: the protocol's money and prices. */
const WATCHED = /^(LendingPool|Liquidator|RiskReserve|PriceOracle|QualifiedClientRegistry|\w+Feed)$/;
const PROTOCOL_ABI = [...abis.LendingPool, ...abis.Liquidator, ...abis.RiskReserve, ...abis.PriceOracle, ...abis.DevnetPriceFeed, ...abis.QualifiedClientRegistry] as Abi;
/** Blocks one poll may cover: a stream that fell behind catches up in bounded reads. */
const MAX_BLOCKS_PER_POLL = 50n;

type Subscriber = { chains: Set<string> | null; send: (e: StreamEvent) => void };

class ChainWatcher {
  private readonly loop: PollLoop;
  private readonly client;
  private readonly names = new Map<string, string>();
  private cursor: bigint | undefined;

  constructor(
    readonly chain: string,
    c: Manifest['chains'][string],
    private readonly emit: (e: StreamEvent) => void,
    pollMs: number,
  ) {
    this.client = publicClient({ name: chain, chainId: c.chainId, rpcUrl: c.rpcUrl }, pollMs);
    for (const [name, address] of Object.entries(c.contracts)) if (WATCHED.test(name)) this.names.set(address.toLowerCase(), name);
    this.loop = new PollLoop(() => this.step(), pollMs);
  }

  start(): void {
    this.cursor = undefined;
    this.loop.start();
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }

  private async step(): Promise<void> {
    try {
      const latest = await this.client.getBlockNumber({ cacheTime: 0 });
      if (this.cursor === undefined) this.cursor = latest - 1n; // the stream opens with the current block
      if (latest <= this.cursor) return;
      const to = latest - this.cursor > MAX_BLOCKS_PER_POLL ? this.cursor + MAX_BLOCKS_PER_POLL : latest;
      const from = this.cursor + 1n;
      const addresses = [...this.names.keys()] as Address[];
      const [logs, blocks] = await Promise.all([
        addresses.length ? this.client.getLogs({ address: addresses, fromBlock: from, toBlock: to }) : Promise.resolve([]),
        Promise.all(Array.from({ length: Number(to - from + 1n) }, (_, i) => this.client.getBlock({ blockNumber: from + BigInt(i) }))),
      ]);
      const decoded = parseEventLogs({ abi: PROTOCOL_ABI, logs, strict: false });
      for (const b of blocks) {
        this.emit({ type: 'block', chain: this.chain, number: b.number, timestamp: b.timestamp, hash: b.hash });
        for (const ev of decoded) {
          if (ev.blockNumber !== b.number || !ev.eventName) continue;
          this.emit({
            type: 'protocol',
            chain: this.chain,
            block: ev.blockNumber,
            logIndex: ev.logIndex,
            txHash: ev.transactionHash,
            contract: this.names.get(ev.address.toLowerCase()) ?? ev.address,
            event: ev.eventName,
            args: (ev.args ?? {}) as Record<string, unknown>,
          });
        }
      }
      this.cursor = to;
    } catch (err) {
      // a chain that stops answering pauses its stream; the next poll resumes where it stopped
      logger.debug({ chain: this.chain, err: oneLine(err) }, 'stream poll failed');
    }
  }
}

/** Fans each chain's blocks and protocol events out to the open streams. */
export class ProtocolStream {
  private readonly subscribers = new Set<Subscriber>();
  private readonly watchers: ChainWatcher[];
  private running = false;

  constructor(manifest: Manifest, pollMs = 500) {
    this.watchers = Object.entries(manifest.chains).map(([name, c]) => new ChainWatcher(name, c, (e) => this.publish(e), pollMs));
  }

  subscribe(chains: string[] | null, send: (e: StreamEvent) => void): () => void {
    const s: Subscriber = { chains: chains ? new Set(chains) : null, send };
    this.subscribers.add(s);
    if (!this.running) {
      this.running = true;
      for (const w of this.watchers) w.start();
    }
    return () => {
      this.subscribers.delete(s);
      if (this.subscribers.size === 0 && this.running) {
        this.running = false;
        void Promise.all(this.watchers.map((w) => w.stop()));
      }
    };
  }

  async close(): Promise<void> {
    this.subscribers.clear();
    this.running = false;
    await Promise.all(this.watchers.map((w) => w.stop()));
  }

  private publish(e: StreamEvent): void {
    for (const s of this.subscribers) if (!s.chains || s.chains.has(e.chain)) s.send(e);
  }
}

export const blockEventSchema = z.object({ chain: z.string(), number: amount(), timestamp: amount(), hash: z.string() }).describe('event: block');
export const protocolEventSchema = z
  .object({ chain: z.string(), block: amount(), logIndex: z.number().int(), txHash: z.string(), contract: z.string(), event: z.string(), args: z.record(z.string(), z.unknown()) })
  .describe('event: protocol');

export type StreamRouteOptions = { manifest: Manifest; chains: string[]; pollMs?: number; heartbeatMs?: number };

export const streamRoutes: FastifyPluginAsync<StreamRouteOptions> = async (app, { manifest, chains, pollMs, heartbeatMs = 15_000 }) => {
  app.setErrorHandler(protocolErrorHandler);
  const hub = new ProtocolStream(manifest, pollMs);
  const open = new Set<() => void>();
  // an open stream never ends on its own: closing the server ends them (else close would wait forever)
  app.addHook('onClose', async () => {
    for (const end of [...open]) end();
    await hub.close();
  });
  const query = chainQuery(chains);
  app.get(
    '/stream',
    {
      config: {
        doc: {
          summary: 'Live stream of new blocks and protocol events (server-sent events)',
          description: 'Events `block` and `protocol`, each `data:` a JSON object. Open with `new EventSource("/stream?chain=hub")`.',
          tags: ['stream'],
          query,
          eventStream: z.union([blockEventSchema, protocolEventSchema]),
        },
      },
    },
    async (req, reply) => {
      const q = validated(query, req.query, 'invalid query');
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache, no-transform', connection: 'keep-alive', 'x-accel-buffering': 'no' });
      res.write(`retry: 2000\n: palisade stream of ${q.chain ?? 'every chain'}\n\n`);
      const unsubscribe = hub.subscribe(q.chain ? [q.chain] : null, (e) => {
        const { type, ...data } = e;
        const id = e.type === 'block' ? `${e.chain}:${e.number}` : `${e.chain}:${e.block}:${e.logIndex}`;
        res.write(`id: ${id}\nevent: ${type}\ndata: ${JSON.stringify(toJson(data))}\n\n`);
      });
      const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), heartbeatMs);
      const end = () => {
        clearInterval(heartbeat);
        unsubscribe();
        open.delete(end);
        if (!res.writableEnded) res.end();
      };
      open.add(end);
      req.raw.on('close', end);
    },
  );
};
