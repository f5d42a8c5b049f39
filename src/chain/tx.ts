import { getAddress, type Abi, type Address, type Chain, type ContractFunctionArgs, type ContractFunctionName, type Hex, type PublicClient, type TransactionReceipt, type Transport } from 'viem';
import { abis, type ContractName } from './abi/generated.ts';
import { bytecodeOf } from './artifacts.ts';
import type { ChainClients } from './clients.ts';
import { BaseError } from '../shared/errors.ts';

/**
 * Waits for a transaction's receipt by asking for it directly every `pollMs`, whether or not new blocks
 * come.
 *
 * Why not viem's `waitForTransactionReceipt`: it re-checks only when it sees a new block number, and its
 * block handler drops block numbers that arrive while an earlier check is still running (`if (retrying)
 * return`). Under CPU load the block that carries the transaction arrives during the first check
 * (made when the transaction was still pending), is dropped, and on an automining chain no further block
 * ever comes: the caller waited its full 180 s default for a receipt that had long been mined (the
 * occasional `devnet up` stall: a chain idle at block 7, pool empty). Polling by hash has no such window.
 */
export async function waitForReceipt(
  client: PublicClient<Transport, Chain>,
  hash: Hex,
  opts: { pollMs?: number; timeoutMs?: number } = {},
): Promise<TransactionReceipt> {
  const pollMs = opts.pollMs ?? Math.max(20, Math.min(client.pollingInterval, 250));
  const deadline = Date.now() + (opts.timeoutMs ?? 120_000);
  for (;;) {
    const receipt = await client.getTransactionReceipt({ hash }).catch(() => undefined);
    if (receipt) return receipt;
    if (Date.now() >= deadline)
      throw new BaseError(`transaction ${hash} was not mined on ${client.chain.name} within ${Math.round((opts.timeoutMs ?? 120_000) / 1000)} s`, { retryable: true, code: 'TX_TIMEOUT' });
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

/** Deploys a contract from its forge artifact and waits for the receipt. */
export async function deploy(c: ChainClients, name: ContractName, args: readonly unknown[] = []): Promise<Address> {
  const hash = await c.wallet.deployContract({ abi: abis[name] as Abi, bytecode: bytecodeOf(name), args: args as unknown[] });
  const receipt = await waitForReceipt(c.public, hash);
  if (receipt.status !== 'success' || !receipt.contractAddress)
    throw new BaseError(`deploying ${name} on ${c.chain.name} failed`, { details: `tx ${hash}` });
  return getAddress(receipt.contractAddress);
}

/** Sends one contract call, waits for it and fails loudly on a revert (simulating first gives the reason). */
export async function send<const abi extends Abi, fn extends ContractFunctionName<abi, 'nonpayable' | 'payable'>>(
  c: ChainClients,
  call: {
    address: Address;
    abi: abi;
    functionName: fn;
    args?: ContractFunctionArgs<abi, 'nonpayable' | 'payable', fn>;
    value?: bigint;
  },
): Promise<TransactionReceipt> {
  // simulate first: a revert surfaces with its decoded custom error instead of a bare failed receipt
  const { request } = await c.public.simulateContract({ ...(call as object), account: c.wallet.account } as never);
  // Estimates run against the last block; the mined block is later (interest accrues, lots step down),
  // which can cost a little more gas. A 25% margin keeps a valid call from running out of gas.
  const estimate = await c.public.estimateContractGas({ ...(call as object), account: c.wallet.account } as never);
  const hash: Hex = await c.wallet.writeContract({ ...(request as object), gas: (estimate * 125n) / 100n } as never);
  const receipt = await waitForReceipt(c.public, hash);
  if (receipt.status !== 'success')
    throw new BaseError(`${String(call.functionName)} on ${c.chain.name} reverted`, { details: `tx ${hash}` });
  return receipt;
}
