import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import fastifyStatic from '@fastify/static';
import type { Manifest } from '../chain/manifest.ts';
import { logger } from '../shared/logger.ts';
import { repoRoot } from '../shared/config.ts';
import type { Service } from '../shared/service.ts';
import { assertPortFree } from '../chain/devnet/anvil.ts';
import { chainsRoutes } from './routes/chains.ts';
import { allowedHosts, assertBindAllowed, registerSecurity } from './security.ts';
import { collectRoutes, openapiRoutes } from './routes/openapi.ts';
import { ProtocolReaders, marketsRoutes } from './routes/markets.ts';
import { positionsRoutes } from './routes/positions.ts';
import { auctionsRoutes } from './routes/auctions.ts';
import { reserveRoutes } from './routes/reserve.ts';
import { streamRoutes } from './routes/stream.ts';

export type ApiOptions = {
  devnet: { manifest: Manifest };
  port: number;
  host?: string;
  /** Built dashboard (vite); served at `/` when present. */
  webDir?: string;
  services?: Service[];
  /** Serve beyond loopback (PALISADE_API_PUBLIC=1); refused otherwise. */
  allowPublic?: boolean;
  /** Origins allowed to call the API from another site (CORS); none by default. */
  corsOrigins?: string[];
  /** Later domains register their routes here (compliance, lending, …). */
  register?: (app: FastifyInstance) => Promise<void> | void;
};

export type Api = { url: string; app: FastifyInstance; close(): Promise<void> };

/** The HTTP API and dashboard on 127.0.0.1 (nothing listens beyond loopback unless `host` says so). */
export async function startApi(opts: ApiOptions): Promise<Api> {
  const host = opts.host ?? '127.0.0.1';
  assertBindAllowed(host, opts.allowPublic ?? process.env.PALISADE_API_PUBLIC === '1', logger);
  await assertPortFree(opts.port, host, 'API port');
  const app = Fastify({ logger: false });
  registerSecurity(app, { hosts: allowedHosts(host, opts.port), corsOrigins: opts.corsOrigins, logger });
  const routes = collectRoutes(app); // before any route, so GET /openapi.json lists them all
  await app.register(chainsRoutes, { manifest: opts.devnet.manifest, services: opts.services });
  const readers = new ProtocolReaders(opts.devnet.manifest);
  for (const plugin of [marketsRoutes, positionsRoutes, auctionsRoutes, reserveRoutes]) await app.register(plugin, { readers });
  await app.register(streamRoutes, { manifest: opts.devnet.manifest, chains: readers.chains });
  if (opts.register) await opts.register(app);
  await app.register(openapiRoutes, { routes });
  const webDir = opts.webDir ?? resolve(repoRoot, 'web/dist');
  if (existsSync(webDir)) await app.register(fastifyStatic, { root: webDir, prefix: '/' });
  await app.listen({ port: opts.port, host });
  return { url: `http://${host}:${opts.port}`, app, close: () => app.close() };
}
