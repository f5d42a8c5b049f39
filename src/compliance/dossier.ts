/**
 * The KYC dossier: what an applicant files with a provider. It is personal data, so it lives only
 * off chain, encrypted (dossierCipher.ts); the chain sees only its commitment:
 *
 *   dossierHash = keccak256(utf8(canonicalJson(dossier)))
 *
 * with canonicalJson as in canonicalJson.ts (sorted keys, no whitespace). keccak256 because the
 * registry stores and compares bytes32 commitments and every EVM tool computes it. The dossier
 * carries a random 32-byte salt, so the public hash cannot be confirmed by guessing a name.
 */
import { randomBytes } from 'node:crypto';
import { type Address, type Hex, getAddress, isAddress, keccak256, toHex, zeroAddress } from 'viem';
import { z } from 'zod';
import { canonicalJson } from './canonicalJson.ts';
import { isJurisdiction } from './jurisdictions.ts';
import { textSchema } from './validation.ts';
import { CLIENT_CATEGORIES, type ClientCategory } from './registryPort.ts';

export const SUBJECT_TYPES = ['person', 'entity'] as const;
export type SubjectType = (typeof SUBJECT_TYPES)[number];

export const addressSchema = z
  .string()
  .trim()
  .refine((s) => isAddress(s), { message: 'not an EVM address (20 bytes hex, EIP-55 checksum if mixed case)' })
  .transform((s) => getAddress(s) as Address)
  .refine((a) => a !== zeroAddress, { message: 'the zero address is no account' });

export const jurisdictionSchema = z
  .string()
  .trim()
  .transform((s) => s.toUpperCase())
  .refine(isJurisdiction, { message: 'not an ISO 3166-1 alpha-2 country code' });

export const categorySchema = z
  .string()
  .trim()
  .transform((s) => s.toUpperCase())
  .pipe(z.enum(CLIENT_CATEGORIES, { message: `expected one of ${CLIENT_CATEGORIES.join(', ')}` }));

export const digestSchema = z
  .string()
  .trim()
  .regex(/^0x[0-9a-fA-F]{64}$/, { message: 'expected a 32-byte digest as 0x + 64 hex digits' })
  .transform((s) => s.toLowerCase() as Hex);

export const documentSchema = z.strictObject({
  /** What the document is: passport, id-card, register-extract, proof-of-address… */
  kind: z.string().trim().min(1).max(64).regex(/^[\w .\-/]+$/, { message: 'letters, digits, space, _ . - / only' }),
  /** sha256 (or keccak256) of the document file; the file itself stays with the provider. */
  digest: digestSchema,
});
export type DossierDocument = z.infer<typeof documentSchema>;

/** What an applicant files. */
export const applicationInputSchema = z.strictObject({
  provider: addressSchema,
  applicant: addressSchema,
  legalName: textSchema({ max: 200 }),
  subjectType: z.enum(SUBJECT_TYPES, { message: 'expected person or entity' }),
  category: categorySchema,
  jurisdiction: jurisdictionSchema,
  documents: z.array(documentSchema).min(1, { message: 'at least one document digest' }).max(32),
});
export type ApplicationInput = z.input<typeof applicationInputSchema>;
export type ParsedApplication = z.output<typeof applicationInputSchema>;

export type Dossier = {
  version: 1;
  provider: Address;
  applicant: Address;
  legalName: string;
  subjectType: SubjectType;
  category: ClientCategory;
  jurisdiction: string;
  documents: DossierDocument[];
  /** Random, so the on-chain hash reveals nothing guessable. */
  salt: Hex;
  filedAt: string;
};

export function buildDossier(input: ParsedApplication, filedAt: Date, salt: Hex = toHex(randomBytes(32))): Dossier {
  return {
    version: 1,
    provider: input.provider,
    applicant: input.applicant,
    legalName: input.legalName,
    subjectType: input.subjectType,
    category: input.category,
    jurisdiction: input.jurisdiction,
    documents: input.documents.map((d) => ({ kind: d.kind, digest: d.digest })),
    salt,
    filedAt: filedAt.toISOString(),
  };
}

export function dossierHash(dossier: Dossier): Hex {
  return keccak256(new TextEncoder().encode(canonicalJson(dossier)));
}

export function encodeDossier(dossier: Dossier): Uint8Array {
  return new TextEncoder().encode(canonicalJson(dossier));
}

export function decodeDossier(bytes: Uint8Array): Dossier {
  return JSON.parse(new TextDecoder().decode(bytes)) as Dossier;
}
