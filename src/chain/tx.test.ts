import { describe, expect, it } from 'vitest';
import { createPublicClient, custom, defineChain, type Hex } from 'viem';
import { waitForReceipt } from './tx.ts';

/**
 * The `devnet up` stall, reproduced at the transport: an automining node whose block carrying our
 * transaction appears while the waiter's first check (made while the transaction was pending) is
 * still running, and after which no block ever comes (automine mines only on new transactions).
 */
function automineNode() {
  const hash = ('0x' + 'ab'.repeat(32)) as Hex;
  let mined = false;
  let block = 6n;
  const receipt = () => ({
    transactionHash: hash, transactionIndex: '0x0', blockHash: '0x' + '11'.repeat(32), blockNumber: '0x7', from: '0x' + '22'.repeat(20), to: '0x' + '33'.repeat(20),
    cumulativeGasUsed: '0x5208', gasUsed: '0x5208', contractAddress: null, logs: [], logsBloom: '0x' + '00'.repeat(256), status: '0x1', effectiveGasPrice: '0x1', type: '0x2',
  });
  const tx = () => ({
    hash, nonce: '0x6', blockHash: mined ? '0x' + '11'.repeat(32) : null, blockNumber: mined ? '0x7' : null, transactionIndex: mined ? '0x0' : null,
    from: '0x' + '22'.repeat(20), to: '0x' + '33'.repeat(20), value: '0x0', gas: '0x5208', gasPrice: '0x1', maxFeePerGas: '0x1', maxPriorityFeePerGas: '0x1',
    input: '0x', type: '0x2', chainId: '0x7a69', v: '0x0', r: '0x1', s: '0x1', yParity: '0x0', accessList: [],
  });
  const block6 = {
    number: '0x6', hash: '0x' + '66'.repeat(32), parentHash: '0x' + '55'.repeat(32), nonce: '0x0000000000000000', sha3Uncles: '0x' + '00'.repeat(32), logsBloom: '0x' + '00'.repeat(256),
    transactionsRoot: '0x' + '00'.repeat(32), stateRoot: '0x' + '00'.repeat(32), receiptsRoot: '0x' + '00'.repeat(32), miner: '0x' + '00'.repeat(20), difficulty: '0x0',
    totalDifficulty: '0x0', extraData: '0x', size: '0x0', gasLimit: '0x1c9c380', gasUsed: '0x0', timestamp: '0x1', transactions: [], uncles: [], baseFeePerGas: '0x1',
  };
  const sentAt = Date.now();
  const request = async ({ method }: { method: string }) => {
    // the node mines block 7 with the transaction 100 ms after it was sent, and then no block follows
    if (!mined && Date.now() - sentAt >= 100) {
      mined = true;
      block = 7n;
    }
    switch (method) {
      case 'eth_blockNumber':
        return '0x' + block.toString(16);
      case 'eth_getTransactionReceipt':
        return mined ? receipt() : null;
      case 'eth_getTransactionByHash':
        return tx();
      case 'eth_getBlockByNumber':
        // The waiter found the transaction pending and looks at block 6 for a replacement; a busy node
        // (two cores, four anvils) answers slowly, and block 7 is mined meanwhile.
        await new Promise((r) => setTimeout(r, 300));
        return block6;
      case 'eth_chainId':
        return '0x7a69';
      default:
        throw new Error(`unexpected ${method}`);
    }
  };
  const chain = defineChain({ id: 31337, name: 'hub', nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 }, rpcUrls: { default: { http: ['http://unused'] } } });
  return { hash, client: createPublicClient({ chain, transport: custom({ request }), pollingInterval: 50 }) };
}

describe('waitForReceipt', () => {
  it("finds a receipt whose block arrived during viem's first check (viem's waiter misses it and hangs)", async () => {
    const viemNode = automineNode();
    // the old path: viem's block-driven waiter drops block 7 (it arrives while its first check runs) and waits for a block that never comes
    await expect(viemNode.client.waitForTransactionReceipt({ hash: viemNode.hash, timeout: 1_500 })).rejects.toThrow(/Timed out/);

    const node = automineNode();
    const r = await waitForReceipt(node.client, node.hash, { timeoutMs: 1_500 });
    expect(r.blockNumber).toBe(7n);
  });

  it('gives up with a clear, retryable error when the transaction is never mined', async () => {
    const chain = defineChain({ id: 1, name: 'x', nativeCurrency: { name: 'E', symbol: 'E', decimals: 18 }, rpcUrls: { default: { http: ['http://unused'] } } });
    const client = createPublicClient({ chain, transport: custom({ request: async ({ method }) => (method === 'eth_getTransactionReceipt' ? null : '0x1') }), pollingInterval: 20 });
    await expect(waitForReceipt(client, ('0x' + 'cd'.repeat(32)) as Hex, { timeoutMs: 200 })).rejects.toMatchObject({ code: 'TX_TIMEOUT', retryable: true });
  });
});
