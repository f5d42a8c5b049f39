import { mnemonicToAccount, type HDAccount } from 'viem/accounts';

/**
 * Devnet actors, derived from anvil's well-known public test mnemonic (never used beyond devnets).
 * Each actor has a fixed account index so every service and test agrees on who is who.
 */
export const DEVNET_MNEMONIC = 'test test test test test test test test test test test junk';

export const devnetActorIndex = {
  deployer: 0,
  relayer: 1,
  seedAuthority: 2,
  bank: 3,
  institutionalClient: 4,
  accreditedClient: 5,
  liquidityProvider: 6,
  secondLiquidityProvider: 7,
  executor: 8,
  secondExecutor: 9,
  marketMaker: 10,
  auditor: 11,
  secondSeedAuthority: 12,
  secondBank: 13,
  borrower: 14,
  pricePusher: 15,
  feeKeeper: 16,
} as const;

export type DevnetActor = keyof typeof devnetActorIndex;
export const DEVNET_ACCOUNT_COUNT = 40;

export function devnetAccount(who: DevnetActor | number): HDAccount {
  const addressIndex = typeof who === 'number' ? who : devnetActorIndex[who];
  return mnemonicToAccount(DEVNET_MNEMONIC, { addressIndex });
}
