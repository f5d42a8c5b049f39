/**
 * The KYC service's view of the on-chain registry (SPEC §A): the one seam between the off-chain
 * service and the chain. The real implementation, written with viem against the registry's
 * generated ABI, packs names into the bit masks and bytes2 below; tests use an in-memory fake.
 *
 * Every method either resolves once its transaction is mined and succeeded, or throws (a
 * `BaseError`, `retryable` when trying again can succeed). The service relies on that: when a
 * call throws it rolls its database transaction back and records nothing.
 */
import { type Address, type Hex, stringToHex } from 'viem';

export const CLIENT_CATEGORIES = ['INSTITUTIONAL', 'ACCREDITED', 'RETAIL'] as const;
export type ClientCategory = (typeof CLIENT_CATEGORIES)[number];

export const SERVICES = ['STO', 'DCE', 'DCS', 'LEND'] as const;
export type ServiceName = (typeof SERVICES)[number];

/** Mirrors `library Category` in contracts/src/compliance/IQualification.sol. */
export const CATEGORY_BITS: Readonly<Record<ClientCategory, number>> = { INSTITUTIONAL: 1, ACCREDITED: 2, RETAIL: 4 };
/** Mirrors `library Service` in contracts/src/compliance/IQualification.sol. */
export const SERVICE_BITS: Readonly<Record<ServiceName, number>> = { STO: 1, DCE: 2, DCS: 4, LEND: 8 };

/** A grant id on the registry, as bytes32 hex (a uint256 id maps with `numberToHex(id, { size: 32 })`). */
export type GrantId = Hex;

/**
 * Why an account is or is not qualified, in the words the CLI and API print. The port maps the
 * registry's reason code onto these.
 */
export const QUALIFICATION_REASONS = [
  'qualified',
  'no grant',
  'expired',
  'revoked',
  'expired ancestor',
  'revoked ancestor',
  'inactive seed',
  'out of scope',
] as const;
export type QualificationReason = (typeof QUALIFICATION_REASONS)[number];

export type ClientGrantRequest = {
  /** The provider holding KYC power; it signs the grant. */
  provider: Address;
  /** The client being qualified. */
  account: Address;
  category: ClientCategory;
  /** ISO 3166-1 alpha-2, e.g. "DE"; on chain `jurisdictionToBytes2`. */
  jurisdiction: string;
  /** keccak256 of the dossier's canonical JSON (see dossier.ts): the only trace of it on chain. */
  dossierHash: Hex;
  /** Lease end, unix seconds. */
  expiry: bigint;
  /**
   * The client's EIP-712 `GrantConsent` to this provider (the registry refuses a first grant without the
   * grantee's consent, so no rival can front-run it). Absent: the client consented on chain already, or
   * (devnet) its well-known key consents.
   */
  consent?: { deadline: bigint; signature: Hex };
};

export type GrantState = { grantee: Address; grantor: Address; revoked: boolean; /** unix seconds */ expiry: bigint; dossierHash: Hex };

export interface RegistryPort {
  /** Qualifies `account` under `provider`'s KYC grant. */
  grantClient(request: ClientGrantRequest): Promise<{ grantId: GrantId; txHash: Hex }>;
  /** Moves a grant's lease end to `expiry` (unix seconds). */
  renew(grantId: GrantId, expiry: bigint): Promise<{ txHash: Hex }>;
  /** Revokes a grant and, on chain, everything beneath it. */
  revoke(grantId: GrantId): Promise<{ txHash: Hex }>;
  /** A grant as the chain holds it now (undefined when it does not exist): what reconciliation records. */
  grantState(grantId: GrantId): Promise<GrantState | undefined>;
  /**
   * The registry's consent nonce for `grantee`: the nonce its next `GrantConsent` signature must carry
   * (`consentBySig` uses and increments it). Optional: ports without it skip the check at filing.
   */
  consentNonce?(grantee: Address): Promise<bigint>;
  /** The registry's verdict for `account` and `service` (any category, any jurisdiction). */
  qualification(account: Address, service: ServiceName): Promise<{ qualified: boolean; reason: QualificationReason }>;
}

/** "DE" → 0x4445, the registry's bytes2 jurisdiction. */
export function jurisdictionToBytes2(code: string): Hex {
  return stringToHex(code, { size: 2 });
}
