import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type Db, testDatabases } from '../shared/db.ts';
import { GENESIS_HASH, appendAudit, auditHash, readAudit, verifyAuditLog } from './auditLog.ts';

vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

const entry = (i: number) => ({
  at: new Date(Date.UTC(2030, 0, 1, 0, 0, i, 123)),
  action: 'apply' as const,
  actor: `actor-${i}`,
  applicationId: `app-${i}`,
  grantId: null,
  details: { n: String(i), flag: i % 2 === 0, none: null, 'é-key': 'ü' },
});

describe.each(testDatabases())('audit log on $name', ({ open }) => {
  let db: Db;
  beforeEach(async () => {
    db = await open();
  });
  afterEach(async () => {
    await db.close();
  });

  it('starts from the genesis hash and verifies across page boundaries', async () => {
    await expect(verifyAuditLog(db)).resolves.toMatchObject({ ok: true, entries: 0, head: GENESIS_HASH, anchorsChecked: false });
    for (let i = 1; i <= 5; i++) await db.transaction((tx) => appendAudit(tx, entry(i)));
    const log = await readAudit(db);
    expect(log[0]!.prevHash).toBe(GENESIS_HASH);
    expect(log.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
    // What was hashed is what is read back: timestamps to the millisecond, jsonb key order aside.
    for (const e of log) expect(auditHash(e.prevHash, e)).toBe(e.hash);
    for (const pageSize of [1, 2, 5, 1000]) {
      await expect(verifyAuditLog(db, { pageSize })).resolves.toMatchObject({ ok: true, entries: 5, head: log[4]!.hash, anchorsChecked: false });
    }
  });

  it('detects an edit of the last entry', async () => {
    for (let i = 1; i <= 3; i++) await db.transaction((tx) => appendAudit(tx, entry(i)));
    await db.exec(`ALTER TABLE kyc_audit_log DISABLE TRIGGER kyc_audit_log_append_only;
      UPDATE kyc_audit_log SET at = at + interval '1 second' WHERE seq = 3;
      ALTER TABLE kyc_audit_log ENABLE TRIGGER kyc_audit_log_append_only;`);
    await expect(verifyAuditLog(db, { pageSize: 2 })).resolves.toEqual({
      ok: false,
      entries: 2,
      brokenAt: 3,
      problem: 'hash does not match the entry',
    });
  });

  it('keeps one chain under concurrent appenders', async () => {
    await Promise.all(Array.from({ length: 12 }, (_, i) => db.transaction((tx) => appendAudit(tx, entry(i + 1)))));
    await expect(verifyAuditLog(db)).resolves.toMatchObject({ ok: true, entries: 12 });
  });

  it('records nothing when the surrounding transaction rolls back', async () => {
    await expect(
      db.transaction(async (tx) => {
        await appendAudit(tx, entry(1));
        throw new Error('decision failed');
      }),
    ).rejects.toThrow('decision failed');
    expect(await readAudit(db)).toEqual([]);
  });
});
