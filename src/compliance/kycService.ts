/**
 * The KYC service (SPEC §A, off chain): applicants file EIP-712-signed dossiers with a provider, a
 * reviewer the provider registered signs in (EIP-4361) and approves (which sends the on-chain
 * client grant) or rejects with a reason; grants are renewed and revoked; leases close to their end
 * are listed. Every decision is appended to the hash-chained audit log in the same database
 * transaction as the decision itself, and grant changes anchor the log's head on the hub.
 *
 * Who acts is never taken from a request body: mutations take the authenticated `Reviewer`, and
 * act only on its provider's applications and grants (403 otherwise).
 *
 * Order of work in every mutation: validate everything (zod, signature, provider, scope, key) →
 * open one transaction → lock the row → call the chain → write rows and the audit entry → commit.
 * Bad input throws before anything is written; a failing chain call rolls the transaction back. If
 * anything fails after the chain call succeeded, the row is reconciled from the chain in a new
 * transaction (audited as `reconcile`): database and chain never stay apart, and nothing done on
 * chain is silently undone.
 */
import { randomUUID } from 'node:crypto';
import { type Address, type Hex, getAddress } from 'viem';
import { z } from 'zod';
import type { Db, Queryable, Tx } from '../shared/db.ts';
import { BaseError, InputError, oneLine } from '../shared/errors.ts';
import { type Logger, logger as rootLogger } from '../shared/logger.ts';
import { type AuditRecord, type AuditVerification, appendAudit, providerRowWithReviewers, readAudit, rowDigest, verifyAuditLog } from './auditLog.ts';
import type { AuditAnchorPort } from './auditAnchor.ts';
import { type DeploymentBinding, bindDeployment } from './deployment.ts';
import { type Dossier, addressSchema, buildDossier, decodeDossier, dossierHash, encodeDossier } from './dossier.ts';
import { DossierCipher, WrongKeyError } from './dossierCipher.ts';
import {
  type ClientCategory,
  type GrantId,
  type QualificationReason,
  type RegistryPort,
  SERVICES,
  type ServiceName,
} from './registryPort.ts';
import { type Reviewer, forbidden } from './reviewerAuth.ts';
import { verifyApplication, verifyGrantConsent, verifyProviderRegistration } from './signedRequests.ts';
import { parseInput, textSchema } from './validation.ts';

const DAY_MS = 86_400_000;
/** Longest lease a single approval or renewal may set. */
export const MAX_LEASE_DAYS = 1826;
export const DEFAULT_LEASE_DAYS = 365;
const KEY_CHECK_PLAINTEXT = 'palisade kyc dossier key check v1';
const KEY_CHECK_AAD = 'kyc_key_check';
/** Who the audit log names for a write the service made itself from the chain's state. */
export const RECONCILE_ACTOR = 'reconcile-from-chain';

export type ApplicationStatus = 'pending' | 'approved' | 'rejected';
export type GrantStatus = 'active' | 'revoked';

export type Provider = {
  address: Address;
  name: string;
  categories: ClientCategory[];
  /** Empty: every jurisdiction. */
  jurisdictions: string[];
  /** Addresses that sign in as this provider's reviewers. */
  reviewers: Address[];
  createdAt: Date;
};

export type Application = {
  id: string;
  provider: Address;
  applicant: Address;
  category: ClientCategory;
  jurisdiction: string;
  status: ApplicationStatus;
  dossierHash: Hex;
  filedAt: Date;
  decidedAt: Date | null;
  reviewer: string | null;
  reason: string | null;
};

export type ApplicationWithDossier = Application & { dossier: Dossier };
/** A queue entry: the dossier, or why this one record cannot be read (the rest of the queue still can). */
export type QueueEntry = Application & ({ dossier: Dossier; dossierError?: undefined } | { dossier: null; dossierError: string });

export type Grant = {
  id: GrantId;
  applicationId: string;
  provider: Address;
  account: Address;
  category: ClientCategory;
  jurisdiction: string;
  dossierHash: Hex;
  expiresAt: Date;
  status: GrantStatus;
  grantedAt: Date;
  grantTx: Hex;
  renewedAt: Date | null;
  revokedAt: Date | null;
  revokeReason: string | null;
  /** Hash of the last transaction that changed the grant. */
  lastTx: Hex;
};

export type ExpiringLease = Grant & { expired: boolean; daysLeft: number };

export type Qualification = { address: Address; service: ServiceName; qualified: boolean; reason: QualificationReason };

export type KycServiceOptions = {
  db: Db;
  registry: RegistryPort;
  /** 32 bytes, or its hex / base64 text (PALISADE_KYC_KEY, or the devnet's .palisade/kyc.key). */
  encryptionKey: string | Uint8Array;
  /** The chain deployment this database records; also the EIP-712 domain's chain id. */
  deployment: DeploymentBinding;
  /** Where the audit head is anchored; without it the log is checked by its hash chain alone. */
  anchors?: AuditAnchorPort;
  /** Publishes the head after every grant change (the devnet's AuditAnchorer). */
  anchorNow?: () => Promise<void>;
  now?: () => Date;
  logger?: Logger;
};

// ---------------------------------------------------------------------------------------------
// Input schemas (the service boundary). Strict types: a lease is a JSON number, never `true` or "0x10".

const reasonSchema = textSchema({ max: 1000, required: 'a reason is required' });
const applicationIdSchema = z.string().trim().pipe(z.uuid({ message: 'not an application id (uuid)' }));
export const grantIdSchema = z
  .string()
  .trim()
  .regex(/^0x[0-9a-fA-F]{64}$/, { message: 'not a grant id (0x + 64 hex digits)' })
  .transform((s) => s.toLowerCase() as GrantId);
const leaseDaysSchema = z.number({ message: 'expected a whole number of days' }).int().min(1).max(MAX_LEASE_DAYS);
const dateSchema = z.union([z.date(), z.iso.datetime({ offset: true }).transform((s) => new Date(s))], {
  message: 'expected an ISO-8601 date-time, e.g. 2031-06-30T00:00:00Z',
});
/** Days as a number, or as decimal digits (query strings, the CLI): never hex, exponents or signs. */
export const daysSchema = z.union([z.number().int(), z.string().regex(/^\d{1,5}$/, { message: 'expected a whole number of days (decimal digits)' }).transform(Number)]);
const leaseFields = {
  /** Lease length in days from now (approve) or from the current end (renew). */
  leaseDays: leaseDaysSchema.optional(),
  /** Explicit lease end; exclusive with leaseDays. */
  expiresAt: dateSchema.optional(),
};
const noBoth = (v: { leaseDays?: number | undefined; expiresAt?: Date | undefined }) => v.leaseDays === undefined || v.expiresAt === undefined;
const noBothMsg = { message: 'give leaseDays or expiresAt, not both', path: ['expiresAt'] };

export const approveInputSchema = z.strictObject({ applicationId: applicationIdSchema, ...leaseFields }).refine(noBoth, noBothMsg);
export const rejectInputSchema = z.strictObject({ applicationId: applicationIdSchema, reason: reasonSchema });
export const renewInputSchema = z.strictObject({ grantId: grantIdSchema, ...leaseFields }).refine(noBoth, noBothMsg);
export const revokeInputSchema = z.strictObject({ grantId: grantIdSchema, reason: reasonSchema });
export const listApplicationsSchema = z.strictObject({
  status: z.enum(['pending', 'approved', 'rejected']).optional(),
  provider: addressSchema.optional(),
});
export const listGrantsSchema = z.strictObject({
  provider: addressSchema.optional(),
  account: addressSchema.optional(),
  status: z.enum(['active', 'revoked']).optional(),
});
export const expiringDaysSchema = daysSchema.pipe(z.number().int().min(0).max(MAX_LEASE_DAYS));
export const serviceSchema = z
  .string()
  .trim()
  .transform((s) => s.toUpperCase())
  .pipe(z.enum(SERVICES, { message: `expected one of ${SERVICES.join(', ')}` }));

export type ApproveInput = z.input<typeof approveInputSchema>;
export type RejectInput = z.input<typeof rejectInputSchema>;
export type RenewInput = z.input<typeof renewInputSchema>;
export type RevokeInput = z.input<typeof revokeInputSchema>;

// ---------------------------------------------------------------------------------------------
// Rows

type ApplicationRow = {
  id: string;
  provider: string;
  applicant: string;
  category: string;
  jurisdiction: string;
  status: string;
  dossier_hash: string;
  dossier_nonce: Uint8Array;
  dossier_ciphertext: Uint8Array;
  dossier_tag: Uint8Array;
  filed_at: Date;
  decided_at: Date | null;
  reviewer: string | null;
  reason: string | null;
  /** The applicant's GrantConsent to the provider, relayed at approval (0004); NULL without one. */
  grant_consent: StoredGrantConsent | null;
};

/** As stored in `kyc_applications.grant_consent` (jsonb): decimal strings and the 0x signature. */
type StoredGrantConsent = { nonce: string; deadline: string; signature: Hex };

type GrantRow = {
  id: string;
  application_id: string;
  provider: string;
  account: string;
  category: string;
  jurisdiction: string;
  dossier_hash: string;
  expires_at: Date;
  status: string;
  granted_at: Date;
  grant_tx: string;
  renewed_at: Date | null;
  revoked_at: Date | null;
  revoke_reason: string | null;
  last_tx: string;
};

const toApplication = (r: ApplicationRow): Application => ({
  id: r.id,
  provider: r.provider as Address,
  applicant: r.applicant as Address,
  category: r.category as ClientCategory,
  jurisdiction: r.jurisdiction,
  status: r.status as ApplicationStatus,
  dossierHash: r.dossier_hash as Hex,
  filedAt: r.filed_at,
  decidedAt: r.decided_at,
  reviewer: r.reviewer,
  reason: r.reason,
});

const toGrant = (r: GrantRow): Grant => ({
  id: r.id as GrantId,
  applicationId: r.application_id,
  provider: r.provider as Address,
  account: r.account as Address,
  category: r.category as ClientCategory,
  jurisdiction: r.jurisdiction,
  dossierHash: r.dossier_hash as Hex,
  expiresAt: r.expires_at,
  status: r.status as GrantStatus,
  grantedAt: r.granted_at,
  grantTx: r.grant_tx as Hex,
  renewedAt: r.renewed_at,
  revokedAt: r.revoked_at,
  revokeReason: r.revoke_reason,
  lastTx: r.last_tx as Hex,
});

const notFound = (what: string, id: string) => new InputError(`${what} not found`, { details: id, status: 404, code: 'NOT_FOUND' });
const conflict = (message: string, details?: string) => new InputError(message, { details, status: 409, code: 'CONFLICT' });
const toSeconds = (d: Date) => BigInt(Math.floor(d.getTime() / 1000));

/** Wraps a failed registry call; the transaction around it rolls back. */
function chainError(method: keyof RegistryPort, cause: unknown): BaseError {
  return new BaseError(`registry ${method} failed`, {
    details: oneLine(cause),
    cause,
    retryable: cause instanceof BaseError ? cause.retryable : false,
    status: 502,
    code: 'CHAIN_CALL_FAILED',
  });
}

/** The chain step succeeded, recording it failed, and the row was then recorded from the chain. */
export class ReconciledError extends BaseError {
  override name = 'ReconciledError';
}

/**
 * Asks the registry whether `address` is qualified for `service` (validated first); needs neither
 * database nor key, so read-only callers (the `compliance check` command) use it alone.
 */
export async function checkQualification(registry: RegistryPort, address: string, service: string): Promise<Qualification> {
  const a = parseInput(addressSchema, address, 'invalid address');
  const s = parseInput(serviceSchema, service, 'invalid service');
  let verdict: { qualified: boolean; reason: QualificationReason };
  try {
    verdict = await registry.qualification(a, s);
  } catch (cause) {
    throw chainError('qualification', cause);
  }
  return { address: a, service: s, qualified: verdict.qualified, reason: verdict.reason };
}

/** 403 unless the reviewer acts for `provider`. */
function ownProvider(reviewer: Reviewer, provider: string, what: string): void {
  if (getAddress(provider) !== getAddress(reviewer.provider)) {
    throw forbidden(`${what} belongs to provider ${provider}; ${reviewer.address} reviews for ${reviewer.provider}`);
  }
}

// ---------------------------------------------------------------------------------------------

export class KycService {
  readonly #db: Db;
  readonly #registry: RegistryPort;
  readonly #cipher: DossierCipher;
  readonly #deployment: DeploymentBinding;
  readonly #anchors: AuditAnchorPort | undefined;
  readonly #anchorNow: (() => Promise<void>) | undefined;
  readonly #now: () => Date;
  readonly #log: Logger;
  #ready: Promise<void> | undefined;

  constructor(opts: KycServiceOptions) {
    this.#db = opts.db;
    this.#registry = opts.registry;
    this.#cipher = new DossierCipher(opts.encryptionKey);
    this.#deployment = opts.deployment;
    this.#anchors = opts.anchors;
    this.#anchorNow = opts.anchorNow;
    this.#now = opts.now ?? (() => new Date());
    this.#log = (opts.logger ?? rootLogger).child({ service: 'kyc' });
  }

  /** The chain id signed requests must name (EIP-712 domain, SIWE). */
  get chainId(): number {
    return this.#deployment.chainId;
  }

  // ----- providers ---------------------------------------------------------------------------

  /**
   * Records a provider, its KYC scope (as granted to it on chain) and its reviewers, from a
   * registration the provider signed (EIP-712); a newer signed registration replaces name, scope
   * and reviewers. Applications are only accepted for registered providers.
   */
  async registerProvider(input: unknown): Promise<Provider> {
    const now = this.#now();
    const { registration: p, issuedAt, signature } = await verifyProviderRegistration(input, this.chainId, now);
    await this.#ensureReady();
    const signedAt = new Date(issuedAt * 1000);
    return this.#db.transaction(async (tx) => {
      const prev = await tx.query<{ registered_at: Date | null }>('SELECT registered_at FROM kyc_providers WHERE address = $1 FOR UPDATE', [p.address]);
      const last = prev.rows[0]?.registered_at;
      if (last && last >= signedAt) throw conflict('a newer registration of this provider is recorded', `recorded one signed at ${last.toISOString()}`);
      const taken = await tx.query<{ reviewer: string; provider: string }>('SELECT reviewer, provider FROM kyc_reviewers WHERE reviewer = ANY($1) AND provider <> $2', [
        p.reviewers,
        p.address,
      ]);
      if (taken.rows[0]) throw conflict('reviewer already reviews for another provider', `${taken.rows[0].reviewer} reviews for ${taken.rows[0].provider}`);
      await tx.query(
        `INSERT INTO kyc_providers (address, name, categories, jurisdictions, created_at, registered_at, registration_signature)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (address) DO UPDATE SET name = EXCLUDED.name, categories = EXCLUDED.categories,
           jurisdictions = EXCLUDED.jurisdictions, registered_at = EXCLUDED.registered_at,
           registration_signature = EXCLUDED.registration_signature`,
        [p.address, p.name, p.categories, p.jurisdictions, now, signedAt, signature.toLowerCase()],
      );
      await tx.query('DELETE FROM kyc_reviewers WHERE provider = $1', [p.address]);
      for (const r of p.reviewers) await tx.query('INSERT INTO kyc_reviewers (reviewer, provider, added_at) VALUES ($1, $2, $3)', [r, p.address, now]);
      const row = (await providerRowWithReviewers(tx, p.address))!;
      await appendAudit(tx, {
        at: now,
        action: 'provider-register',
        actor: p.address,
        applicationId: null,
        grantId: null,
        details: {
          provider: p.address,
          categories: p.categories.join(','),
          jurisdictions: p.jurisdictions.join(',') || '*',
          reviewers: p.reviewers.join(','),
          providerRow: rowDigest(row),
        },
      });
      return { address: p.address, name: p.name, categories: p.categories, jurisdictions: p.jurisdictions, reviewers: p.reviewers, createdAt: row.created_at as Date };
    });
  }

  async listProviders(): Promise<Provider[]> {
    const { rows } = await this.#db.query<{ address: string; name: string; categories: string[]; jurisdictions: string[]; created_at: Date }>(
      'SELECT * FROM kyc_providers ORDER BY name, address',
    );
    const reviewers = await this.#db.query<{ reviewer: string; provider: string }>('SELECT reviewer, provider FROM kyc_reviewers ORDER BY reviewer');
    return rows.map((r) => ({
      address: r.address as Address,
      name: r.name,
      categories: r.categories as ClientCategory[],
      jurisdictions: r.jurisdictions,
      reviewers: reviewers.rows.filter((x) => x.provider === r.address).map((x) => x.reviewer as Address),
      createdAt: r.created_at,
    }));
  }

  async #provider(q: Queryable, address: Address): Promise<{ address: Address; name: string; categories: ClientCategory[]; jurisdictions: string[] }> {
    const { rows } = await q.query<{ address: string; name: string; categories: string[]; jurisdictions: string[] }>(
      'SELECT * FROM kyc_providers WHERE address = $1',
      [address],
    );
    const r = rows[0];
    if (!r) throw new InputError('unknown provider', { details: address, code: 'UNKNOWN_PROVIDER' });
    return { address: r.address as Address, name: r.name, categories: r.categories as ClientCategory[], jurisdictions: r.jurisdictions };
  }

  // ----- applications ------------------------------------------------------------------------

  /**
   * What an applicant signs its GrantConsent over (src/chain/grantConsent.ts): the registry (EIP-712
   * domain), the chain, and the registry's current consent nonce for `applicant` (0 when the port
   * cannot tell: the fake registry of the unit tests).
   */
  async consentTerms(applicant: string): Promise<{ registry: Address; chainId: number; grantee: Address; nonce: string }> {
    const grantee = parseInput(addressSchema, applicant, 'invalid applicant address');
    const nonce = (await this.#consentNonce(grantee)) ?? 0n;
    return { registry: this.#deployment.registry, chainId: this.chainId, grantee, nonce: nonce.toString() };
  }

  async #consentNonce(grantee: Address): Promise<bigint | undefined> {
    if (!this.#registry.consentNonce) return undefined;
    try {
      return await this.#registry.consentNonce(grantee);
    } catch (cause) {
      throw chainError('consentNonce', cause);
    }
  }

  /**
   * Files a dossier with a provider. The application must be signed (EIP-712) by the applicant's
   * address. Throws (400, nothing stored) on a missing or wrong signature, bad input, unknown
   * provider, out-of-scope request; 409 on an open duplicate or a replayed signature.
   */
  async apply(input: unknown): Promise<Application> {
    const now = this.#now();
    const { application: a, signature, digest, consent } = await verifyApplication(input, this.chainId, now);
    const provider = await this.#provider(this.#db, a.provider);
    if (!provider.categories.includes(a.category)) {
      throw new InputError('category beyond the provider’s KYC scope', {
        details: `${a.category}; ${provider.name} may qualify ${provider.categories.join(', ')}`,
        code: 'OUT_OF_SCOPE',
      });
    }
    if (provider.jurisdictions.length > 0 && !provider.jurisdictions.includes(a.jurisdiction)) {
      throw new InputError('jurisdiction beyond the provider’s KYC scope', {
        details: `${a.jurisdiction}; ${provider.name} covers ${provider.jurisdictions.join(', ')}`,
        code: 'OUT_OF_SCOPE',
      });
    }
    let storedConsent: StoredGrantConsent | null = null;
    if (consent) {
      await verifyGrantConsent(consent, a, this.#deployment.registry, this.chainId, now);
      const current = await this.#consentNonce(a.applicant);
      if (current !== undefined && current !== consent.nonce) {
        throw new InputError('grant consent carries a stale nonce', {
          details: `signed with nonce ${consent.nonce}; the registry's consent nonce for ${a.applicant} is ${current}: sign a new consent`,
          code: 'BAD_CONSENT',
        });
      }
      storedConsent = { nonce: consent.nonce.toString(), deadline: consent.deadline.toString(), signature: consent.signature.toLowerCase() as Hex };
    }
    await this.#ensureReady();

    const id = randomUUID();
    const dossier = buildDossier(a, now);
    const hash = dossierHash(dossier);
    const sealed = this.#cipher.seal(encodeDossier(dossier), id);

    return this.#db.transaction(async (tx) => {
      const replay = await tx.query<{ id: string }>('SELECT id FROM kyc_applications WHERE request_digest = $1', [digest]);
      if (replay.rows[0]) throw conflict('this signed application was already filed: sign a new one', `application ${replay.rows[0].id}`);
      const open = await tx.query<{ id: string }>(
        `SELECT id FROM kyc_applications WHERE provider = $1 AND applicant = $2 AND status = 'pending'`,
        [a.provider, a.applicant],
      );
      if (open.rows[0]) {
        throw conflict('duplicate application: one is already open with this provider', `application ${open.rows[0].id}`);
      }
      const active = await tx.query<{ id: string; expires_at: Date }>(
        `SELECT id, expires_at FROM kyc_grants WHERE provider = $1 AND account = $2 AND status = 'active' AND expires_at > $3`,
        [a.provider, a.applicant, now],
      );
      if (active.rows[0]) {
        throw conflict(
          'already qualified by this provider: renew the grant instead',
          `grant ${active.rows[0].id} runs until ${active.rows[0].expires_at.toISOString()}`,
        );
      }
      let row: ApplicationRow;
      try {
        const { rows } = await tx.query<ApplicationRow>(
          `INSERT INTO kyc_applications (id, provider, applicant, category, jurisdiction, status, dossier_hash,
             dossier_nonce, dossier_ciphertext, dossier_tag, filed_at, request_digest, applicant_signature, grant_consent)
           VALUES ($1, $2, $3, $4, $5, 'pending', $6, $7, $8, $9, $10, $11, $12, $13) RETURNING *`,
          [
            id, a.provider, a.applicant, a.category, a.jurisdiction, hash, sealed.nonce, sealed.ciphertext, sealed.tag, now, digest, signature.toLowerCase(),
            storedConsent === null ? null : JSON.stringify(storedConsent),
          ],
        );
        row = rows[0]!;
      } catch (err) {
        // Lost a race with a concurrent identical application: the partial unique index caught it.
        if ((err as { code?: string }).code === '23505') throw conflict('duplicate application: one is already open with this provider');
        throw err;
      }
      await appendAudit(tx, {
        at: now,
        action: 'apply',
        actor: a.applicant,
        applicationId: id,
        grantId: null,
        details: {
          provider: a.provider,
          applicant: a.applicant,
          category: a.category,
          jurisdiction: a.jurisdiction,
          dossierHash: hash,
          requestDigest: digest,
          ...(storedConsent ? { consentNonce: storedConsent.nonce, consentDeadline: storedConsent.deadline } : {}),
          applicationRow: rowDigest(row),
        },
      });
      this.#log.info({ applicationId: id, provider: a.provider }, 'kyc application filed');
      return toApplication(row);
    });
  }

  /**
   * The reviewer's queue: its provider's pending applications with their decrypted dossiers. A
   * dossier that cannot be read is reported on its own entry; the rest of the queue still shows.
   */
  async review(reviewer: Reviewer): Promise<QueueEntry[]> {
    await this.#ensureReady();
    const { rows } = await this.#db.query<ApplicationRow>(
      `SELECT * FROM kyc_applications WHERE status = 'pending' AND provider = $1 ORDER BY filed_at, id`,
      [reviewer.provider],
    );
    return rows.map((r): QueueEntry => {
      try {
        return { ...toApplication(r), dossier: this.#openDossier(r) };
      } catch (err) {
        this.#log.error({ applicationId: r.id, err: oneLine(err) }, 'kyc dossier unreadable');
        return { ...toApplication(r), dossier: null, dossierError: oneLine(err) };
      }
    });
  }

  /** The reviewer's provider's applications without their dossiers, filtered by status. */
  async listApplications(reviewer: Reviewer, filter: z.input<typeof listApplicationsSchema> = {}): Promise<Application[]> {
    const f = parseInput(listApplicationsSchema, filter, 'invalid filter');
    if (f.provider) ownProvider(reviewer, f.provider, 'that list');
    const { rows } = await this.#db.query<ApplicationRow>(
      `SELECT * FROM kyc_applications WHERE ($1::text IS NULL OR status = $1) AND provider = $2 ORDER BY filed_at, id`,
      [f.status ?? null, reviewer.provider],
    );
    return rows.map(toApplication);
  }

  async getApplication(reviewer: Reviewer, id: string, opts: { withDossier?: boolean } = {}): Promise<Application | ApplicationWithDossier> {
    const appId = parseInput(applicationIdSchema, id, 'invalid application id');
    const { rows } = await this.#db.query<ApplicationRow>('SELECT * FROM kyc_applications WHERE id = $1', [appId]);
    const r = rows[0];
    if (!r) throw notFound('application', appId);
    ownProvider(reviewer, r.provider, `application ${r.id}`);
    if (!opts.withDossier) return toApplication(r);
    await this.#ensureReady();
    return { ...toApplication(r), dossier: this.#openDossier(r) };
  }

  /**
   * Approves a pending application of the reviewer's provider: checks the dossier against its
   * hash, sends the client grant on chain, then records the grant. If the chain call fails nothing
   * is recorded; if recording fails after the grant was mined, the grant is recorded from the chain.
   */
  async approve(reviewer: Reviewer, input: ApproveInput): Promise<{ application: Application; grant: Grant }> {
    const v = parseInput(approveInputSchema, input, 'invalid approval');
    const now = this.#now();
    const expiresAt = this.#leaseEnd(now, v);
    await this.#ownApplication(reviewer, v.applicationId);
    await this.#ensureReady();
    let mined: { grantId: GrantId; txHash: Hex } | undefined;
    let result;
    try {
      result = await this.#db.transaction(async (tx) => {
        const r = await this.#lockApplication(tx, v.applicationId);
        ownProvider(reviewer, r.provider, `application ${r.id}`);
        if (r.status !== 'pending') throw conflict(`application already ${r.status}`, r.id);
        const dossier = this.#openDossier(r);
        try {
          mined = await this.#registry.grantClient({
            provider: r.provider as Address,
            account: r.applicant as Address,
            category: r.category as ClientCategory,
            jurisdiction: r.jurisdiction,
            dossierHash: dossierHash(dossier),
            expiry: toSeconds(expiresAt),
            ...(r.grant_consent ? { consent: { deadline: BigInt(r.grant_consent.deadline), signature: r.grant_consent.signature } } : {}),
          });
        } catch (cause) {
          throw chainError('grantClient', cause);
        }
        const grantId = mined.grantId.toLowerCase() as GrantId;
        const txHash = mined.txHash.toLowerCase() as Hex;
        const decided = await tx.query<ApplicationRow>(
          `UPDATE kyc_applications SET status = 'approved', decided_at = $2, reviewer = $3 WHERE id = $1 RETURNING *`,
          [r.id, now, reviewer.address],
        );
        const granted = await tx.query<GrantRow>(
          `INSERT INTO kyc_grants (id, application_id, provider, account, category, jurisdiction, dossier_hash, expires_at,
             status, granted_at, grant_tx, last_tx)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'active', $9, $10, $10) RETURNING *`,
          [grantId, r.id, r.provider, r.applicant, r.category, r.jurisdiction, r.dossier_hash, expiresAt, now, txHash],
        );
        await appendAudit(tx, {
          at: now,
          action: 'approve',
          actor: reviewer.address,
          applicationId: r.id,
          grantId,
          details: {
            provider: r.provider,
            account: r.applicant,
            category: r.category,
            jurisdiction: r.jurisdiction,
            dossierHash: r.dossier_hash,
            expiresAt: expiresAt.toISOString(),
            txHash,
            applicationRow: rowDigest(decided.rows[0]!),
            grantRow: rowDigest(granted.rows[0]!),
          },
        });
        this.#log.info({ applicationId: r.id, grantId, txHash, reviewer: reviewer.address }, 'kyc application approved');
        return { application: toApplication(decided.rows[0]!), grant: toGrant(granted.rows[0]!) };
      });
    } catch (err) {
      if (mined) await this.#reconcileApproval(reviewer, v.applicationId, mined, err);
      throw err;
    }
    await this.#anchor();
    return result;
  }

  async reject(reviewer: Reviewer, input: RejectInput): Promise<Application> {
    const v = parseInput(rejectInputSchema, input, 'invalid rejection');
    const now = this.#now();
    await this.#ownApplication(reviewer, v.applicationId);
    await this.#ensureReady();
    return this.#db.transaction(async (tx) => {
      const r = await this.#lockApplication(tx, v.applicationId);
      ownProvider(reviewer, r.provider, `application ${r.id}`);
      if (r.status !== 'pending') throw conflict(`application already ${r.status}`, r.id);
      const { rows } = await tx.query<ApplicationRow>(
        `UPDATE kyc_applications SET status = 'rejected', decided_at = $2, reviewer = $3, reason = $4 WHERE id = $1 RETURNING *`,
        [r.id, now, reviewer.address, v.reason],
      );
      await appendAudit(tx, {
        at: now,
        action: 'reject',
        actor: reviewer.address,
        applicationId: r.id,
        grantId: null,
        details: { provider: r.provider, account: r.applicant, reason: v.reason, applicationRow: rowDigest(rows[0]!) },
      });
      this.#log.info({ applicationId: r.id, reviewer: reviewer.address }, 'kyc application rejected');
      return toApplication(rows[0]!);
    });
  }

  // ----- grants ------------------------------------------------------------------------------

  /** Extends an active grant's lease: `leaseDays` from its current end (or from now, if already past), or to `expiresAt`. */
  async renew(reviewer: Reviewer, input: RenewInput): Promise<Grant> {
    const v = parseInput(renewInputSchema, input, 'invalid renewal');
    const now = this.#now();
    return this.#changeGrant(reviewer, v.grantId, 'renew', async (tx, g, sent) => {
      if (g.status !== 'active') throw conflict('grant is revoked: file a new application instead', g.id);
      const from = g.expires_at > now ? g.expires_at : now;
      const expiresAt = this.#leaseEnd(from, v, now);
      if (expiresAt <= g.expires_at) {
        throw new InputError('renewal must extend the lease', {
          details: `current end ${g.expires_at.toISOString()}, asked ${expiresAt.toISOString()}`,
        });
      }
      let txHash: Hex;
      try {
        txHash = sent((await this.#registry.renew(g.id as GrantId, toSeconds(expiresAt))).txHash);
      } catch (cause) {
        throw chainError('renew', cause);
      }
      const { rows } = await tx.query<GrantRow>(
        `UPDATE kyc_grants SET expires_at = $2, renewed_at = $3, last_tx = $4 WHERE id = $1 RETURNING *`,
        [g.id, expiresAt, now, txHash],
      );
      await appendAudit(tx, {
        at: now,
        action: 'renew',
        actor: reviewer.address,
        applicationId: g.application_id,
        grantId: g.id,
        details: {
          provider: g.provider,
          account: g.account,
          previousExpiry: g.expires_at.toISOString(),
          expiresAt: expiresAt.toISOString(),
          txHash,
          grantRow: rowDigest(rows[0]!),
        },
      });
      this.#log.info({ grantId: g.id, txHash, reviewer: reviewer.address }, 'kyc grant renewed');
      return toGrant(rows[0]!);
    });
  }

  /** Revokes an active grant on chain (and so everything beneath it) and records why. */
  async revoke(reviewer: Reviewer, input: RevokeInput): Promise<Grant> {
    const v = parseInput(revokeInputSchema, input, 'invalid revocation');
    const now = this.#now();
    return this.#changeGrant(reviewer, v.grantId, 'revoke', async (tx, g, sent) => {
      if (g.status !== 'active') throw conflict('grant already revoked', g.id);
      let txHash: Hex;
      try {
        txHash = sent((await this.#registry.revoke(g.id as GrantId)).txHash);
      } catch (cause) {
        throw chainError('revoke', cause);
      }
      const { rows } = await tx.query<GrantRow>(
        `UPDATE kyc_grants SET status = 'revoked', revoked_at = $2, revoke_reason = $3, last_tx = $4 WHERE id = $1 RETURNING *`,
        [g.id, now, v.reason, txHash],
      );
      await appendAudit(tx, {
        at: now,
        action: 'revoke',
        actor: reviewer.address,
        applicationId: g.application_id,
        grantId: g.id,
        details: { provider: g.provider, account: g.account, reason: v.reason, txHash, grantRow: rowDigest(rows[0]!) },
      });
      this.#log.info({ grantId: g.id, txHash, reviewer: reviewer.address }, 'kyc grant revoked');
      return toGrant(rows[0]!);
    });
  }

  /**
   * One on-chain change of a grant, made under the grant's row lock by `change`, which reports the
   * transaction through `sent` as soon as it is mined. A failure after that point is reconciled from the
   * chain (never left diverged); a success re-anchors the audit log.
   */
  async #changeGrant(
    reviewer: Reviewer,
    grantId: GrantId,
    step: 'renew' | 'revoke',
    change: (tx: Tx, g: GrantRow, sent: (hash: Hex) => Hex) => Promise<Grant>,
  ): Promise<Grant> {
    await this.#ownGrant(reviewer, grantId);
    await this.#ensureReady();
    let txHash: Hex | undefined;
    const sent = (hash: Hex): Hex => (txHash = hash.toLowerCase() as Hex);
    let result: Grant;
    try {
      result = await this.#db.transaction(async (tx) => {
        const g = await this.#lockGrant(tx, grantId);
        ownProvider(reviewer, g.provider, `grant ${g.id}`);
        return change(tx, g, sent);
      });
    } catch (err) {
      if (txHash) await this.#reconcileGrant(reviewer, grantId, txHash, step, err);
      throw err;
    }
    await this.#anchor();
    return result;
  }

  async listGrants(reviewer: Reviewer, filter: z.input<typeof listGrantsSchema> = {}): Promise<Grant[]> {
    const f = parseInput(listGrantsSchema, filter, 'invalid filter');
    if (f.provider) ownProvider(reviewer, f.provider, 'that list');
    const { rows } = await this.#db.query<GrantRow>(
      `SELECT * FROM kyc_grants WHERE provider = $1 AND ($2::text IS NULL OR account = $2)
         AND ($3::text IS NULL OR status = $3) ORDER BY granted_at, id`,
      [reviewer.provider, f.account ?? null, f.status ?? null],
    );
    return rows.map(toGrant);
  }

  /**
   * The reviewer's provider's active (unrevoked) leases ending within `days` from now, soonest
   * first, including those whose end has already passed without renewal (`expired: true`).
   */
  async expiring(reviewer: Reviewer, days: number | string): Promise<ExpiringLease[]> {
    const d = parseInput(expiringDaysSchema, days, 'invalid number of days');
    const now = this.#now();
    const horizon = new Date(now.getTime() + d * DAY_MS);
    const { rows } = await this.#db.query<GrantRow>(
      `SELECT * FROM kyc_grants WHERE status = 'active' AND provider = $2 AND expires_at <= $1 ORDER BY expires_at, id`,
      [horizon, reviewer.provider],
    );
    return rows.map((r) => {
      const g = toGrant(r);
      const left = g.expiresAt.getTime() - now.getTime();
      return { ...g, expired: left <= 0, daysLeft: Math.max(0, Math.floor(left / DAY_MS)) };
    });
  }

  // ----- chain view and audit ----------------------------------------------------------------

  /** The registry's verdict for an account and service, with the reason when not qualified. */
  check(address: string, service: string): Promise<Qualification> {
    return checkQualification(this.#registry, address, service);
  }

  /** Hash chain, row digests and (when an anchor contract is configured) the on-chain anchors. */
  async verifyAuditLog(): Promise<AuditVerification> {
    let anchors;
    if (this.#anchors) {
      try {
        anchors = await this.#anchors.anchors();
      } catch (cause) {
        throw new BaseError('cannot read the audit anchors from the chain', { details: oneLine(cause), cause, status: 502, code: 'CHAIN_CALL_FAILED', retryable: true });
      }
    }
    return verifyAuditLog(this.#db, { anchors });
  }

  auditLog(opts: { afterSeq?: number; limit?: number } = {}): Promise<AuditRecord[]> {
    return readAudit(this.#db, opts);
  }

  // ----- internals ---------------------------------------------------------------------------

  /** Key check and deployment binding, once per service; a failure is retried on the next call. */
  #ensureReady(): Promise<void> {
    this.#ready ??= (async () => {
      await bindDeployment(this.#db, this.#deployment, this.#now());
      await this.#ensureKey();
    })();
    this.#ready.catch(() => (this.#ready = undefined));
    return this.#ready;
  }

  /**
   * Proves the configured key is the one the dossiers are sealed with, before anything is read
   * or written: the first run seals a fixed text, later runs must open it.
   */
  async #ensureKey(): Promise<void> {
    await this.#db.transaction(async (tx) => {
      let row = (await tx.query<{ nonce: Uint8Array; ciphertext: Uint8Array; tag: Uint8Array }>('SELECT * FROM kyc_key_check WHERE id = 1'))
        .rows[0];
      if (!row) {
        const s = this.#cipher.seal(new TextEncoder().encode(KEY_CHECK_PLAINTEXT), KEY_CHECK_AAD);
        await tx.query(
          `INSERT INTO kyc_key_check (id, nonce, ciphertext, tag, created_at) VALUES (1, $1, $2, $3, $4) ON CONFLICT (id) DO NOTHING`,
          [s.nonce, s.ciphertext, s.tag, this.#now()],
        );
        row = (await tx.query<{ nonce: Uint8Array; ciphertext: Uint8Array; tag: Uint8Array }>('SELECT * FROM kyc_key_check WHERE id = 1'))
          .rows[0]!;
      }
      const text = new TextDecoder().decode(this.#cipher.open(row, KEY_CHECK_AAD));
      if (text !== KEY_CHECK_PLAINTEXT) throw new WrongKeyError();
    });
  }

  #openDossier(r: ApplicationRow): Dossier {
    let dossier: Dossier;
    try {
      dossier = decodeDossier(this.#cipher.open({ nonce: r.dossier_nonce, ciphertext: r.dossier_ciphertext, tag: r.dossier_tag }, r.id));
    } catch (cause) {
      // The key opened the key check, so this record itself is damaged or was moved.
      throw new BaseError('cannot decrypt dossier: record is corrupt or was tampered with', {
        details: `application ${r.id}`,
        cause,
        code: 'DOSSIER_CORRUPT',
      });
    }
    if (dossierHash(dossier) !== r.dossier_hash) {
      throw new BaseError('dossier does not match its recorded hash', { details: `application ${r.id}`, code: 'DOSSIER_CORRUPT' });
    }
    return dossier;
  }

  /** 404 / 403 before any transaction or chain call. */
  async #ownApplication(reviewer: Reviewer, id: string): Promise<void> {
    const { rows } = await this.#db.query<{ provider: string }>('SELECT provider FROM kyc_applications WHERE id = $1', [id]);
    if (!rows[0]) throw notFound('application', id);
    ownProvider(reviewer, rows[0].provider, `application ${id}`);
  }

  async #ownGrant(reviewer: Reviewer, id: string): Promise<void> {
    const { rows } = await this.#db.query<{ provider: string }>('SELECT provider FROM kyc_grants WHERE id = $1', [id]);
    if (!rows[0]) throw notFound('grant', id);
    ownProvider(reviewer, rows[0].provider, `grant ${id}`);
  }

  async #lockApplication(tx: Tx, id: string): Promise<ApplicationRow> {
    const { rows } = await tx.query<ApplicationRow>('SELECT * FROM kyc_applications WHERE id = $1 FOR UPDATE', [id]);
    if (!rows[0]) throw notFound('application', id);
    return rows[0];
  }

  async #lockGrant(tx: Tx, id: string): Promise<GrantRow> {
    const { rows } = await tx.query<GrantRow>('SELECT * FROM kyc_grants WHERE id = $1 FOR UPDATE', [id]);
    if (!rows[0]) throw notFound('grant', id);
    return rows[0];
  }

  /** Whole seconds (the chain's unit), strictly after `now`, at most MAX_LEASE_DAYS ahead. */
  #leaseEnd(from: Date, v: { leaseDays?: number | undefined; expiresAt?: Date | undefined }, now: Date = from): Date {
    const ms = v.expiresAt ? v.expiresAt.getTime() : from.getTime() + (v.leaseDays ?? DEFAULT_LEASE_DAYS) * DAY_MS;
    const end = new Date(Math.floor(ms / 1000) * 1000);
    if (Number.isNaN(end.getTime()) || end <= now) {
      throw new InputError('lease end must be in the future', { details: Number.isNaN(end.getTime()) ? 'invalid date' : end.toISOString() });
    }
    if (end.getTime() > now.getTime() + MAX_LEASE_DAYS * DAY_MS) {
      throw new InputError('lease too long', { details: `at most ${MAX_LEASE_DAYS} days from now` });
    }
    return end;
  }

  async #anchor(): Promise<void> {
    if (!this.#anchorNow) return;
    try {
      await this.#anchorNow();
    } catch (err) {
      // The decision stands; the anchorer retries on its timer and reports itself unhealthy meanwhile.
      this.#log.error({ err: oneLine(err) }, 'anchoring the audit head after a grant change failed');
    }
  }

  /**
   * The grant was mined but recording it failed: record it now from what the chain holds (never
   * revoke it: the applicant was approved). The original error still reaches the caller, marked.
   */
  async #reconcileApproval(reviewer: Reviewer, applicationId: string, mined: { grantId: GrantId; txHash: Hex }, err: unknown): Promise<never> {
    const grantId = mined.grantId.toLowerCase() as GrantId;
    const txHash = mined.txHash.toLowerCase() as Hex;
    try {
      const chain = await this.#registry.grantState(grantId);
      if (!chain) throw new BaseError('the mined grant is not on chain', { details: grantId });
      const now = this.#now();
      let alreadyRecorded = false;
      await this.#db.transaction(async (tx) => {
        const r = await this.#lockApplication(tx, applicationId);
        // The first transaction may have committed after all (the connection dropped on COMMIT).
        if ((await tx.query('SELECT 1 FROM kyc_grants WHERE id = $1', [grantId])).rows[0]) {
          alreadyRecorded = true;
          return;
        }
        const decided = await tx.query<ApplicationRow>(
          `UPDATE kyc_applications SET status = 'approved', decided_at = $2, reviewer = $3, reason = NULL WHERE id = $1 RETURNING *`,
          [r.id, now, reviewer.address],
        );
        const granted = await tx.query<GrantRow>(
          `INSERT INTO kyc_grants (id, application_id, provider, account, category, jurisdiction, dossier_hash, expires_at,
             status, granted_at, grant_tx, last_tx, revoked_at, revoke_reason)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11, $12, $13) RETURNING *`,
          [
            grantId, r.id, r.provider, r.applicant, r.category, r.jurisdiction, r.dossier_hash,
            new Date(Number(chain.expiry) * 1000), chain.revoked ? 'revoked' : 'active', now, txHash,
            chain.revoked ? now : null, chain.revoked ? 'revoked on chain' : null,
          ],
        );
        await appendAudit(tx, {
          at: now,
          action: 'reconcile',
          actor: RECONCILE_ACTOR,
          applicationId: r.id,
          grantId,
          details: {
            step: 'approve',
            reviewer: reviewer.address,
            provider: r.provider,
            account: r.applicant,
            txHash,
            failure: oneLine(err).slice(0, 500),
            applicationRow: rowDigest(decided.rows[0]!),
            grantRow: rowDigest(granted.rows[0]!),
          },
        });
      });
      if (alreadyRecorded) {
        this.#log.warn({ applicationId, grantId, txHash, err: oneLine(err) }, 'the approval reported an error but was recorded');
      } else {
        this.#log.error({ applicationId, grantId, txHash, err: oneLine(err) }, 'grant mined but recording it failed: recorded from the chain');
      }
      await this.#anchor();
    } catch (again) {
      this.#log.fatal(
        { applicationId, grantId, txHash, err: oneLine(err), reconcileErr: oneLine(again) },
        'grant on chain but not recorded, and recording it from the chain failed too',
      );
      throw new BaseError('grant is on chain but could not be recorded', {
        details: `grant ${grantId} (tx ${txHash}); ${oneLine(err)}; reconciling failed: ${oneLine(again)}`,
        cause: err,
        code: 'DIVERGED',
      });
    }
    throw new ReconciledError('the grant was sent but recording it failed; it was recorded from the chain', {
      details: `grant ${grantId} (tx ${txHash}); ${oneLine(err)}`,
      cause: err,
      code: 'RECONCILED',
    });
  }

  /** A renew or revoke was mined but recording it failed: set the row to what the chain holds. */
  async #reconcileGrant(reviewer: Reviewer, grantId: GrantId, txHash: Hex, step: 'renew' | 'revoke', err: unknown): Promise<never> {
    try {
      const chain = await this.#registry.grantState(grantId);
      if (!chain) throw new BaseError('the grant is not on chain', { details: grantId });
      const now = this.#now();
      await this.#db.transaction(async (tx) => {
        const g = await this.#lockGrant(tx, grantId);
        const revoked = chain.revoked;
        const { rows } = await tx.query<GrantRow>(
          `UPDATE kyc_grants SET expires_at = $2, status = $3, last_tx = $4,
             renewed_at = CASE WHEN $5 THEN $6 ELSE renewed_at END,
             revoked_at = CASE WHEN $3 = 'revoked' AND revoked_at IS NULL THEN $6 ELSE revoked_at END,
             revoke_reason = CASE WHEN $3 = 'revoked' AND revoke_reason IS NULL THEN 'revoked on chain' ELSE revoke_reason END
           WHERE id = $1 RETURNING *`,
          [g.id, new Date(Number(chain.expiry) * 1000), revoked ? 'revoked' : 'active', txHash, step === 'renew', now],
        );
        await appendAudit(tx, {
          at: now,
          action: 'reconcile',
          actor: RECONCILE_ACTOR,
          applicationId: g.application_id,
          grantId: g.id,
          details: {
            step,
            reviewer: reviewer.address,
            provider: g.provider,
            account: g.account,
            txHash,
            failure: oneLine(err).slice(0, 500),
            grantRow: rowDigest(rows[0]!),
          },
        });
      });
      this.#log.error({ grantId, txHash, step, err: oneLine(err) }, `${step} mined but recording it failed: recorded from the chain`);
      await this.#anchor();
    } catch (again) {
      this.#log.fatal({ grantId, txHash, step, err: oneLine(err), reconcileErr: oneLine(again) }, `${step} on chain but not recorded, and reconciling failed`);
      throw new BaseError(`${step} is on chain but could not be recorded`, {
        details: `grant ${grantId} (tx ${txHash}); ${oneLine(err)}; reconciling failed: ${oneLine(again)}`,
        cause: err,
        code: 'DIVERGED',
      });
    }
    throw new ReconciledError(`the ${step} was sent but recording it failed; the grant was recorded from the chain`, {
      details: `grant ${grantId} (tx ${txHash}); ${oneLine(err)}`,
      cause: err,
      code: 'RECONCILED',
    });
  }
}
