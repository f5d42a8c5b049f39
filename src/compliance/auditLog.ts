/**
 * The KYC audit log: every decision (apply, approve, reject, renew, revoke, provider registration,
 * reconciliation from the chain) appended to `kyc_audit_log`, hash-chained so that any later edit shows:
 *
 *   hash = sha256(utf8(prev_hash + canonicalJson({ seq, at, action, actor, applicationId, grantId, details })))
 *
 * with `at` as an ISO-8601 string (milliseconds) and prev_hash of the first entry 64 zeros. The
 * table refuses UPDATE, DELETE and TRUNCATE (trigger in migration 0001; the service's database role
 * cannot disable it, migration 0002). Three more things catch what the database owner does anyway:
 *
 * - each entry that writes an application, grant or provider row carries a digest of that row as
 *   written (`details.applicationRow`, `grantRow`, `providerRow`), so a row edited later no longer
 *   matches the latest entry about it;
 * - the head (seq, hash) is anchored on the hub chain (AuditAnchor.sol) on every grant change and
 *   at least every 10 minutes, so deleting the tail or re-hashing from any anchored entry onward no
 *   longer matches the chain;
 * - `verifyAuditLog` checks all three. Entries after the latest anchor are protected by the hash
 *   chain alone until the next anchor; the verification says how many there are.
 *
 * Entries hold no personal data: addresses, categories, hashes, reasons.
 */
import { createHash } from 'node:crypto';
import type { Queryable, Tx } from '../shared/db.ts';
import { canonicalJson } from './canonicalJson.ts';

export const AUDIT_ACTIONS = ['provider-register', 'apply', 'approve', 'reject', 'renew', 'revoke', 'reconcile'] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export type AuditDetails = Record<string, string | boolean | null>;

export type AuditEntry = {
  seq: number;
  at: Date;
  action: AuditAction;
  actor: string;
  applicationId: string | null;
  grantId: string | null;
  details: AuditDetails;
};

export type AuditRecord = AuditEntry & { prevHash: string; hash: string };

export const GENESIS_HASH = '0'.repeat(64);
const AUDIT_APPEND_LOCK_KEY = 7_351_026_115; // arbitrary, fixed: "palisade audit append"

/** Digest of a row as stored (every column, bytes as hex, times as ISO strings): what an entry covers. */
/**
 * Columns added after rows were already audited: left out of the digest while NULL, so a row recorded
 * before the column existed still matches its record (0004_application_consent.sql).
 */
const LATE_NULLABLE_COLUMNS = new Set(['grant_consent']);

export function rowDigest(row: Record<string, unknown>): string {
  const plain: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) {
    if (v === null && LATE_NULLABLE_COLUMNS.has(k)) continue;
    plain[k] = v instanceof Date ? v.toISOString() : v instanceof Uint8Array ? Buffer.from(v).toString('hex') : typeof v === 'bigint' ? v.toString() : v;
  }
  return createHash('sha256').update(canonicalJson(plain as never), 'utf8').digest('hex');
}

export function auditHash(prevHash: string, entry: AuditEntry): string {
  const body = canonicalJson({
    seq: entry.seq,
    at: entry.at.toISOString(),
    action: entry.action,
    actor: entry.actor,
    applicationId: entry.applicationId,
    grantId: entry.grantId,
    details: entry.details,
  });
  return createHash('sha256').update(prevHash + body, 'utf8').digest('hex');
}

/**
 * Appends one entry inside the caller's transaction, so the decision and its record commit
 * together. The table lock serialises appenders (each needs the previous hash); call it last in
 * the transaction so the lock is held briefly.
 */
export async function appendAudit(tx: Tx, entry: Omit<AuditEntry, 'seq'>): Promise<AuditRecord> {
  // An advisory lock rather than LOCK TABLE, which would need UPDATE rights the service's role lacks.
  await tx.query('SELECT pg_advisory_xact_lock($1)', [AUDIT_APPEND_LOCK_KEY]);
  const { rows } = await tx.query<{ seq: bigint; hash: string }>('SELECT seq, hash FROM kyc_audit_log ORDER BY seq DESC LIMIT 1');
  const seq = rows[0] ? Number(rows[0].seq) + 1 : 1;
  const prevHash = rows[0]?.hash ?? GENESIS_HASH;
  // Millisecond precision: what the hash covers must survive the round trip through timestamptz.
  const full: AuditEntry = { ...entry, seq, at: new Date(entry.at.getTime()) };
  const hash = auditHash(prevHash, full);
  await tx.query(
    `INSERT INTO kyc_audit_log (seq, at, action, actor, application_id, grant_id, details, prev_hash, hash)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
    [seq, full.at, full.action, full.actor, full.applicationId, full.grantId, JSON.stringify(full.details), prevHash, hash],
  );
  return { ...full, prevHash, hash };
}

type AuditRow = {
  seq: bigint;
  at: Date;
  action: AuditAction;
  actor: string;
  application_id: string | null;
  grant_id: string | null;
  details: AuditDetails;
  prev_hash: string;
  hash: string;
};

function fromRow(r: AuditRow): AuditRecord {
  return {
    seq: Number(r.seq),
    at: r.at,
    action: r.action,
    actor: r.actor,
    applicationId: r.application_id,
    grantId: r.grant_id,
    details: r.details,
    prevHash: r.prev_hash,
    hash: r.hash,
  };
}

export async function readAudit(db: Queryable, opts: { afterSeq?: number; limit?: number } = {}): Promise<AuditRecord[]> {
  const { rows } = await db.query<AuditRow>('SELECT * FROM kyc_audit_log WHERE seq > $1 ORDER BY seq LIMIT $2', [
    opts.afterSeq ?? 0,
    opts.limit ?? 1000,
  ]);
  return rows.map(fromRow);
}

/** One anchor read from the hub: the log held `seq` entries and the last hashed to `head`. */
export type AuditAnchorRecord = { seq: number; head: string; txHash?: string; blockNumber?: bigint };

export type AuditProblem =
  | 'sequence gap'
  | 'prev_hash does not match the previous entry'
  | 'hash does not match the entry'
  | 'entry differs from its on-chain anchor'
  | 'anchored entries are missing (tail deleted)'
  | 'row does not match its audit record'
  | 'row has no audit record'
  | 'audited row is missing';

export type AuditVerification =
  | {
      ok: true;
      entries: number;
      head: string;
      /** Highest anchored sequence (0: never anchored, or anchors not checked). */
      anchoredSeq: number;
      /** Entries after the latest anchor: protected by the hash chain alone until the next anchor. */
      unanchored: number;
      anchorsChecked: boolean;
    }
  | {
      ok: false;
      /** Entries before the broken one, all sound. */
      entries: number;
      /** The first entry that does not hold (for a row problem, the entry that last recorded the row; 0 if none). */
      brokenAt: number;
      problem: AuditProblem;
      /** The row (`application <id>`, `grant <id>`, `provider <address>`) or anchor concerned. */
      subject?: string;
    };

type Covered = { table: 'kyc_applications' | 'kyc_grants' | 'kyc_providers'; key: string; label: string; detail: 'applicationRow' | 'grantRow' | 'providerRow' };
const COVERED: Covered[] = [
  { table: 'kyc_applications', key: 'id', label: 'application', detail: 'applicationRow' },
  { table: 'kyc_grants', key: 'id', label: 'grant', detail: 'grantRow' },
  { table: 'kyc_providers', key: 'address', label: 'provider', detail: 'providerRow' },
];

/** The provider row's digest covers its reviewers too: who may decide is part of what was decided. */
export async function providerRowWithReviewers(db: Queryable, address: string): Promise<Record<string, unknown> | undefined> {
  const { rows } = await db.query('SELECT * FROM kyc_providers WHERE address = $1', [address]);
  if (!rows[0]) return undefined;
  const r = await db.query<{ reviewer: string }>('SELECT reviewer FROM kyc_reviewers WHERE provider = $1 ORDER BY reviewer', [address]);
  return { ...rows[0], reviewers: r.rows.map((x) => x.reviewer) };
}

/**
 * Walks the whole chain in order and reports the first entry that breaks it; then checks every
 * anchor read from the chain against the entries, and every application, grant and provider row
 * against the digest of the latest entry that wrote it.
 */
export async function verifyAuditLog(db: Queryable, opts: { pageSize?: number; anchors?: AuditAnchorRecord[] } = {}): Promise<AuditVerification> {
  const pageSize = opts.pageSize ?? 1000;
  const anchors = [...(opts.anchors ?? [])].sort((a, b) => a.seq - b.seq);
  const anchoredAt = new Map(anchors.map((a) => [a.seq, a.head.replace(/^0x/, '').toLowerCase()]));
  const latestDigest = new Map<string, { digest: string; seq: number }>();
  let prevHash = GENESIS_HASH;
  let expected = 1;
  for (;;) {
    const page = await readAudit(db, { afterSeq: expected - 1, limit: pageSize });
    for (const rec of page) {
      const bad = (problem: AuditProblem): AuditVerification => ({
        ok: false,
        entries: expected - 1,
        brokenAt: expected === rec.seq ? rec.seq : expected,
        problem,
      });
      if (rec.seq !== expected) return bad('sequence gap');
      if (rec.prevHash !== prevHash) return bad('prev_hash does not match the previous entry');
      if (auditHash(rec.prevHash, rec) !== rec.hash) return bad('hash does not match the entry');
      const anchored = anchoredAt.get(rec.seq);
      if (anchored !== undefined && anchored !== rec.hash) return { ...(bad('entry differs from its on-chain anchor') as object), subject: `anchor of entry ${rec.seq}` } as AuditVerification;
      for (const c of COVERED) {
        const d = rec.details[c.detail];
        const id = c.label === 'provider' ? rec.details.provider : c.label === 'application' ? rec.applicationId : rec.grantId;
        if (typeof d === 'string' && typeof id === 'string') latestDigest.set(`${c.label} ${id}`, { digest: d, seq: rec.seq });
      }
      prevHash = rec.hash;
      expected++;
    }
    if (page.length < pageSize) break;
  }
  const entries = expected - 1;
  const last = anchors.at(-1);
  if (last && last.seq > entries) {
    return { ok: false, entries, brokenAt: entries + 1, problem: 'anchored entries are missing (tail deleted)', subject: `anchor of entry ${last.seq}` };
  }
  const seen = new Set<string>();
  for (const c of COVERED) {
    const { rows } = await db.query(`SELECT ${c.key} AS k FROM ${c.table} ORDER BY ${c.key}`);
    for (const { k } of rows as Array<{ k: string }>) {
      const subject = `${c.label} ${k}`;
      seen.add(subject);
      const row = c.label === 'provider' ? await providerRowWithReviewers(db, k) : (await db.query(`SELECT * FROM ${c.table} WHERE ${c.key} = $1`, [k])).rows[0];
      const recorded = latestDigest.get(subject);
      if (!recorded) return { ok: false, entries, brokenAt: 0, problem: 'row has no audit record', subject };
      if (rowDigest(row!) !== recorded.digest) return { ok: false, entries, brokenAt: recorded.seq, problem: 'row does not match its audit record', subject };
    }
  }
  for (const [subject, r] of latestDigest) {
    if (!seen.has(subject)) return { ok: false, entries, brokenAt: r.seq, problem: 'audited row is missing', subject };
  }
  const anchoredSeq = last?.seq ?? 0;
  return { ok: true, entries, head: prevHash, anchoredSeq, unanchored: entries - anchoredSeq, anchorsChecked: opts.anchors !== undefined };
}
