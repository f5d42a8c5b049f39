import type { Address, Hex, LocalAccount } from 'viem';

/**
 * The EIP-712 consent a grantee gives the registry before its first grant (issue 7): without it no
 * provider, and so no rival tree front-running the chosen one, can grant the account. The KYC service
 * collects it with the application and relays it with `consentBySig` before `grantClient`.
 */
export const grantConsentTypes = {
  GrantConsent: [
    { name: 'grantee', type: 'address' },
    { name: 'grantor', type: 'address' },
    { name: 'nonce', type: 'uint256' },
    { name: 'deadline', type: 'uint256' },
  ],
} as const;

export const grantConsentDomain = (registry: Address, chainId: number) =>
  ({ name: 'Palisade QualifiedClientRegistry', version: '1', chainId, verifyingContract: registry }) as const;

export type GrantConsentMessage = { grantee: Address; grantor: Address; nonce: bigint; deadline: bigint };

/** Signs a consent with a local key (tests, the CLI); browser wallets sign the same typed data. */
export function signGrantConsent(account: LocalAccount, registry: Address, chainId: number, message: GrantConsentMessage): Promise<Hex> {
  return account.signTypedData({ domain: grantConsentDomain(registry, chainId), types: grantConsentTypes, primaryType: 'GrantConsent', message });
}
