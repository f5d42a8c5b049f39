/**
 * Who signs in the browser: an injected EIP-1193 wallet when the page has one, and on the devnet
 * anvil's well-known test accounts (public keys of a public mnemonic; never for real funds).
 */
import { type Address, type EIP1193Provider, createWalletClient, custom, getAddress } from 'viem';
import { mnemonicToAccount } from 'viem/accounts';

export type Signer = { label: string; address: Address; signMessage(message: string): Promise<`0x${string}`> };

const DEVNET_MNEMONIC = 'test test test test test test test test test test test junk';

/** The devnet's reviewers (each demo bank reviews for itself), then a few other test accounts. */
export const DEVNET_ACCOUNTS: ReadonlyArray<{ index: number; label: string }> = [
  { index: 3, label: 'Bank Y reviewer' },
  { index: 13, label: 'Bank Z reviewer' },
  { index: 4, label: 'Institutional client' },
  { index: 5, label: 'Accredited client' },
];

export function devnetSigner(index: number, label: string): Signer {
  const account = mnemonicToAccount(DEVNET_MNEMONIC, { addressIndex: index });
  return { label: `${label} (anvil #${index})`, address: account.address, signMessage: (message) => account.signMessage({ message }) };
}

declare global {
  interface Window {
    ethereum?: EIP1193Provider;
  }
}

export const hasInjectedWallet = () => typeof window !== 'undefined' && window.ethereum !== undefined;

export async function injectedSigner(): Promise<Signer> {
  const provider = window.ethereum;
  if (!provider) throw new Error('no browser wallet found');
  const [first] = (await provider.request({ method: 'eth_requestAccounts' })) as string[];
  if (!first) throw new Error('the wallet shared no account');
  const address = getAddress(first);
  const wallet = createWalletClient({ account: address, transport: custom(provider) });
  return { label: 'Browser wallet', address, signMessage: (message) => wallet.signMessage({ account: address, message }) };
}
