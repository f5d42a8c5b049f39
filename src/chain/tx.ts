import { getAddress, type Abi, type Address, type ContractFunctionArgs, type ContractFunctionName, type Hex, type TransactionReceipt } from 'viem';
import { abis, type ContractName } from './abi/generated.ts';
import { bytecodeOf } from './artifacts.ts';
import type { ChainClients } from './clients.ts';
import { BaseError } from '../shared/errors.ts';

/** Deploys a contract from its forge artifact and waits for the receipt. */
export async function deploy(c: ChainClients, name: ContractName, args: readonly unknown[] = []): Promise<Address> {
  const hash = await c.wallet.deployContract({ abi: abis[name] as Abi, bytecode: bytecodeOf(name), args: args as unknown[] });
  const receipt = await c.public.waitForTransactionReceipt({ hash });
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
  const receipt = await c.public.waitForTransactionReceipt({ hash });
  if (receipt.status !== 'success')
    throw new BaseError(`${String(call.functionName)} on ${c.chain.name} reverted`, { details: `tx ${hash}` });
  return receipt;
}
