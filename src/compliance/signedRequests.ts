/**
 * What applicants and providers sign (EIP-712), and the sign-in message reviewers sign (EIP-4361).
 * Both sides use these builders: a client signs exactly the typed data the service rebuilds from
 * the validated (normalised) fields, so a signature binds the address to what is stored.
 *
 * The domain names the chain the KYC service qualifies clients on (the hub), so a signature for
 * one deployment's chain is no good on another.
 */
import { type Address, type Hex, hashTypedData, recoverTypedDataAddress, isAddressEqual } from 'viem';
import { z } from 'zod';
import { grantConsentDomain, grantConsentTypes } from '../chain/grantConsent.ts';
import { InputError } from '../shared/errors.ts';
import { type ParsedApplication, addressSchema, applicationInputSchema, categorySchema, jurisdictionSchema } from './dossier.ts';
import { parseInput, textSchema } from './validation.ts';

/** A signed request is good for this long after it was made (and 5 minutes before, for clock skew). */
export const SIGNED_REQUEST_MAX_AGE_S = 24 * 3600;
const CLOCK_SKEW_S = 300;

export const kycDomain = (chainId: number) => ({ name: 'Palisade KYC', version: '1', chainId }) as const;

export const APPLICATION_TYPES = {
  Document: [
    { name: 'kind', type: 'string' },
    { name: 'digest', type: 'bytes32' },
  ],
  Application: [
    { name: 'provider', type: 'address' },
    { name: 'applicant', type: 'address' },
    { name: 'legalName', type: 'string' },
    { name: 'subjectType', type: 'string' },
    { name: 'category', type: 'string' },
    { name: 'jurisdiction', type: 'string' },
    { name: 'documents', type: 'Document[]' },
    { name: 'issuedAt', type: 'uint64' },
  ],
} as const;

export const PROVIDER_REGISTRATION_TYPES = {
  ProviderRegistration: [
    { name: 'provider', type: 'address' },
    { name: 'name', type: 'string' },
    { name: 'categories', type: 'string[]' },
    { name: 'jurisdictions', type: 'string[]' },
    { name: 'reviewers', type: 'address[]' },
    { name: 'issuedAt', type: 'uint64' },
  ],
} as const;

const signatureSchema = z
  .string({ message: 'required: the request must be signed' })
  .regex(/^0x[0-9a-fA-F]{130}$/, { message: 'expected a 65-byte signature as 0x + 130 hex digits' })
  .transform((s) => s as Hex);
/** Unix seconds, as a JSON number (never a string or boolean: strict types at the boundary). */
const issuedAtSchema = z.number({ message: 'required: unix seconds when the request was signed' }).int().min(0).max(2 ** 40);

// ----- applications ----------------------------------------------------------------------------

/**
 * The applicant's EIP-712 `GrantConsent` (src/chain/grantConsent.ts) to the provider it applies to:
 * grantee = applicant, grantor = provider, nonce = the registry's `consentNonce(applicant)`, deadline in
 * unix seconds. Signed separately from the application (another domain: the registry's), relayed at approval.
 */
export const grantConsentInputSchema = z.strictObject({
  nonce: z
    .union([z.number().int().min(0).max(Number.MAX_SAFE_INTEGER), z.string().regex(/^\d{1,78}$/, { message: 'expected decimal digits' })], {
      message: 'required: the registry’s consent nonce for the applicant (a number or decimal string)',
    })
    .transform((n) => BigInt(n)),
  deadline: z.number({ message: 'required: unix seconds until which the consent may be relayed' }).int().min(0).max(2 ** 40).transform((n) => BigInt(n)),
  signature: signatureSchema,
});
export type GrantConsentInput = z.input<typeof grantConsentInputSchema>;
export type ParsedGrantConsent = z.output<typeof grantConsentInputSchema>;

export const signedApplicationSchema = applicationInputSchema.extend({
  issuedAt: issuedAtSchema,
  signature: signatureSchema,
  consent: grantConsentInputSchema.optional(),
});
export type SignedApplicationInput = z.input<typeof signedApplicationSchema>;
export type UnsignedApplication = ParsedApplication & { issuedAt: number };

export function applicationTypedData(chainId: number, a: UnsignedApplication) {
  return {
    domain: kycDomain(chainId),
    types: APPLICATION_TYPES,
    primaryType: 'Application' as const,
    message: {
      provider: a.provider,
      applicant: a.applicant,
      legalName: a.legalName,
      subjectType: a.subjectType,
      category: a.category,
      jurisdiction: a.jurisdiction,
      documents: a.documents.map((d) => ({ kind: d.kind, digest: d.digest as Hex })),
      issuedAt: BigInt(a.issuedAt),
    },
  };
}

/** Normalises what an applicant fills in (the form of the fields that gets signed and stored). */
export function normaliseApplication(input: unknown): ParsedApplication {
  return parseInput(applicationInputSchema, input, 'invalid application');
}

function checkFresh(issuedAt: number, nowS: number, what: string): void {
  if (issuedAt > nowS + CLOCK_SKEW_S) throw new InputError(`${what} is dated in the future`, { details: `issuedAt ${issuedAt}`, code: 'BAD_SIGNATURE' });
  if (issuedAt < nowS - SIGNED_REQUEST_MAX_AGE_S) {
    throw new InputError(`${what} is too old: sign it again`, { details: `signed more than ${SIGNED_REQUEST_MAX_AGE_S / 3600} h ago`, code: 'BAD_SIGNATURE' });
  }
}

/**
 * Validates a signed application and checks that the applicant's own key signed exactly it.
 * Throws a 400 (nothing is stored) when fields, freshness or signature are wrong.
 */
export async function verifyApplication(
  input: unknown,
  chainId: number,
  now: Date,
): Promise<{ application: ParsedApplication; issuedAt: number; signature: Hex; digest: Hex; consent: ParsedGrantConsent | undefined }> {
  const v = parseInput(signedApplicationSchema, input, 'invalid application');
  checkFresh(v.issuedAt, Math.floor(now.getTime() / 1000), 'application');
  const { signature, issuedAt, consent, ...application } = v;
  const typed = applicationTypedData(chainId, { ...application, issuedAt });
  let signer: Address;
  try {
    signer = await recoverTypedDataAddress({ ...typed, signature });
  } catch (cause) {
    throw new InputError('invalid application signature', { details: 'not a valid secp256k1 signature', cause, code: 'BAD_SIGNATURE' });
  }
  if (!isAddressEqual(signer, application.applicant)) {
    throw new InputError('application not signed by the applicant', {
      details: `signed by ${signer}; the applicant ${application.applicant} must sign the application (EIP-712)`,
      code: 'BAD_SIGNATURE',
    });
  }
  return { application, issuedAt, signature, digest: hashTypedData(typed), consent };
}

/**
 * Checks a grant consent filed with an application: signed by the applicant (grantee) for exactly
 * this provider (grantor), nonce and deadline, in the registry's domain, with the deadline still
 * ahead. Throws a 400 otherwise. (Whether the nonce is the registry's current one is the caller's check.)
 */
export async function verifyGrantConsent(
  c: ParsedGrantConsent,
  a: { applicant: Address; provider: Address },
  registry: Address,
  chainId: number,
  now: Date,
): Promise<void> {
  const nowS = BigInt(Math.floor(now.getTime() / 1000));
  if (c.deadline <= nowS) {
    throw new InputError('grant consent expired', { details: `deadline ${c.deadline} is not after now (${nowS}): sign a new consent`, code: 'BAD_CONSENT' });
  }
  let signer: Address;
  try {
    signer = await recoverTypedDataAddress({
      domain: grantConsentDomain(registry, chainId),
      types: grantConsentTypes,
      primaryType: 'GrantConsent',
      message: { grantee: a.applicant, grantor: a.provider, nonce: c.nonce, deadline: c.deadline },
      signature: c.signature,
    });
  } catch (cause) {
    throw new InputError('invalid grant consent signature', { details: 'not a valid secp256k1 signature', cause, code: 'BAD_CONSENT' });
  }
  if (!isAddressEqual(signer, a.applicant)) {
    throw new InputError('grant consent not signed by the applicant for this provider', {
      details: `recovered ${signer}; the applicant ${a.applicant} signs GrantConsent(grantee=${a.applicant}, grantor=${a.provider}, nonce=${c.nonce}, deadline=${c.deadline}) for registry ${registry} on chain ${chainId}`,
      code: 'BAD_CONSENT',
    });
  }
}

// ----- provider registrations --------------------------------------------------------------------

export const providerRegistrationSchema = z.strictObject({
  address: addressSchema,
  name: textSchema({ max: 200 }),
  categories: z.array(categorySchema).min(1).max(3),
  jurisdictions: z.array(jurisdictionSchema).max(249).default([]),
  /** Addresses that may sign in as this provider's reviewers; the set replaces the previous one. */
  reviewers: z.array(addressSchema).min(1, { message: 'register at least one reviewer' }).max(100),
});
export const signedProviderRegistrationSchema = providerRegistrationSchema.extend({ issuedAt: issuedAtSchema, signature: signatureSchema });
export type ProviderRegistrationInput = z.input<typeof providerRegistrationSchema>;
export type ParsedProviderRegistration = z.output<typeof providerRegistrationSchema>;
export type SignedProviderRegistrationInput = z.input<typeof signedProviderRegistrationSchema>;

/** Sorted and de-duplicated, so the signed form does not depend on the order the user typed. */
export function normaliseProviderRegistration(input: unknown): ParsedProviderRegistration {
  const p = parseInput(providerRegistrationSchema, input, 'invalid provider');
  return {
    ...p,
    categories: [...new Set(p.categories)].sort(),
    jurisdictions: [...new Set(p.jurisdictions)].sort(),
    reviewers: [...new Set(p.reviewers)].sort(),
  };
}

export function providerRegistrationTypedData(chainId: number, p: ParsedProviderRegistration & { issuedAt: number }) {
  return {
    domain: kycDomain(chainId),
    types: PROVIDER_REGISTRATION_TYPES,
    primaryType: 'ProviderRegistration' as const,
    message: {
      provider: p.address,
      name: p.name,
      categories: p.categories,
      jurisdictions: p.jurisdictions,
      reviewers: p.reviewers,
      issuedAt: BigInt(p.issuedAt),
    },
  };
}

/** A provider registers itself and its reviewers with its own key; nobody else can speak for it. */
export async function verifyProviderRegistration(
  input: unknown,
  chainId: number,
  now: Date,
): Promise<{ registration: ParsedProviderRegistration; issuedAt: number; signature: Hex }> {
  const v = parseInput(signedProviderRegistrationSchema, input, 'invalid provider');
  checkFresh(v.issuedAt, Math.floor(now.getTime() / 1000), 'provider registration');
  const registration = normaliseProviderRegistration({
    address: v.address,
    name: v.name,
    categories: v.categories,
    jurisdictions: v.jurisdictions,
    reviewers: v.reviewers,
  });
  let signer: Address;
  try {
    signer = await recoverTypedDataAddress({ ...providerRegistrationTypedData(chainId, { ...registration, issuedAt: v.issuedAt }), signature: v.signature });
  } catch (cause) {
    throw new InputError('invalid provider signature', { details: 'not a valid secp256k1 signature', cause, code: 'BAD_SIGNATURE' });
  }
  if (!isAddressEqual(signer, registration.address)) {
    throw new InputError('provider registration not signed by the provider', {
      details: `signed by ${signer}; the provider ${registration.address} must sign (EIP-712)`,
      code: 'BAD_SIGNATURE',
    });
  }
  return { registration, issuedAt: v.issuedAt, signature: v.signature };
}
