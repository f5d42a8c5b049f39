/**
 * Who signs the dashboard's transactions, and the lending actions they sign.
 *
 * - An injected EIP-1193 wallet (window.ethereum: MetaMask, Rabby, …) through viem's wallet client;
 *   the wallet is asked to switch to (or add) the chain first.
 * - On the devnet, an account picker: anvil's well-known test mnemonic, signed locally by viem and
 *   sent to the chain's RPC. These keys are public; they exist only so a newcomer can try the
 *   protocol without a wallet, and must never hold anything real.
 */
import {
  BaseError as ViemError,
  ContractFunctionRevertedError,
  createPublicClient,
  createWalletClient,
  custom,
  http,
  maxUint256,
  type Abi,
  type Address,
  type Chain,
  type EIP1193Provider,
  type Hex,
} from 'viem';
import { mnemonicToAccount } from 'viem/accounts';
import { DevnetTokenAbi, LendingPoolAbi } from '../../src/chain/abi/generated.ts';
import { DEVNET_MNEMONIC, devnetActorIndex } from '../../src/chain/accounts.ts';
import { toViemChain } from '../../src/chain/clients.ts';

export type ChainEndpoint = { name: string; chainId: number; rpcUrl: string };

export type Signer =
  | { kind: 'devnet'; index: number; label: string; address: Address }
  | { kind: 'injected'; address: Address };

declare global {
  interface Window {
    ethereum?: EIP1193Provider;
  }
}

/** The devnet's named actors (their roles) in account order, for the picker. */
export function devnetSigners(): Extract<Signer, { kind: 'devnet' }>[] {
  return Object.entries(devnetActorIndex)
    .sort((a, b) => a[1] - b[1])
    .map(([label, index]) => ({ kind: 'devnet' as const, index, label, address: mnemonicToAccount(DEVNET_MNEMONIC, { addressIndex: index }).address }));
}

export const hasInjectedWallet = () => typeof window !== 'undefined' && !!window.ethereum;

/** Asks the injected wallet for an account (the wallet shows its own prompt). */
export async function connectInjected(): Promise<Address> {
  const provider = window.ethereum;
  if (!provider) throw new Error('No browser wallet found (install one, or pick a devnet account)');
  const [address] = await createWalletClient({ transport: custom(provider) }).requestAddresses();
  if (!address) throw new Error('The wallet gave no account');
  return address;
}

function clientsFor(signer: Signer, endpoint: ChainEndpoint) {
  const chain: Chain = toViemChain(endpoint);
  const publicClient = createPublicClient({ chain, transport: http(endpoint.rpcUrl), pollingInterval: 250 });
  if (signer.kind === 'devnet') {
    const account = mnemonicToAccount(DEVNET_MNEMONIC, { addressIndex: signer.index });
    return { chain, publicClient, wallet: createWalletClient({ account, chain, transport: http(endpoint.rpcUrl) }), injected: false };
  }
  if (!window.ethereum) throw new Error('The browser wallet is gone; reconnect it');
  return { chain, publicClient, wallet: createWalletClient({ account: signer.address, chain, transport: custom(window.ethereum) }), injected: true };
}

export type LendingAction = 'supplyCollateral' | 'borrow' | 'repay' | 'withdrawCollateral' | 'supply' | 'withdraw';

export type ActionRequest = {
  action: LendingAction;
  pool: Address;
  loanAsset: Address;
  collateral: Address;
  /** Smallest units; ignored when `all` is set for repay / withdraw. */
  amount: bigint;
  /** Repay the whole debt (by shares) or withdraw every lender share. */
  all?: { shares: bigint; assets: bigint };
};

/**
 * Sends one lending action (approving the pool first when the allowance is short) and waits for
 * it. Each call is simulated first so a refusal names the contract's error before anything is signed.
 */
export async function runAction(signer: Signer, endpoint: ChainEndpoint, r: ActionRequest, onStep: (step: string) => void): Promise<{ hash: Hex; block: bigint }> {
  const { chain, publicClient, wallet, injected } = clientsFor(signer, endpoint);
  const account = wallet.account!;
  if (injected) {
    try {
      await wallet.switchChain({ id: chain.id });
    } catch {
      await wallet.addChain({ chain });
    }
  }
  const send = async (address: Address, abi: Abi, functionName: string, args: readonly unknown[], what: string) => {
    onStep(`${what}: simulating`);
    const call = { address, abi, functionName, args, account } as const;
    await publicClient.simulateContract(call as never);
    // the block that mines it is later than the estimate (interest accrues): leave a margin
    const gas = ((await publicClient.estimateContractGas(call as never)) * 125n) / 100n;
    onStep(`${what}: ${injected ? 'confirm in your wallet' : 'signing'}`);
    const hash = await wallet.writeContract({ ...call, chain, gas } as never);
    onStep(`${what}: waiting for the block`);
    const receipt = await publicClient.waitForTransactionReceipt({ hash });
    if (receipt.status !== 'success') throw new Error(`${what} reverted (tx ${hash})`);
    return { hash, block: receipt.blockNumber };
  };
  const approve = async (token: Address, need: bigint) => {
    const allowance = await publicClient.readContract({ address: token, abi: DevnetTokenAbi, functionName: 'allowance', args: [account.address, r.pool] });
    if (allowance >= need) return;
    await send(token, DevnetTokenAbi, 'approve', [r.pool, maxUint256], 'Approve');
  };
  const pool = LendingPoolAbi as Abi;
  switch (r.action) {
    case 'supplyCollateral':
      await approve(r.collateral, r.amount);
      return send(r.pool, pool, 'supplyCollateral', [r.collateral, r.amount, account.address], 'Supply collateral');
    case 'borrow':
      return send(r.pool, pool, 'borrow', [r.collateral, r.amount], 'Borrow');
    case 'withdrawCollateral':
      return send(r.pool, pool, 'withdrawCollateral', [r.collateral, r.amount], 'Withdraw collateral');
    case 'repay':
      if (r.all) {
        // by shares, so interest accrued until the block leaves no dust; approve a little above the debt
        await approve(r.loanAsset, r.all.assets + r.all.assets / 1000n + 1n);
        return send(r.pool, pool, 'repay', [r.collateral, 0n, r.all.shares, account.address], 'Repay');
      }
      await approve(r.loanAsset, r.amount);
      return send(r.pool, pool, 'repay', [r.collateral, r.amount, 0n, account.address], 'Repay');
    case 'supply':
      await approve(r.loanAsset, r.amount);
      return send(r.pool, pool, 'supply', [r.amount], 'Supply');
    case 'withdraw':
      if (r.all) return send(r.pool, pool, 'withdraw', [0n, r.all.shares], 'Withdraw');
      return send(r.pool, pool, 'withdraw', [r.amount, 0n], 'Withdraw');
  }
}

/** A refusal in the contract's words (`ExceedsBorrowLimit`, `NotQualified`, …) or the error's first line. */
export function describeError(err: unknown): string {
  if (err instanceof ViemError) {
    const revert = err.walk((e) => e instanceof ContractFunctionRevertedError);
    if (revert instanceof ContractFunctionRevertedError) {
      const name = revert.data?.errorName;
      return name ? `The contract refused: ${name}${revert.data?.args?.length ? ` (${revert.data.args.map(String).join(', ')})` : ''}` : revert.shortMessage;
    }
    return err.shortMessage;
  }
  return err instanceof Error ? err.message.split('\n')[0]! : String(err);
}
