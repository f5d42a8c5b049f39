import type { FastifyPluginAsync } from 'fastify';
import type { Manifest } from '../../chain/manifest.ts';
import { publicClient } from '../../chain/clients.ts';
import type { Service } from '../../shared/service.ts';

export type ChainsRouteOptions = { manifest: Manifest; services?: Service[] };

/**
 * GET /health — ok once every chain answers (and every service reports healthy).
 * GET /chains — each chain's id, live block height, RPC and deployed contracts.
 */
export const chainsRoutes: FastifyPluginAsync<ChainsRouteOptions> = async (app, { manifest, services = [] }) => {
  const clients = Object.entries(manifest.chains).map(([name, c]) => ({ name, c, client: publicClient({ name, chainId: c.chainId, rpcUrl: c.rpcUrl }) }));

  const heights = () =>
    Promise.all(
      clients.map(async ({ name, client }) => {
        try {
          return { name, blockNumber: Number(await client.getBlockNumber({ cacheTime: 0 })) };
        } catch {
          return { name, blockNumber: null };
        }
      }),
    );

  app.get('/health', async (_req, reply) => {
    const chains = Object.fromEntries((await heights()).map((h) => [h.name, h.blockNumber === null ? 'down' : 'ok']));
    const svc = Object.fromEntries(services.map((s) => [s.name, s.health().ok ? 'ok' : (s.health().detail ?? 'down')]));
    const ok = Object.values(chains).every((s) => s === 'ok') && Object.values(svc).every((s) => s === 'ok');
    if (ok) return { status: 'ok' };
    return reply.code(503).send({ status: 'degraded', chains, services: svc });
  });

  app.get('/chains', async () => {
    const h = await heights();
    return clients.map(({ name, c }, i) => ({
      name,
      chainId: c.chainId,
      eid: c.eid,
      blockNumber: h[i]!.blockNumber,
      rpcUrl: c.rpcUrl,
      contracts: c.contracts,
    }));
  });
};
