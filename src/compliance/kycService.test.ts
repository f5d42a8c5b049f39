import { randomBytes } from 'node:crypto';
import type { Address, Hex } from 'viem';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type Db, type Tx, testDatabases } from '../shared/db.ts';
import { BaseError, InputError } from '../shared/errors.ts';
import { dossierHash } from './dossier.ts';
import { KycService } from './kycService.ts';
import { FakeRegistryPort } from './testing/fakeRegistryPort.ts';
import { ValidationError } from './validation.ts';

vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

const BANK = '0x1111111111111111111111111111111111111111' as Address;
const OTHER_BANK = '0x2222222222222222222222222222222222222222' as Address;
const ALICE = '0xaAaAaAaaAaAaAaaAaAAAAAAAAaaaAaAaAaaAaaAa' as Address;
const BOB = '0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbB' as Address;
const KEY = randomBytes(32).toString('hex');
const T0 = new Date('2030-01-01T00:00:00.000Z');
const DAY = 86_400_000;
const digest = (n: number) => `0x${n.toString(16).padStart(64, '0')}` as Hex;

const application = (over: Record<string, unknown> = {}) => ({
  provider: BANK,
  applicant: ALICE,
  legalName: 'Alice Example',
  subjectType: 'person' as const,
  category: 'ACCREDITED',
  jurisdiction: 'DE',
  documents: [
    { kind: 'passport', digest: digest(1) },
    { kind: 'proof-of-address', digest: digest(2) },
  ],
  ...over,
});

const TABLES = ['kyc_providers', 'kyc_key_check', 'kyc_applications', 'kyc_grants', 'kyc_audit_log'];
async function snapshot(db: Db): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  for (const t of TABLES) out[t] = (await db.query(`SELECT * FROM ${t} ORDER BY 1`)).rows;
  return out;
}

describe.each(testDatabases())('KycService on $name', ({ open }) => {
  let db: Db;
  let now: Date;
  let registry: FakeRegistryPort;
  let kyc: KycService;
  const clock = () => now;

  beforeEach(async () => {
    db = await open();
    now = T0;
    registry = new FakeRegistryPort(() => BigInt(Math.floor(now.getTime() / 1000)));
    registry.addProvider(BANK, ['DCE', 'LEND'], BigInt(Math.floor(T0.getTime() / 1000) + 5 * 365 * 86400));
    kyc = new KycService({ db, registry, encryptionKey: KEY, now: clock });
    await kyc.registerProvider({ address: BANK, name: 'Bank Y', categories: ['INSTITUTIONAL', 'ACCREDITED'], jurisdictions: ['DE', 'FR'] });
  });
  afterEach(async () => {
    await db.close();
  });

  const approved = async (over: Record<string, unknown> = {}, leaseDays = 365) => {
    const app = await kyc.apply(application(over));
    return kyc.approve({ applicationId: app.id, reviewer: 'rev@bank', leaseDays });
  };

  describe('apply', () => {
    it('files a pending application whose dossier only the key opens', async () => {
      const app = await kyc.apply(application());
      expect(app).toMatchObject({ provider: BANK, applicant: ALICE, category: 'ACCREDITED', jurisdiction: 'DE', status: 'pending' });

      const [queued] = await kyc.review(BANK);
      expect(queued!.id).toBe(app.id);
      expect(queued!.dossier).toMatchObject({ legalName: 'Alice Example', subjectType: 'person', documents: [{ kind: 'passport' }, {}] });
      expect(dossierHash(queued!.dossier)).toBe(app.dossierHash);

      const { rows } = await db.query<{ dossier_ciphertext: Uint8Array; dossier_nonce: Uint8Array; dossier_tag: Uint8Array }>(
        'SELECT dossier_ciphertext, dossier_nonce, dossier_tag FROM kyc_applications',
      );
      const raw = Buffer.from(rows[0]!.dossier_ciphertext);
      expect(raw.includes(Buffer.from('Alice'))).toBe(false);
      expect(rows[0]!.dossier_nonce.length).toBe(12);
      expect(rows[0]!.dossier_tag.length).toBe(16);
    });

    it('gives two identical dossiers different hashes (salted) and different nonces', async () => {
      const a = await kyc.apply(application());
      const b = await kyc.apply(application({ provider: BANK, applicant: BOB }));
      expect(a.dossierHash).not.toBe(b.dossierHash);
      const { rows } = await db.query<{ dossier_nonce: Uint8Array }>('SELECT dossier_nonce FROM kyc_applications');
      expect(Buffer.from(rows[0]!.dossier_nonce).equals(Buffer.from(rows[1]!.dossier_nonce))).toBe(false);
    });

    it('refuses a duplicate open application and writes nothing', async () => {
      await kyc.apply(application());
      const before = await snapshot(db);
      await expect(kyc.apply(application({ legalName: 'Alice Again' }))).rejects.toMatchObject({
        message: 'duplicate application: one is already open with this provider',
        status: 409,
      });
      expect(await snapshot(db)).toEqual(before);
    });

    it('refuses one of two simultaneous identical applications', async () => {
      const results = await Promise.allSettled([kyc.apply(application()), kyc.apply(application())]);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      const failed = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
      expect(failed.reason).toBeInstanceOf(InputError);
      expect((await kyc.listApplications()).length).toBe(1);
    });

    it('accepts a new application once the previous one was rejected', async () => {
      const first = await kyc.apply(application());
      await kyc.reject({ applicationId: first.id, reviewer: 'rev', reason: 'blurred passport scan' });
      await expect(kyc.apply(application())).resolves.toMatchObject({ status: 'pending' });
    });

    it('refuses an applicant already holding an active grant from the provider', async () => {
      await approved();
      await expect(kyc.apply(application())).rejects.toThrow(/already qualified by this provider/);
    });

    it('refuses an unknown provider and writes nothing, not even the key check', async () => {
      const before = await snapshot(db);
      const err = await kyc.apply(application({ provider: OTHER_BANK })).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(InputError);
      expect(err).toMatchObject({ message: 'unknown provider', details: OTHER_BANK });
      expect(await snapshot(db)).toEqual(before);
      expect(before.kyc_key_check).toEqual([]);
    });

    it.each([
      ['a malformed applicant address', { applicant: '0x1234' }, 'applicant'],
      ['a wrong checksum', { applicant: '0xAAAAAAAAAAaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' }, 'applicant'],
      ['a malformed provider address', { provider: 'bank-y' }, 'provider'],
      ['the zero address', { applicant: '0x0000000000000000000000000000000000000000' }, 'applicant'],
      ['an unknown category', { category: 'WHALE' }, 'category'],
      ['a made-up jurisdiction', { jurisdiction: 'XX' }, 'jurisdiction'],
      ['a region that is no country', { jurisdiction: 'EU' }, 'jurisdiction'],
      ['a three-letter jurisdiction', { jurisdiction: 'DEU' }, 'jurisdiction'],
      ['no documents', { documents: [] }, 'documents'],
      ['a short digest', { documents: [{ kind: 'passport', digest: '0x1234' }] }, 'documents.0.digest'],
      ['an empty name', { legalName: '  ' }, 'legalName'],
      ['an unknown subject type', { subjectType: 'trust' }, 'subjectType'],
      ['an unknown field', { nickname: 'al' }, ''],
    ])('refuses %s and writes nothing', async (_what, over, path) => {
      const before = await snapshot(db);
      const err = (await kyc.apply(application(over)).catch((e: unknown) => e)) as ValidationError;
      expect(err).toBeInstanceOf(ValidationError);
      expect(err.message).toBe('invalid application');
      expect(err.issues.map((i) => i.path)).toContain(path);
      expect(await snapshot(db)).toEqual(before);
    });

    it('normalises lower-case codes and addresses', async () => {
      const app = await kyc.apply(application({ applicant: ALICE.toLowerCase(), category: 'accredited', jurisdiction: 'fr' }));
      expect(app).toMatchObject({ applicant: ALICE, category: 'ACCREDITED', jurisdiction: 'FR' });
    });

    it('refuses a category or jurisdiction beyond the provider’s scope', async () => {
      const before = await snapshot(db);
      await expect(kyc.apply(application({ category: 'RETAIL' }))).rejects.toThrow('category beyond the provider’s KYC scope');
      await expect(kyc.apply(application({ jurisdiction: 'US' }))).rejects.toThrow('jurisdiction beyond the provider’s KYC scope');
      expect(await snapshot(db)).toEqual(before);
    });
  });

  describe('encryption key', () => {
    it('refuses to read or write with another key: clear error, nothing written', async () => {
      await kyc.apply(application());
      const before = await snapshot(db);
      const wrong = new KycService({ db, registry, encryptionKey: randomBytes(32), now: clock });
      await expect(wrong.apply(application({ applicant: BOB }))).rejects.toThrow('cannot decrypt dossier: wrong encryption key');
      await expect(wrong.review(BANK)).rejects.toThrow('cannot decrypt dossier: wrong encryption key');
      const [pending] = await kyc.listApplications({ status: 'pending' });
      await expect(wrong.approve({ applicationId: pending!.id, reviewer: 'rev' })).rejects.toThrow(
        'cannot decrypt dossier: wrong encryption key',
      );
      expect(registry.calls.filter((c) => c.method === 'grantClient')).toHaveLength(0);
      expect(await snapshot(db)).toEqual(before);
    });

    it('reads the dossiers back with the same key given as base64', async () => {
      await kyc.apply(application());
      const again = new KycService({ db, registry, encryptionKey: Buffer.from(KEY, 'hex').toString('base64'), now: clock });
      expect((await again.review())[0]!.dossier.legalName).toBe('Alice Example');
    });

    it('detects a dossier moved to another application row', async () => {
      const a = await kyc.apply(application());
      const b = await kyc.apply(application({ applicant: BOB }));
      await db.query(
        `UPDATE kyc_applications SET dossier_nonce = s.dossier_nonce, dossier_ciphertext = s.dossier_ciphertext, dossier_tag = s.dossier_tag
         FROM kyc_applications s WHERE s.id = $1 AND kyc_applications.id = $2`,
        [a.id, b.id],
      );
      await expect(kyc.approve({ applicationId: b.id, reviewer: 'rev' })).rejects.toThrow(/record is corrupt or was tampered with/);
      expect(registry.calls).toHaveLength(0);
    });
  });

  describe('approve', () => {
    it('sends the client grant with the dossier hash and lease, and records it', async () => {
      const app = await kyc.apply(application());
      const { application: decided, grant } = await kyc.approve({ applicationId: app.id, reviewer: 'rev@bank', leaseDays: 90 });

      const expiry = BigInt(Math.floor(T0.getTime() / 1000) + 90 * 86400);
      expect(registry.calls).toEqual([
        {
          method: 'grantClient',
          args: [{ provider: BANK, account: ALICE, category: 'ACCREDITED', jurisdiction: 'DE', dossierHash: app.dossierHash, expiry }],
        },
      ]);
      expect(decided).toMatchObject({ status: 'approved', reviewer: 'rev@bank', decidedAt: T0 });
      expect(grant).toMatchObject({
        applicationId: app.id,
        account: ALICE,
        status: 'active',
        dossierHash: app.dossierHash,
        expiresAt: new Date(T0.getTime() + 90 * DAY),
      });
      expect(grant.id).toMatch(/^0x[0-9a-f]{64}$/);
      expect(await kyc.listGrants({ account: ALICE })).toEqual([grant]);
      await expect(kyc.check(ALICE, 'DCE')).resolves.toEqual({ address: ALICE, service: 'DCE', qualified: true, reason: 'qualified' });
    });

    it('leaves the database unchanged when the chain call fails', async () => {
      const app = await kyc.apply(application());
      const before = await snapshot(db);
      registry.failNext = new BaseError('execution reverted: GrantBeyondScope');
      const err = await kyc.approve({ applicationId: app.id, reviewer: 'rev' }).catch((e: unknown) => e);
      expect(err).toMatchObject({ message: 'registry grantClient failed', details: 'execution reverted: GrantBeyondScope', status: 502 });
      expect(await snapshot(db)).toEqual(before);
      // and the same approval goes through once the chain accepts it
      await expect(kyc.approve({ applicationId: app.id, reviewer: 'rev' })).resolves.toBeTruthy();
    });

    it('revokes the mined grant again when recording it fails', async () => {
      const app = await kyc.apply(application());
      const before = await snapshot(db);
      const failing: Db = {
        ...db,
        transaction: (fn) =>
          db.transaction((tx) =>
            fn({
              ...tx,
              query: (sql, params) => (sql.includes('INSERT INTO kyc_grants') ? Promise.reject(new Error('disk full')) : tx.query(sql, params)),
            } as Tx),
          ),
      };
      const flaky = new KycService({ db: failing, registry, encryptionKey: KEY, now: clock });
      await expect(flaky.approve({ applicationId: app.id, reviewer: 'rev' })).rejects.toThrow('disk full');
      expect(registry.calls.map((c) => c.method)).toEqual(['grantClient', 'revoke']);
      expect([...registry.grants.values()].every((g) => g.revoked)).toBe(true);
      expect(await snapshot(db)).toEqual(before);
    });

    it('refuses an unknown id, a decided application, and a lease in the past', async () => {
      await expect(kyc.approve({ applicationId: '00000000-0000-4000-8000-000000000000', reviewer: 'r' })).rejects.toMatchObject({
        message: 'application not found',
        status: 404,
      });
      await expect(kyc.approve({ applicationId: 'not-a-uuid', reviewer: 'r' })).rejects.toBeInstanceOf(ValidationError);
      const app = await kyc.apply(application());
      await expect(kyc.approve({ applicationId: app.id, reviewer: 'r', expiresAt: new Date(T0.getTime() - 1000) })).rejects.toThrow(
        'lease end must be in the future',
      );
      await expect(kyc.approve({ applicationId: app.id, reviewer: 'r', leaseDays: 10, expiresAt: new Date() })).rejects.toThrow(
        'invalid approval',
      );
      await kyc.reject({ applicationId: app.id, reviewer: 'r', reason: 'sanctions list hit' });
      await expect(kyc.approve({ applicationId: app.id, reviewer: 'r' })).rejects.toMatchObject({ message: 'application already rejected', status: 409 });
      expect(registry.calls).toHaveLength(0);
    });
  });

  describe('reject', () => {
    it('records the reason and refuses a second decision', async () => {
      const app = await kyc.apply(application());
      now = new Date(T0.getTime() + 3600_000);
      const r = await kyc.reject({ applicationId: app.id, reviewer: 'rev', reason: 'document expired' });
      expect(r).toMatchObject({ status: 'rejected', reason: 'document expired', reviewer: 'rev', decidedAt: now });
      await expect(kyc.reject({ applicationId: app.id, reviewer: 'rev', reason: 'again' })).rejects.toThrow('application already rejected');
      await expect(kyc.reject({ applicationId: app.id, reviewer: 'rev', reason: '' })).rejects.toThrow('invalid rejection');
      expect(await kyc.review(BANK)).toEqual([]);
      expect(registry.calls).toHaveLength(0);
    });
  });

  describe('renew and revoke', () => {
    it('renews from the current lease end and tells the chain', async () => {
      const { grant } = await approved({}, 30);
      now = new Date(T0.getTime() + 20 * DAY);
      const renewed = await kyc.renew({ grantId: grant.id, actor: 'rev', leaseDays: 365 });
      const end = new Date(T0.getTime() + (30 + 365) * DAY);
      expect(renewed).toMatchObject({ expiresAt: end, renewedAt: now, status: 'active' });
      expect(registry.calls.at(-1)).toEqual({ method: 'renew', args: [grant.id, BigInt(end.getTime() / 1000)] });
      expect(renewed.lastTx).not.toBe(grant.grantTx);
    });

    it('refuses a renewal that does not extend the lease, and one whose chain call fails, writing nothing', async () => {
      const { grant } = await approved({}, 30);
      const before = await snapshot(db);
      await expect(kyc.renew({ grantId: grant.id, actor: 'rev', expiresAt: new Date(T0.getTime() + 10 * DAY) })).rejects.toThrow(
        'renewal must extend the lease',
      );
      registry.failNext = new Error('nonce too low');
      await expect(kyc.renew({ grantId: grant.id, actor: 'rev', leaseDays: 10 })).rejects.toThrow('registry renew failed');
      expect(await snapshot(db)).toEqual(before);
    });

    it('revokes: the account is disqualified, a second revoke and a renewal are refused', async () => {
      const { grant } = await approved();
      now = new Date(T0.getTime() + DAY);
      const revoked = await kyc.revoke({ grantId: grant.id, actor: 'compliance officer', reason: 'fraud alert' });
      expect(revoked).toMatchObject({ status: 'revoked', revokedAt: now, revokeReason: 'fraud alert' });
      await expect(kyc.check(ALICE, 'DCE')).resolves.toMatchObject({ qualified: false, reason: 'revoked' });
      await expect(kyc.revoke({ grantId: grant.id, actor: 'x', reason: 'y' })).rejects.toThrow('grant already revoked');
      await expect(kyc.renew({ grantId: grant.id, actor: 'x', leaseDays: 30 })).rejects.toThrow(/grant is revoked/);
      // a revoked client may apply again
      await expect(kyc.apply(application())).resolves.toMatchObject({ status: 'pending' });
    });

    it('leaves the database unchanged when the revoke transaction fails', async () => {
      const { grant } = await approved();
      const before = await snapshot(db);
      registry.failNext = new BaseError('rpc timeout', { retryable: true });
      const err = await kyc.revoke({ grantId: grant.id, actor: 'x', reason: 'y' }).catch((e: unknown) => e);
      expect(err).toMatchObject({ message: 'registry revoke failed', retryable: true });
      expect(await snapshot(db)).toEqual(before);
    });

    it('refuses an unknown or malformed grant id', async () => {
      await expect(kyc.revoke({ grantId: `0x${'ab'.repeat(32)}`, actor: 'x', reason: 'y' })).rejects.toMatchObject({ status: 404 });
      await expect(kyc.revoke({ grantId: '0xab', actor: 'x', reason: 'y' })).rejects.toBeInstanceOf(ValidationError);
    });
  });

  describe('expiring', () => {
    it('lists active leases ending within N days, soonest first, with lapsed ones flagged', async () => {
      const a = await approved({}, 10);
      const b = await approved({ applicant: BOB }, 40);
      await approved({ applicant: '0xcccccccccccccccccccccccccccccccccccccccc' }, 400);
      expect((await kyc.expiring(30)).map((l) => l.id)).toEqual([a.grant.id]);
      expect((await kyc.expiring('45')).map((l) => [l.id, l.daysLeft])).toEqual([
        [a.grant.id, 10],
        [b.grant.id, 40],
      ]);
      now = new Date(T0.getTime() + 15 * DAY);
      const later = await kyc.expiring(30);
      expect(later.map((l) => [l.id, l.expired, l.daysLeft])).toEqual([
        [a.grant.id, true, 0],
        [b.grant.id, false, 25],
      ]);
      await kyc.revoke({ grantId: b.grant.id, actor: 'x', reason: 'closed account' });
      expect((await kyc.expiring(30)).map((l) => l.id)).toEqual([a.grant.id]);
      await expect(kyc.expiring(-1)).rejects.toThrow('invalid number of days');
      await expect(kyc.expiring('soon')).rejects.toThrow('invalid number of days');
    });
  });

  describe('check', () => {
    it('says why an account is not qualified', async () => {
      await approved();
      await expect(kyc.check(BOB, 'DCE')).resolves.toMatchObject({ qualified: false, reason: 'no grant' });
      await expect(kyc.check(ALICE, 'dcs')).resolves.toMatchObject({ service: 'DCS', qualified: false, reason: 'out of scope' });
      now = new Date(T0.getTime() + 400 * DAY);
      await expect(kyc.check(ALICE, 'DCE')).resolves.toMatchObject({ qualified: false, reason: 'expired' });
      now = T0;
      registry.revokeProvider(BANK);
      await expect(kyc.check(ALICE, 'DCE')).resolves.toMatchObject({ qualified: false, reason: 'revoked ancestor' });
      await expect(kyc.check('0x12', 'DCE')).rejects.toThrow('invalid address');
      await expect(kyc.check(ALICE, 'SWAP')).rejects.toThrow('invalid service');
    });
  });

  describe('audit log', () => {
    it('chains every decision and verifies', async () => {
      const { grant } = await approved();
      const rej = await kyc.apply(application({ applicant: BOB }));
      await kyc.reject({ applicationId: rej.id, reviewer: 'rev', reason: 'incomplete' });
      await kyc.renew({ grantId: grant.id, actor: 'rev', leaseDays: 30 });
      await kyc.revoke({ grantId: grant.id, actor: 'rev', reason: 'moved abroad' });
      const log = await kyc.auditLog();
      expect(log.map((e) => e.action)).toEqual(['provider-register', 'apply', 'approve', 'apply', 'reject', 'renew', 'revoke']);
      expect(log[1]!.prevHash).toBe(log[0]!.hash);
      expect(JSON.stringify(log)).not.toContain('Alice Example');
      await expect(kyc.verifyAuditLog()).resolves.toEqual({ ok: true, entries: 7, head: log[6]!.hash });
    });

    it('refuses edits through SQL and detects them when made by a privileged hand', async () => {
      await approved();
      await kyc.apply(application({ applicant: BOB }));
      await expect(db.query(`UPDATE kyc_audit_log SET actor = 'mallory' WHERE seq = 2`)).rejects.toThrow(/append-only/);

      await db.exec(`ALTER TABLE kyc_audit_log DISABLE TRIGGER kyc_audit_log_append_only`);
      await db.query(`UPDATE kyc_audit_log SET details = jsonb_set(details, '{category}', '"INSTITUTIONAL"') WHERE seq = 2`);
      await expect(kyc.verifyAuditLog()).resolves.toEqual({ ok: false, entries: 1, brokenAt: 2, problem: 'hash does not match the entry' });

      // Recomputing that entry's hash does not help: the next entry still points at the old one.
      const [e2] = await kyc.auditLog({ afterSeq: 1, limit: 1 });
      const { auditHash } = await import('./auditLog.ts');
      await db.query('UPDATE kyc_audit_log SET hash = $1 WHERE seq = 2', [auditHash(e2!.prevHash, e2!)]);
      await expect(kyc.verifyAuditLog()).resolves.toMatchObject({ ok: false, brokenAt: 3, problem: 'prev_hash does not match the previous entry' });

      await db.query('DELETE FROM kyc_audit_log WHERE seq = 2');
      await expect(kyc.verifyAuditLog()).resolves.toMatchObject({ ok: false, entries: 1, brokenAt: 2, problem: 'sequence gap' });
      await db.exec(`ALTER TABLE kyc_audit_log ENABLE TRIGGER kyc_audit_log_append_only`);
    });
  });

  describe('providers', () => {
    it('registers and updates a provider, refusing bad input', async () => {
      await kyc.registerProvider({ address: OTHER_BANK, name: 'Bank Z', categories: ['retail'], jurisdictions: ['gb'] });
      await kyc.registerProvider({ address: OTHER_BANK, name: 'Bank Z plc', categories: ['RETAIL', 'ACCREDITED'] });
      const list = await kyc.listProviders();
      expect(list.map((p) => [p.name, p.categories, p.jurisdictions])).toEqual([
        ['Bank Y', ['INSTITUTIONAL', 'ACCREDITED'], ['DE', 'FR']],
        ['Bank Z plc', ['RETAIL', 'ACCREDITED'], []],
      ]);
      await expect(kyc.registerProvider({ address: '0x0', name: 'x', categories: ['RETAIL'] })).rejects.toThrow('invalid provider');
      await expect(kyc.registerProvider({ address: OTHER_BANK, name: 'x', categories: [] })).rejects.toThrow('invalid provider');
    });
  });
});
