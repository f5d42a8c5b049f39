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

/** Public + wallet client for one chain; polls fast because devnet blocks are seconds apart. */
export function chainClients(c: ChainEndpoint, account: Account, pollingInterval = 250): ChainClients {
  const chain = toViemChain(c);
  const transport = http(c.rpcUrl, { retryCount: 2, timeout: 15_000 });
  return {
    chain,
    public: createPublicClient({ chain, transport, pollingInterval }),
    wallet: createWalletClient({ chain, transport, account, pollingInterval }),
  };
}

export function publicClient(c: ChainEndpoint, pollingInterval = 250): PublicClient<Transport, Chain> {
  return createPublicClient({ chain: toViemChain(c), transport: http(c.rpcUrl, { retryCount: 2, timeout: 15_000 }), pollingInterval });
}
