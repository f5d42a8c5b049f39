import { createPublicClient, createWalletClient, defineChain, http, type Account, type Chain, type PublicClient, type WalletClient, type Transport } from 'viem';

export type ChainEndpoint = { name: string; chainId: number; rpcUrl: string };

/** A viem chain object for a Palisade chain (devnet or real), so receipts and signatures carry its id. */
export function toViemChain(c: ChainEndpoint): Chain {
  return defineChain({
    id: c.chainId,
    name: c.name,
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: [c.rpcUrl] } },
  });
}

export type ChainClients = {
  chain: Chain;
  public: PublicClient<Transport, Chain>;
  wallet: WalletClient<Transport, Chain, Account>;
};

/**
 * How long one RPC call may take. The default (15 s, 2 retries: 45 s worst case) suits deployment on a
 * busy machine; whatever must notice a hung chain quickly (health checks, relayer lanes, services on a
 * running devnet) passes a short timeout so one stopped node cannot stall it.
 */
export type RpcLimits = { timeoutMs?: number; retryCount?: number };

const transportFor = (rpcUrl: string, limits: RpcLimits = {}) => http(rpcUrl, { retryCount: limits.retryCount ?? 2, timeout: limits.timeoutMs ?? 15_000 });

/** Public + wallet client for one chain; polls fast because devnet blocks are seconds apart. */
export function chainClients(c: ChainEndpoint, account: Account, pollingInterval = 250, limits?: RpcLimits): ChainClients {
  const chain = toViemChain(c);
  const transport = transportFor(c.rpcUrl, limits);
  return {
    chain,
    public: createPublicClient({ chain, transport, pollingInterval }),
    wallet: createWalletClient({ chain, transport, account, pollingInterval }),
  };
}

export function publicClient(c: ChainEndpoint, pollingInterval = 250, limits?: RpcLimits): PublicClient<Transport, Chain> {
  return createPublicClient({ chain: toViemChain(c), transport: transportFor(c.rpcUrl, limits), pollingInterval });
}
