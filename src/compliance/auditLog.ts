/**
 * The KYC audit log: every decision (apply, approve, reject, renew, revoke, provider registration)
 * appended to `kyc_audit_log`, hash-chained so that any later edit shows:
 *
 *   hash = sha256(utf8(prev_hash + canonicalJson({ seq, at, action, actor, applicationId, grantId, details })))
 *
 * with `at` as an ISO-8601 string (milliseconds) and prev_hash of the first entry 64 zeros. The
 * table refuses UPDATE, DELETE and TRUNCATE (trigger in migration 0001); the chain catches what a
 * privileged hand does anyway. Entries hold no personal data: addresses, categories, hashes, reasons.
 */
import { createHash } from 'node:crypto';
import type { Queryable, Tx } from '../shared/db.ts';
import { canonicalJson } from './canonicalJson.ts';

export const AUDIT_ACTIONS = ['provider-register', 'apply', 'approve', 'reject', 'renew', 'revoke'] as const;
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
  await tx.query('LOCK TABLE kyc_audit_log IN SHARE ROW EXCLUSIVE MODE');
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

export type AuditVerification =
  | { ok: true; entries: number; head: string }
  | {
      ok: false;
      /** Entries before the broken one, all sound. */
      entries: number;
      /** The first entry that does not hold. */
      brokenAt: number;
      problem: 'sequence gap' | 'prev_hash does not match the previous entry' | 'hash does not match the entry';
    };

/** Walks the whole chain in order and reports the first entry that breaks it. */
export async function verifyAuditLog(db: Queryable, opts: { pageSize?: number } = {}): Promise<AuditVerification> {
  const pageSize = opts.pageSize ?? 1000;
  let prevHash = GENESIS_HASH;
  let expected = 1;
  for (;;) {
    const page = await readAudit(db, { afterSeq: expected - 1, limit: pageSize });
    for (const rec of page) {
      const bad = (problem: Extract<AuditVerification, { ok: false }>['problem']): AuditVerification => ({
        ok: false,
        entries: expected - 1,
        brokenAt: expected === rec.seq ? rec.seq : expected,
        problem,
      });
      if (rec.seq !== expected) return bad('sequence gap');
      if (rec.prevHash !== prevHash) return bad('prev_hash does not match the previous entry');
      if (auditHash(rec.prevHash, rec) !== rec.hash) return bad('hash does not match the entry');
      prevHash = rec.hash;
      expected++;
    }
    if (page.length < pageSize) return { ok: true, entries: expected - 1, head: prevHash };
  }
}
