import type { FastifyPluginAsync } from 'fastify';
import type { Manifest } from '../../chain/manifest.ts';
import { chainProber } from '../../chain/devnet/chainState.ts';
import type { Service } from '../../shared/service.ts';

export type ChainsRouteOptions = {
  manifest: Manifest;
  services?: Service[];
  /** Longest a chain may take to answer before it is reported down (ms). */
  chainTimeoutMs?: number;
};

/**
 * GET /health — every chain and every service: 200 `{ status: 'ok', chains, blocks, services }` when all
 * are ok, else 503 `{ status: 'degraded', … }`. Chains are `ok`, `down` (no answer within ~1.5 s, so a
 * hung node never holds the answer) or `state gone` (answers but no longer holds the deployment).
 * GET /chains — each chain's id, live block height (null when down), status, RPC and deployed contracts.
 */
export const chainsRoutes: FastifyPluginAsync<ChainsRouteOptions> = async (app, { manifest, services = [], chainTimeoutMs = 1_500 }) => {
  const chains = Object.entries(manifest.chains).map(([name, c]) => ({ name, c, probe: chainProber(name, c, chainTimeoutMs) }));
  const probeAll = () => Promise.all(chains.map((x) => x.probe()));

  app.get('/health', async (_req, reply) => {
    const probes = await probeAll();
    const status = Object.fromEntries(chains.map(({ name }, i) => [name, probes[i]!.status]));
    const blocks = Object.fromEntries(chains.map(({ name }, i) => [name, probes[i]!.blockNumber]));
    const svc = Object.fromEntries(
      services.map((s) => {
        const h = s.health();
        return [s.name, h.ok ? 'ok' : (h.detail ?? 'down')];
      }),
    );
    const ok = Object.values(status).every((s) => s === 'ok') && Object.values(svc).every((s) => s === 'ok');
    return reply.code(ok ? 200 : 503).send({ status: ok ? 'ok' : 'degraded', chains: status, blocks, services: svc });
  });

  app.get('/chains', async () => {
    const probes = await probeAll();
    return chains.map(({ name, c }, i) => ({
      name,
      chainId: c.chainId,
      eid: c.eid,
      blockNumber: probes[i]!.blockNumber,
      status: probes[i]!.status,
      rpcUrl: c.rpcUrl,
      contracts: c.contracts,
    }));
  });
};
