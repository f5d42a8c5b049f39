/**
 * The KYC service (SPEC §A, off chain): applicants file dossiers with a provider, the provider's
 * reviewer approves (which sends the on-chain client grant) or rejects with a reason; grants are
 * renewed and revoked; leases close to their end are listed. Every decision is appended to the
 * hash-chained audit log in the same database transaction as the decision itself.
 *
 * Order of work in every mutation: validate everything (zod, provider, scope, key) → open one
 * transaction → lock the row → call the chain → write rows and the audit entry → commit. Bad
 * input throws before anything is written; a failing chain call rolls the transaction back.
 */
import { randomUUID } from 'node:crypto';
import type { Address, Hex } from 'viem';
import { z } from 'zod';
import type { Db, Queryable, Tx } from '../shared/db.ts';
import { BaseError, InputError, oneLine } from '../shared/errors.ts';
import { type Logger, logger as rootLogger } from '../shared/logger.ts';
import { type AuditRecord, type AuditVerification, appendAudit, readAudit, verifyAuditLog } from './auditLog.ts';
import {
  type ApplicationInput,
  type Dossier,
  addressSchema,
  applicationInputSchema,
  buildDossier,
  categorySchema,
  decodeDossier,
  dossierHash,
  encodeDossier,
  jurisdictionSchema,
} from './dossier.ts';
import { DossierCipher, WrongKeyError } from './dossierCipher.ts';
import {
  type ClientCategory,
  type GrantId,
  type QualificationReason,
  type RegistryPort,
  SERVICES,
  type ServiceName,
} from './registryPort.ts';
import { parseInput } from './validation.ts';

const DAY_MS = 86_400_000;
/** Longest lease a single approval or renewal may set. */
export const MAX_LEASE_DAYS = 1826;
export const DEFAULT_LEASE_DAYS = 365;
const KEY_CHECK_PLAINTEXT = 'palisade kyc dossier key check v1';
const KEY_CHECK_AAD = 'kyc_key_check';

export type ApplicationStatus = 'pending' | 'approved' | 'rejected';
export type GrantStatus = 'active' | 'revoked';

export type Provider = {
  address: Address;
  name: string;
  categories: ClientCategory[];
  /** Empty: every jurisdiction. */
  jurisdictions: string[];
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
  /** 32 bytes, or its hex / base64 text (PALISADE_KYC_KEY). */
  encryptionKey: string | Uint8Array;
  now?: () => Date;
  logger?: Logger;
};

// ---------------------------------------------------------------------------------------------
// Input schemas (the service boundary)

const actorSchema = z.string().trim().min(1).max(128);
const reasonSchema = z.string().trim().min(1, { message: 'a reason is required' }).max(1000);
const applicationIdSchema = z.string().trim().pipe(z.uuid({ message: 'not an application id (uuid)' }));
export const grantIdSchema = z
  .string()
  .trim()
  .regex(/^0x[0-9a-fA-F]{64}$/, { message: 'not a grant id (0x + 64 hex digits)' })
  .transform((s) => s.toLowerCase() as GrantId);
const leaseDaysSchema = z.coerce.number().int().min(1).max(MAX_LEASE_DAYS);
const dateSchema = z.union([z.date(), z.iso.datetime({ offset: true }).transform((s) => new Date(s))]);
const leaseFields = {
  /** Lease length in days from now (approve) or from the current end (renew). */
  leaseDays: leaseDaysSchema.optional(),
  /** Explicit lease end; exclusive with leaseDays. */
  expiresAt: dateSchema.optional(),
};
const noBoth = (v: { leaseDays?: number | undefined; expiresAt?: Date | undefined }) => v.leaseDays === undefined || v.expiresAt === undefined;
const noBothMsg = { message: 'give leaseDays or expiresAt, not both', path: ['expiresAt'] };

export const providerInputSchema = z.strictObject({
  address: addressSchema,
  name: z.string().trim().min(1).max(200),
  categories: z.array(categorySchema).min(1).max(3),
  jurisdictions: z.array(jurisdictionSchema).max(249).default([]),
});
export const approveInputSchema = z
  .strictObject({ applicationId: applicationIdSchema, reviewer: actorSchema, ...leaseFields })
  .refine(noBoth, noBothMsg);
export const rejectInputSchema = z.strictObject({ applicationId: applicationIdSchema, reviewer: actorSchema, reason: reasonSchema });
export const renewInputSchema = z.strictObject({ grantId: grantIdSchema, actor: actorSchema, ...leaseFields }).refine(noBoth, noBothMsg);
export const revokeInputSchema = z.strictObject({ grantId: grantIdSchema, actor: actorSchema, reason: reasonSchema });
export const listApplicationsSchema = z.strictObject({
  status: z.enum(['pending', 'approved', 'rejected']).optional(),
  provider: addressSchema.optional(),
});
export const listGrantsSchema = z.strictObject({
  provider: addressSchema.optional(),
  account: addressSchema.optional(),
  status: z.enum(['active', 'revoked']).optional(),
});
export const expiringDaysSchema = z.coerce.number().int().min(0).max(MAX_LEASE_DAYS);
export const serviceSchema = z
  .string()
  .trim()
  .transform((s) => s.toUpperCase())
  .pipe(z.enum(SERVICES, { message: `expected one of ${SERVICES.join(', ')}` }));

export type ProviderInput = z.input<typeof providerInputSchema>;
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
};

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

// ---------------------------------------------------------------------------------------------

export class KycService {
  readonly #db: Db;
  readonly #registry: RegistryPort;
  readonly #cipher: DossierCipher;
  readonly #now: () => Date;
  readonly #log: Logger;
  #keyChecked = false;

  constructor(opts: KycServiceOptions) {
    this.#db = opts.db;
    this.#registry = opts.registry;
    this.#cipher = new DossierCipher(opts.encryptionKey);
    this.#now = opts.now ?? (() => new Date());
    this.#log = (opts.logger ?? rootLogger).child({ service: 'kyc' });
  }

  // ----- providers ---------------------------------------------------------------------------

  /**
   * Records a provider and its KYC scope (as granted to it on chain); registering it again
   * replaces name and scope. Applications are only accepted for registered providers.
   */
  async registerProvider(input: ProviderInput, actor = 'operator'): Promise<Provider> {
    const p = parseInput(providerInputSchema, input, 'invalid provider');
    const who = parseInput(actorSchema, actor, 'invalid actor');
    const categories = [...new Set(p.categories)];
    const jurisdictions = [...new Set(p.jurisdictions)].sort();
    const now = this.#now();
    return this.#db.transaction(async (tx) => {
      const { rows } = await tx.query<{ created_at: Date }>(
        `INSERT INTO kyc_providers (address, name, categories, jurisdictions, created_at) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (address) DO UPDATE SET name = EXCLUDED.name, categories = EXCLUDED.categories,
           jurisdictions = EXCLUDED.jurisdictions
         RETURNING created_at`,
        [p.address, p.name, categories, jurisdictions, now],
      );
      await appendAudit(tx, {
        at: now,
        action: 'provider-register',
        actor: who,
        applicationId: null,
        grantId: null,
        details: { provider: p.address, categories: categories.join(','), jurisdictions: jurisdictions.join(',') || '*' },
      });
      return { address: p.address, name: p.name, categories, jurisdictions, createdAt: rows[0]!.created_at };
    });
  }

  async listProviders(): Promise<Provider[]> {
    const { rows } = await this.#db.query<{ address: string; name: string; categories: string[]; jurisdictions: string[]; created_at: Date }>(
      'SELECT * FROM kyc_providers ORDER BY name, address',
    );
    return rows.map((r) => ({
      address: r.address as Address,
      name: r.name,
      categories: r.categories as ClientCategory[],
      jurisdictions: r.jurisdictions,
      createdAt: r.created_at,
    }));
  }

  async #provider(q: Queryable, address: Address): Promise<Provider> {
    const { rows } = await q.query<{ address: string; name: string; categories: string[]; jurisdictions: string[]; created_at: Date }>(
      'SELECT * FROM kyc_providers WHERE address = $1',
      [address],
    );
    const r = rows[0];
    if (!r) throw new InputError('unknown provider', { details: address, code: 'UNKNOWN_PROVIDER' });
    return {
      address: r.address as Address,
      name: r.name,
      categories: r.categories as ClientCategory[],
      jurisdictions: r.jurisdictions,
      createdAt: r.created_at,
    };
  }

  // ----- applications ------------------------------------------------------------------------

  /** Files a dossier with a provider. Throws on bad input, unknown provider, out-of-scope request or an open duplicate. */
  async apply(input: ApplicationInput): Promise<Application> {
    const a = parseInput(applicationInputSchema, input, 'invalid application');
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
    await this.#ensureKey();

    const now = this.#now();
    const id = randomUUID();
    const dossier = buildDossier(a, now);
    const hash = dossierHash(dossier);
    const sealed = this.#cipher.seal(encodeDossier(dossier), id);

    return this.#db.transaction(async (tx) => {
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
      try {
        await tx.query(
          `INSERT INTO kyc_applications (id, provider, applicant, category, jurisdiction, status, dossier_hash,
             dossier_nonce, dossier_ciphertext, dossier_tag, filed_at)
           VALUES ($1, $2, $3, $4, $5, 'pending', $6, $7, $8, $9, $10)`,
          [id, a.provider, a.applicant, a.category, a.jurisdiction, hash, sealed.nonce, sealed.ciphertext, sealed.tag, now],
        );
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
        details: { provider: a.provider, applicant: a.applicant, category: a.category, jurisdiction: a.jurisdiction, dossierHash: hash },
      });
      this.#log.info({ applicationId: id, provider: a.provider }, 'kyc application filed');
      return {
        id,
        provider: a.provider,
        applicant: a.applicant,
        category: a.category,
        jurisdiction: a.jurisdiction,
        status: 'pending',
        dossierHash: hash,
        filedAt: now,
        decidedAt: null,
        reviewer: null,
        reason: null,
      };
    });
  }

  /** Pending applications (of one provider, or all), with their decrypted dossiers: the reviewer's queue. */
  async review(provider?: string): Promise<ApplicationWithDossier[]> {
    const p = provider === undefined ? undefined : parseInput(addressSchema, provider, 'invalid provider address');
    if (p) await this.#provider(this.#db, p);
    await this.#ensureKey();
    const { rows } = await this.#db.query<ApplicationRow>(
      `SELECT * FROM kyc_applications WHERE status = 'pending' AND ($1::text IS NULL OR provider = $1) ORDER BY filed_at, id`,
      [p ?? null],
    );
    return rows.map((r) => ({ ...toApplication(r), dossier: this.#openDossier(r) }));
  }

  /** Applications without their dossiers, filtered by status and provider. */
  async listApplications(filter: z.input<typeof listApplicationsSchema> = {}): Promise<Application[]> {
    const f = parseInput(listApplicationsSchema, filter, 'invalid filter');
    const { rows } = await this.#db.query<ApplicationRow>(
      `SELECT * FROM kyc_applications WHERE ($1::text IS NULL OR status = $1) AND ($2::text IS NULL OR provider = $2)
       ORDER BY filed_at, id`,
      [f.status ?? null, f.provider ?? null],
    );
    return rows.map(toApplication);
  }

  async getApplication(id: string, opts: { withDossier?: boolean } = {}): Promise<Application | ApplicationWithDossier> {
    const appId = parseInput(applicationIdSchema, id, 'invalid application id');
    const { rows } = await this.#db.query<ApplicationRow>('SELECT * FROM kyc_applications WHERE id = $1', [appId]);
    const r = rows[0];
    if (!r) throw notFound('application', appId);
    if (!opts.withDossier) return toApplication(r);
    await this.#ensureKey();
    return { ...toApplication(r), dossier: this.#openDossier(r) };
  }

  /**
   * Approves a pending application: checks the dossier against its hash, sends the client grant
   * on chain, then records the grant. If the chain call fails nothing is recorded; if recording
   * fails after the grant was mined, the grant is revoked again.
   */
  async approve(input: ApproveInput): Promise<{ application: Application; grant: Grant }> {
    const v = parseInput(approveInputSchema, input, 'invalid approval');
    await this.#ensureKey();
    const now = this.#now();
    const expiresAt = this.#leaseEnd(now, v);
    let mined: { grantId: GrantId; txHash: Hex } | undefined;
    try {
      return await this.#db.transaction(async (tx) => {
        const r = await this.#lockApplication(tx, v.applicationId);
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
          });
        } catch (cause) {
          throw chainError('grantClient', cause);
        }
        const grantId = mined.grantId.toLowerCase() as GrantId;
        const txHash = mined.txHash.toLowerCase() as Hex;
        const decided = await tx.query<ApplicationRow>(
          `UPDATE kyc_applications SET status = 'approved', decided_at = $2, reviewer = $3 WHERE id = $1 RETURNING *`,
          [r.id, now, v.reviewer],
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
          actor: v.reviewer,
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
          },
        });
        this.#log.info({ applicationId: r.id, grantId, txHash }, 'kyc application approved');
        return { application: toApplication(decided.rows[0]!), grant: toGrant(granted.rows[0]!) };
      });
    } catch (err) {
      if (mined) await this.#undoGrant(mined, err);
      throw err;
    }
  }

  async reject(input: RejectInput): Promise<Application> {
    const v = parseInput(rejectInputSchema, input, 'invalid rejection');
    const now = this.#now();
    return this.#db.transaction(async (tx) => {
      const r = await this.#lockApplication(tx, v.applicationId);
      if (r.status !== 'pending') throw conflict(`application already ${r.status}`, r.id);
      const { rows } = await tx.query<ApplicationRow>(
        `UPDATE kyc_applications SET status = 'rejected', decided_at = $2, reviewer = $3, reason = $4 WHERE id = $1 RETURNING *`,
        [r.id, now, v.reviewer, v.reason],
      );
      await appendAudit(tx, {
        at: now,
        action: 'reject',
        actor: v.reviewer,
        applicationId: r.id,
        grantId: null,
        details: { provider: r.provider, account: r.applicant, reason: v.reason },
      });
      this.#log.info({ applicationId: r.id }, 'kyc application rejected');
      return toApplication(rows[0]!);
    });
  }

  // ----- grants ------------------------------------------------------------------------------

  /** Extends an active grant's lease: `leaseDays` from its current end (or from now, if already past), or to `expiresAt`. */
  async renew(input: RenewInput): Promise<Grant> {
    const v = parseInput(renewInputSchema, input, 'invalid renewal');
    const now = this.#now();
    return this.#db.transaction(async (tx) => {
      const g = await this.#lockGrant(tx, v.grantId);
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
        txHash = (await this.#registry.renew(g.id as GrantId, toSeconds(expiresAt))).txHash.toLowerCase() as Hex;
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
        actor: v.actor,
        applicationId: g.application_id,
        grantId: g.id,
        details: { account: g.account, previousExpiry: g.expires_at.toISOString(), expiresAt: expiresAt.toISOString(), txHash },
      });
      this.#log.info({ grantId: g.id, txHash }, 'kyc grant renewed');
      return toGrant(rows[0]!);
    });
  }

  /** Revokes an active grant on chain (and so everything beneath it) and records why. */
  async revoke(input: RevokeInput): Promise<Grant> {
    const v = parseInput(revokeInputSchema, input, 'invalid revocation');
    const now = this.#now();
    return this.#db.transaction(async (tx) => {
      const g = await this.#lockGrant(tx, v.grantId);
      if (g.status !== 'active') throw conflict('grant already revoked', g.id);
      let txHash: Hex;
      try {
        txHash = (await this.#registry.revoke(g.id as GrantId)).txHash.toLowerCase() as Hex;
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
        actor: v.actor,
        applicationId: g.application_id,
        grantId: g.id,
        details: { account: g.account, reason: v.reason, txHash },
      });
      this.#log.info({ grantId: g.id, txHash }, 'kyc grant revoked');
      return toGrant(rows[0]!);
    });
  }

  async listGrants(filter: z.input<typeof listGrantsSchema> = {}): Promise<Grant[]> {
    const f = parseInput(listGrantsSchema, filter, 'invalid filter');
    const { rows } = await this.#db.query<GrantRow>(
      `SELECT * FROM kyc_grants WHERE ($1::text IS NULL OR provider = $1) AND ($2::text IS NULL OR account = $2)
         AND ($3::text IS NULL OR status = $3) ORDER BY granted_at, id`,
      [f.provider ?? null, f.account ?? null, f.status ?? null],
    );
    return rows.map(toGrant);
  }

  /**
   * Active (unrevoked) leases ending within `days` from now, soonest first, including those whose
   * end has already passed without renewal (`expired: true`): both need the provider's attention.
   */
  async expiring(days: number | string): Promise<ExpiringLease[]> {
    const d = parseInput(expiringDaysSchema, days, 'invalid number of days');
    const now = this.#now();
    const horizon = new Date(now.getTime() + d * DAY_MS);
    const { rows } = await this.#db.query<GrantRow>(
      `SELECT * FROM kyc_grants WHERE status = 'active' AND expires_at <= $1 ORDER BY expires_at, id`,
      [horizon],
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

  verifyAuditLog(): Promise<AuditVerification> {
    return verifyAuditLog(this.#db);
  }

  auditLog(opts: { afterSeq?: number; limit?: number } = {}): Promise<AuditRecord[]> {
    return readAudit(this.#db, opts);
  }

  // ----- internals ---------------------------------------------------------------------------

  /**
   * Proves the configured key is the one the dossiers are sealed with, before anything is read
   * or written: the first run seals a fixed text, later runs must open it.
   */
  async #ensureKey(): Promise<void> {
    if (this.#keyChecked) return;
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
    this.#keyChecked = true;
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

  /** The grant was mined but could not be recorded: take it back so chain and database agree. */
  async #undoGrant(mined: { grantId: GrantId; txHash: Hex }, err: unknown): Promise<void> {
    try {
      const { txHash } = await this.#registry.revoke(mined.grantId);
      this.#log.error({ grantId: mined.grantId, grantTx: mined.txHash, revokeTx: txHash, err: oneLine(err) }, 'grant revoked: recording it failed');
    } catch (undoErr) {
      this.#log.fatal(
        { grantId: mined.grantId, grantTx: mined.txHash, err: oneLine(err), undoErr: oneLine(undoErr) },
        'grant on chain but not recorded, and revoking it failed: revoke it by hand',
      );
    }
  }
}
