import { pad, type Address } from 'viem';
import { abis } from '../abi/generated.ts';
import type { ChainClients } from '../clients.ts';
import { send } from '../tx.ts';
import type { Progress } from './deployCore.ts';

export type WiredChain = { name: string; eid: number; clients: ChainClients; contracts: Record<string, Address> };

/**
 * Wires every pair of chains: each endpoint sends and receives through its message library for every
 * remote endpoint id, and each chain's OApps know their peers. Idempotent: settings already in place are skipped.
 */
export async function wireChains(chains: WiredChain[], onProgress: Progress = () => {}): Promise<void> {
  await Promise.all(
    chains.map(async (local) => {
      const { clients: c, contracts } = local;
      const endpoint = contracts.EndpointV2!;
      const lib = contracts.SimpleMessageLib!;
      for (const remote of chains) {
        if (remote.eid === local.eid) continue;
        const sendLib = await c.public.readContract({ address: endpoint, abi: abis.EndpointV2, functionName: 'defaultSendLibrary', args: [remote.eid] });
        if (sendLib.toLowerCase() !== lib.toLowerCase())
          await send(c, { address: endpoint, abi: abis.EndpointV2, functionName: 'setDefaultSendLibrary', args: [remote.eid, lib] });
        const recvLib = await c.public.readContract({ address: endpoint, abi: abis.EndpointV2, functionName: 'defaultReceiveLibrary', args: [remote.eid] });
        if (recvLib.toLowerCase() !== lib.toLowerCase())
          await send(c, { address: endpoint, abi: abis.EndpointV2, functionName: 'setDefaultReceiveLibrary', args: [remote.eid, lib, 0n] });
        const peer = pad(remote.contracts.PingOApp!, { size: 32 });
        const current = await c.public.readContract({ address: contracts.PingOApp!, abi: abis.PingOApp, functionName: 'peers', args: [remote.eid] });
        if (current.toLowerCase() !== peer.toLowerCase())
          await send(c, { address: contracts.PingOApp!, abi: abis.PingOApp, functionName: 'setPeer', args: [remote.eid, peer] });
      }
      onProgress(`${local.name}: wired to ${chains.length - 1} chains`);
    }),
  );
}
