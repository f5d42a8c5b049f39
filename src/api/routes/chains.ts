import type { FastifyPluginAsync } from 'fastify';
import { BlockNotFoundError } from 'viem';
import type { Manifest, ChainDeployment } from '../../chain/manifest.ts';
import { publicClient } from '../../chain/clients.ts';
import type { Service } from '../../shared/service.ts';

export type ChainsRouteOptions = { manifest: Manifest; services?: Service[]; /** Longest a chain may take to answer before it is reported down (ms). */ chainTimeoutMs?: number };

/** `ok`; `down` (no answer within the timeout); `state gone` (answers, but it is not the deployed chain: restarted empty). */
export type ChainStatus = 'ok' | 'down' | 'state gone';

/**
 * GET /health — every chain and every service: 200 `{ status: 'ok', chains, services }` when all are ok,
 * else 503 `{ status: 'degraded', … }`. A chain that stops answering is reported `down` within ~1.5 s
 * (one call, no retry), so a hung node never holds the answer for its 45 s default.
 * GET /chains — each chain's id, live block height (null when down), status, RPC and deployed contracts.
 */
export const chainsRoutes: FastifyPluginAsync<ChainsRouteOptions> = async (app, { manifest, services = [], chainTimeoutMs = 1_500 }) => {
  const clients = Object.entries(manifest.chains).map(([name, c]) => ({
    name,
    c,
    client: publicClient({ name, chainId: c.chainId, rpcUrl: c.rpcUrl }, 250, { timeoutMs: chainTimeoutMs, retryCount: 0 }),
  }));

  const withDeadline = <T>(p: Promise<T>): Promise<T> =>
    Promise.race([p, new Promise<T>((_, reject) => setTimeout(() => reject(new Error('timeout')), chainTimeoutMs + 250).unref())]);

  /** Height and whether the chain still holds the deployment (the manifest's block hash, else the endpoint's code). */
  const probe = async ({ client, c }: (typeof clients)[number]): Promise<{ blockNumber: number | null; status: ChainStatus }> => {
    try {
      const [height, same] = await withDeadline(Promise.all([client.getBlockNumber({ cacheTime: 0 }), holdsDeployment(client, c)]));
      return { blockNumber: Number(height), status: same ? 'ok' : 'state gone' };
    } catch {
      return { blockNumber: null, status: 'down' };
    }
  };

  const probeAll = () => Promise.all(clients.map(probe));

  app.get('/health', async (_req, reply) => {
    const probes = await probeAll();
    const chains = Object.fromEntries(clients.map(({ name }, i) => [name, probes[i]!.status]));
    const blocks = Object.fromEntries(clients.map(({ name }, i) => [name, probes[i]!.blockNumber]));
    const svc = Object.fromEntries(
      services.map((s) => {
        const h = s.health();
        return [s.name, h.ok ? 'ok' : (h.detail ?? 'down')];
      }),
    );
    const ok = Object.values(chains).every((s) => s === 'ok') && Object.values(svc).every((s) => s === 'ok');
    return reply.code(ok ? 200 : 503).send({ status: ok ? 'ok' : 'degraded', chains, blocks, services: svc });
  });

  app.get('/chains', async () => {
    const probes = await probeAll();
    return clients.map(({ name, c }, i) => ({
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

async function holdsDeployment(client: ReturnType<typeof publicClient>, c: ChainDeployment): Promise<boolean> {
  if (c.deployedAtBlockHash) {
    // a chain restarted empty has no such block yet (not found) or another block at that height
    const block = await client.getBlock({ blockNumber: BigInt(c.deployedAtBlock) }).catch((err: unknown) => {
      if (err instanceof BlockNotFoundError) return undefined;
      throw err;
    });
    return block?.hash === c.deployedAtBlockHash;
  }
  const probe = c.contracts.EndpointV2 ?? Object.values(c.contracts)[0];
  if (!probe) return true;
  const code = await client.getCode({ address: probe as `0x${string}` });
  return !!code && code !== '0x';
}
