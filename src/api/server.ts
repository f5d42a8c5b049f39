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
  await app.register(chainsRoutes, { manifest: opts.devnet.manifest, services: opts.services });
  if (opts.register) await opts.register(app);
  const webDir = opts.webDir ?? resolve(repoRoot, 'web/dist');
  if (existsSync(webDir)) await app.register(fastifyStatic, { root: webDir, prefix: '/' });
  await app.listen({ port: opts.port, host });
  return { url: `http://${host}:${opts.port}`, app, close: () => app.close() };
}
