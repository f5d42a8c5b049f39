import { BlockNotFoundError } from 'viem';
import { publicClient } from '../clients.ts';
import type { ChainDeployment } from '../manifest.ts';

/** `ok`; `down` (no answer within the timeout); `state gone` (answers, but is not the deployed chain: restarted empty). */
export type ChainStatus = 'ok' | 'down' | 'state gone';

export type ChainProbe = { blockNumber: number | null; status: ChainStatus };

/**
 * Asks one chain for its height and whether it still holds the deployment, within `timeoutMs` (one call
 * each, no retry): a hung node is `down` in that time instead of after viem's 45 s default. The deployment
 * is recognised by the manifest's block hash at `deployedAtBlock` (a fresh devnet redeploys at the same
 * addresses and heights), or, for manifests without it, by code at the endpoint's address.
 */
export function chainProber(name: string, c: ChainDeployment, timeoutMs = 1_500): () => Promise<ChainProbe> {
  const client = publicClient({ name, chainId: c.chainId, rpcUrl: c.rpcUrl }, 250, { timeoutMs, retryCount: 0 });
  const holdsDeployment = async (): Promise<boolean> => {
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
  };
  return async () => {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('timeout')), timeoutMs + 250)));
    try {
      const [height, same] = await Promise.race([Promise.all([client.getBlockNumber({ cacheTime: 0 }), holdsDeployment()]), deadline]);
      return { blockNumber: Number(height), status: same ? 'ok' : 'state gone' };
    } catch {
      return { blockNumber: null, status: 'down' };
    } finally {
      clearTimeout(timer);
    }
  };
}
