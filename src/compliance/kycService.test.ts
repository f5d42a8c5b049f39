import { randomBytes } from 'node:crypto';
import type { Address, Hex } from 'viem';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type Db, type Tx, testDatabases } from '../shared/db.ts';
import { BaseError, InputError } from '../shared/errors.ts';
import { AuditAnchorer } from './auditAnchor.ts';
import { auditHash, rowDigest } from './auditLog.ts';
import { signGrantConsent } from '../chain/grantConsent.ts';
import { dossierHash } from './dossier.ts';
import { KycService } from './kycService.ts';
import { type Reviewer, ReviewerAuth } from './reviewerAuth.ts';
import { FakeRegistryPort } from './testing/fakeRegistryPort.ts';
import { FakeAuditAnchor, TEST_DEPLOYMENT, keyOf, signedApplication, signedRegistration } from './testing/kycTestKit.ts';
import { ValidationError } from './validation.ts';
import { logger } from '../shared/logger.ts';

vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

const bankKey = keyOf('bank');
const otherBankKey = keyOf('other bank');
const aliceKey = keyOf('alice');
const bobKey = keyOf('bob');
const carolKey = keyOf('carol');
const BANK = bankKey.address;
const OTHER_BANK = otherBankKey.address;
const ALICE = aliceKey.address;
const BOB = bobKey.address;
const REVIEWER: Reviewer = { address: keyOf('reviewer').address, provider: BANK };
const OTHER_REVIEWER: Reviewer = { address: keyOf('other reviewer').address, provider: OTHER_BANK };
const KEY = randomBytes(32).toString('hex');
const T0 = new Date('2030-01-01T00:00:00.000Z');
const T0S = Math.floor(T0.getTime() / 1000);
const DAY = 86_400_000;
const digest = (n: number) => `0x${n.toString(16).padStart(64, '0')}` as Hex;

const fields = (over: Record<string, unknown> = {}) => ({
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
const keyFor = (applicant: string) => [aliceKey, bobKey, carolKey].find((k) => k.address.toLowerCase() === String(applicant).toLowerCase()) ?? aliceKey;

const TABLES = ['kyc_providers', 'kyc_reviewers', 'kyc_key_check', 'kyc_applications', 'kyc_grants', 'kyc_audit_log', 'kyc_deployment'];
async function snapshot(db: Db): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  for (const t of TABLES) out[t] = (await db.query(`SELECT * FROM ${t} ORDER BY 1`)).rows;
  return out;
}

describe.each(testDatabases())('KycService on $name', ({ open }) => {
  let db: Db;
  let now: Date;
  let registry: FakeRegistryPort;
  let anchors: FakeAuditAnchor;
  let anchorer: AuditAnchorer;
  let kyc: KycService;
  const clock = () => now;
  const service = (o: Partial<ConstructorParameters<typeof KycService>[0]> = {}) =>
    new KycService({ db, registry, encryptionKey: KEY, deployment: TEST_DEPLOYMENT, anchors, anchorNow: () => anchorer.anchorNow(), now: clock, ...o });
  const sign = (over: Record<string, unknown> = {}, signer = keyFor((over.applicant as string) ?? ALICE)) =>
    signedApplication(signer, fields(over), { issuedAt: Math.floor(now.getTime() / 1000) });
  const apply = async (over: Record<string, unknown> = {}) => kyc.apply(await sign(over));

  beforeEach(async () => {
    db = await open();
    now = T0;
    registry = new FakeRegistryPort(() => BigInt(Math.floor(now.getTime() / 1000)));
    registry.addProvider(BANK, ['DCE', 'LEND'], BigInt(T0S + 5 * 365 * 86400));
    registry.addProvider(OTHER_BANK, ['DCE'], BigInt(T0S + 5 * 365 * 86400));
    anchors = new FakeAuditAnchor();
    anchorer = new AuditAnchorer({ db, port: anchors, logger });
    kyc = service();
    await kyc.registerProvider(
      await signedRegistration(bankKey, { name: 'Bank Y', categories: ['INSTITUTIONAL', 'ACCREDITED'], jurisdictions: ['DE', 'FR'], reviewers: [REVIEWER.address] }, { issuedAt: T0S }),
    );
    await kyc.registerProvider(await signedRegistration(otherBankKey, { name: 'Bank Z', categories: ['ACCREDITED'], reviewers: [OTHER_REVIEWER.address] }, { issuedAt: T0S }));
  });
  afterEach(async () => {
    await db.close();
  });

  const approved = async (over: Record<string, unknown> = {}, leaseDays = 365) => {
    const app = await apply(over);
    return kyc.approve(REVIEWER, { applicationId: app.id, leaseDays });
  };

  describe('apply', () => {
    it('files a pending application whose dossier only the key opens', async () => {
      const app = await apply();
      expect(app).toMatchObject({ provider: BANK, applicant: ALICE, category: 'ACCREDITED', jurisdiction: 'DE', status: 'pending' });

      const [queued] = await kyc.review(REVIEWER);
      expect(queued!.id).toBe(app.id);
      expect(queued!.dossier).toMatchObject({ legalName: 'Alice Example', subjectType: 'person', documents: [{ kind: 'passport' }, {}] });
      expect(dossierHash(queued!.dossier!)).toBe(app.dossierHash);

      const { rows } = await db.query<{ dossier_ciphertext: Uint8Array; dossier_nonce: Uint8Array; dossier_tag: Uint8Array }>(
        'SELECT dossier_ciphertext, dossier_nonce, dossier_tag FROM kyc_applications',
      );
      const raw = Buffer.from(rows[0]!.dossier_ciphertext);
      expect(raw.includes(Buffer.from('Alice'))).toBe(false);
      expect(rows[0]!.dossier_nonce.length).toBe(12);
      expect(rows[0]!.dossier_tag.length).toBe(16);
    });

    it('refuses an unsigned application, one signed by another key, one signed for other fields, a stale one, a replay: 400/409 and nothing stored', async () => {
      const before = await snapshot(db);
      const good = await sign();
      const { signature: _s, ...unsigned } = good;
      const cases: Array<[string, Record<string, unknown>, string]> = [
        ['unsigned', unsigned, 'invalid application'],
        ['signed by bob for alice', await sign({}, bobKey), 'application not signed by the applicant'],
        ['fields changed after signing', { ...good, legalName: 'Mallory' }, 'application not signed by the applicant'],
        ['garbage signature', { ...good, signature: `0x${'ab'.repeat(65)}` }, 'invalid application signature'],
        ['signed for another chain', await signedApplication(aliceKey, fields(), { issuedAt: T0S, chainId: 1 }), 'application not signed by the applicant'],
        ['signed two days ago', await signedApplication(aliceKey, fields(), { issuedAt: T0S - 2 * 86400 }), 'application is too old: sign it again'],
        ['issuedAt as a string', { ...good, issuedAt: String(T0S) }, 'invalid application'],
      ];
      for (const [what, body, message] of cases) {
        const err = await kyc.apply(body).catch((e: unknown) => e);
        expect(err, what).toBeInstanceOf(InputError);
        expect((err as InputError).status, what).toBe(400);
        expect((err as Error).message, what).toBe(message);
      }
      expect(await snapshot(db)).toEqual(before);

      await kyc.apply(good);
      const r = await kyc.review(REVIEWER);
      await kyc.reject(REVIEWER, { applicationId: r[0]!.id, reason: 'blurred scan' });
      // the same signed request cannot be filed twice (not even after the first was decided)
      await expect(kyc.apply(good)).rejects.toMatchObject({ status: 409, message: 'this signed application was already filed: sign a new one' });
    });

    it('gives two identical dossiers different hashes (salted) and different nonces', async () => {
      const a = await apply();
      const b = await apply({ applicant: BOB });
      expect(a.dossierHash).not.toBe(b.dossierHash);
      const { rows } = await db.query<{ dossier_nonce: Uint8Array }>('SELECT dossier_nonce FROM kyc_applications');
      expect(Buffer.from(rows[0]!.dossier_nonce).equals(Buffer.from(rows[1]!.dossier_nonce))).toBe(false);
    });

    it('refuses a duplicate open application and writes nothing', async () => {
      await apply();
      const before = await snapshot(db);
      await expect(apply({ legalName: 'Alice Again' })).rejects.toMatchObject({
        message: 'duplicate application: one is already open with this provider',
        status: 409,
      });
      expect(await snapshot(db)).toEqual(before);
    });

    it('refuses one of two simultaneous identical applications', async () => {
      const [x, y] = [await sign(), await sign({ legalName: 'Alice B. Example' })];
      const results = await Promise.allSettled([kyc.apply(x), kyc.apply(y)]);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      const failed = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
      expect(failed.reason).toBeInstanceOf(InputError);
      expect((await kyc.listApplications(REVIEWER)).length).toBe(1);
    });

    it('refuses an applicant already holding an active grant from the provider', async () => {
      await approved();
      await expect(apply({ legalName: 'Alice again' })).rejects.toThrow(/already qualified by this provider/);
    });

    it('refuses an unknown provider and writes nothing', async () => {
      const before = await snapshot(db);
      const stranger = keyOf('stranger').address;
      const err = await apply({ provider: stranger }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(InputError);
      expect(err).toMatchObject({ message: 'unknown provider', details: stranger });
      expect(await snapshot(db)).toEqual(before);
    });

    it.each([
      ['a malformed applicant address', { applicant: '0x1234' }, 'applicant'],
      ['a malformed provider address', { provider: 'bank-y' }, 'provider'],
      ['the zero address', { applicant: '0x0000000000000000000000000000000000000000' }, 'applicant'],
      ['an unknown category', { category: 'WHALE' }, 'category'],
      ['a made-up jurisdiction', { jurisdiction: 'XX' }, 'jurisdiction'],
      ['no documents', { documents: [] }, 'documents'],
      ['a short digest', { documents: [{ kind: 'passport', digest: '0x1234' }] }, 'documents.0.digest'],
      ['an empty name', { legalName: '  ' }, 'legalName'],
      ['a NUL byte in the name', { legalName: 'Alice\u0000Example' }, 'legalName'],
      ['an unknown subject type', { subjectType: 'trust' }, 'subjectType'],
      ['an unknown field', { nickname: 'al' }, ''],
    ])('refuses %s and writes nothing', async (_what, over, path) => {
      const before = await snapshot(db);
      const err = (await kyc.apply(await sign(over)).catch((e: unknown) => e)) as ValidationError;
      expect(err).toBeInstanceOf(ValidationError);
      expect(err.message).toBe('invalid application');
      expect(err.issues.map((i) => i.path)).toContain(path);
      expect(await snapshot(db)).toEqual(before);
    });

    it('refuses a category or jurisdiction beyond the provider’s scope', async () => {
      const before = await snapshot(db);
      await expect(apply({ category: 'RETAIL' })).rejects.toThrow('category beyond the provider’s KYC scope');
      await expect(apply({ jurisdiction: 'US' })).rejects.toThrow('jurisdiction beyond the provider’s KYC scope');
      expect(await snapshot(db)).toEqual(before);
    });
  });

  describe('grant consent filed with the application', () => {
    const consentOf = (signer = aliceKey, o: { grantor?: Address; nonce?: bigint; deadline?: number } = {}) => {
      const deadline = o.deadline ?? T0S + 30 * 86400;
      const nonce = o.nonce ?? 0n;
      return signGrantConsent(signer, TEST_DEPLOYMENT.registry, TEST_DEPLOYMENT.chainId, { grantee: ALICE, grantor: o.grantor ?? BANK, nonce, deadline: BigInt(deadline) }).then(
        (signature) => ({ nonce: nonce.toString(), deadline, signature }),
      );
    };

    it('stores a consent the applicant signed for this provider and relays it at approval; the audit log verifies', async () => {
      const consent = await consentOf();
      const app = await kyc.apply({ ...(await sign()), consent });
      const { rows } = await db.query<{ grant_consent: unknown }>('SELECT grant_consent FROM kyc_applications WHERE id = $1', [app.id]);
      expect(rows[0]!.grant_consent).toEqual({ nonce: '0', deadline: String(consent.deadline), signature: consent.signature.toLowerCase() });
      await kyc.approve(REVIEWER, { applicationId: app.id, leaseDays: 30 });
      const call = registry.calls.find((c) => c.method === 'grantClient')!;
      expect(call.args[0]).toMatchObject({ account: ALICE, provider: BANK, consent: { deadline: BigInt(consent.deadline), signature: consent.signature.toLowerCase() } });
      expect(await kyc.verifyAuditLog()).toMatchObject({ ok: true });
    });

    it('refuses a consent signed by another key, for another provider, expired, or malformed: 400 and nothing stored', async () => {
      const before = await snapshot(db);
      const good = await sign();
      const cases: Array<[string, unknown, string]> = [
        ['signed by bob', await consentOf(bobKey), 'grant consent not signed by the applicant for this provider'],
        ['for another provider', await consentOf(aliceKey, { grantor: OTHER_BANK }), 'grant consent not signed by the applicant for this provider'],
        ['nonce changed after signing', { ...(await consentOf()), nonce: '1' }, 'grant consent not signed by the applicant for this provider'],
        ['expired', await consentOf(aliceKey, { deadline: T0S - 1 }), 'grant consent expired'],
        ['garbage signature', { ...(await consentOf()), signature: `0x${'ab'.repeat(65)}` }, 'invalid grant consent signature'],
        ['deadline as a string', { ...(await consentOf()), deadline: String(T0S + 3600) }, 'invalid application'],
      ];
      for (const [what, consent, message] of cases) {
        const err = await kyc.apply({ ...good, consent }).catch((e: unknown) => e);
        expect(err, what).toBeInstanceOf(InputError);
        expect((err as InputError).status, what).toBe(400);
        expect((err as Error).message, what).toBe(message);
      }
      expect(await snapshot(db)).toEqual(before);
      expect(registry.calls).toEqual([]);
    });

    it('an application without a consent stores NULL and its row digest is the one without the column', async () => {
      const app = await apply();
      const { rows } = await db.query<Record<string, unknown>>('SELECT * FROM kyc_applications WHERE id = $1', [app.id]);
      expect(rows[0]!.grant_consent).toBeNull();
      const { grant_consent: _c, ...withoutColumn } = rows[0]!;
      expect(rowDigest(rows[0]!)).toBe(rowDigest(withoutColumn));
      expect(await kyc.verifyAuditLog()).toMatchObject({ ok: true });
    });
  });

  describe('reviewers act for their own provider only', () => {
    it('another provider’s reviewer gets 403 on every read and decision, and nothing changes', async () => {
      const { grant } = await approved();
      const pending = await apply({ applicant: BOB });
      const before = await snapshot(db);
      const calls = registry.calls.length;
      const attempts: Array<[string, () => Promise<unknown>]> = [
        ['approve', () => kyc.approve(OTHER_REVIEWER, { applicationId: pending.id })],
        ['reject', () => kyc.reject(OTHER_REVIEWER, { applicationId: pending.id, reason: 'x' })],
        ['renew', () => kyc.renew(OTHER_REVIEWER, { grantId: grant.id, leaseDays: 10 })],
        ['revoke', () => kyc.revoke(OTHER_REVIEWER, { grantId: grant.id, reason: 'x' })],
        ['read', () => kyc.getApplication(OTHER_REVIEWER, pending.id, { withDossier: true })],
        ['list another provider', () => kyc.listApplications(OTHER_REVIEWER, { provider: BANK })],
        ['grants of another provider', () => kyc.listGrants(OTHER_REVIEWER, { provider: BANK })],
      ];
      for (const [what, attempt] of attempts) await expect(attempt(), what).rejects.toMatchObject({ status: 403 });
      expect(await kyc.review(OTHER_REVIEWER)).toEqual([]);
      expect(await kyc.listApplications(OTHER_REVIEWER)).toEqual([]);
      expect(await kyc.expiring(OTHER_REVIEWER, 1000)).toEqual([]);
      expect(registry.calls.length).toBe(calls);
      expect(await snapshot(db)).toEqual(before);
    });

    it('records the authenticated reviewer as the actor', async () => {
      const { application } = await approved();
      expect(application.reviewer).toBe(REVIEWER.address);
      const log = await kyc.auditLog();
      expect(log.find((e) => e.action === 'approve')!.actor).toBe(REVIEWER.address);
    });
  });

  describe('encryption key and deployment', () => {
    it('refuses to read or write with another key: clear error, nothing written', async () => {
      await apply();
      const before = await snapshot(db);
      const wrong = service({ encryptionKey: randomBytes(32) });
      await expect(wrong.apply(await sign({ applicant: BOB }))).rejects.toThrow('cannot decrypt dossier: wrong encryption key');
      await expect(wrong.review(REVIEWER)).rejects.toThrow('cannot decrypt dossier: wrong encryption key');
      const [pending] = await kyc.listApplications(REVIEWER, { status: 'pending' });
      await expect(wrong.approve(REVIEWER, { applicationId: pending!.id })).rejects.toThrow('cannot decrypt dossier: wrong encryption key');
      expect(registry.calls.filter((c) => c.method === 'grantClient')).toHaveLength(0);
      expect(await snapshot(db)).toEqual(before);
    });

    it('refuses a database bound to another deployment, naming both', async () => {
      await apply();
      const before = await snapshot(db);
      const restarted = service({ deployment: { ...TEST_DEPLOYMENT, blockHash: `0x${'22'.repeat(32)}` } });
      const err = await restarted.approve(REVIEWER, { applicationId: (await kyc.listApplications(REVIEWER))[0]!.id }).catch((e: unknown) => e);
      expect(err).toMatchObject({ message: 'this KYC database belongs to another chain deployment', code: 'WRONG_DEPLOYMENT' });
      expect((err as BaseError).details).toMatch(/records chain 31337, registry 0x5FbDB2315678afecb367f032d93F642f64180aa3, deployed at block 42 \(0x11111111…\); the manifest names chain 31337.*0x22222222/);
      expect(registry.calls).toHaveLength(0);
      expect(await snapshot(db)).toEqual(before);
    });

    it('one corrupt dossier fails only its own entry in the queue', async () => {
      const a = await apply();
      const b = await apply({ applicant: BOB });
      await db.exec(`ALTER TABLE kyc_applications DISABLE TRIGGER ALL`).catch(() => undefined);
      await db.query(`UPDATE kyc_applications SET dossier_tag = $2 WHERE id = $1`, [a.id, new Uint8Array(16)]);
      const queue = await kyc.review(REVIEWER);
      // both filed at the same instant: the queue orders them by id then
      const bad = queue.find((q) => q.id === a.id)!;
      const good = queue.find((q) => q.id === b.id)!;
      expect(queue).toHaveLength(2);
      expect(bad.dossier).toBeNull();
      expect(bad.dossierError).toMatch(/record is corrupt or was tampered with/);
      expect(good.dossier!.legalName).toBe('Alice Example');
      await expect(kyc.approve(REVIEWER, { applicationId: a.id })).rejects.toThrow(/record is corrupt or was tampered with/);
      expect(registry.calls).toHaveLength(0);
    });
  });

  describe('approve', () => {
    it('sends the client grant with the dossier hash and lease, records it and anchors the head', async () => {
      const app = await apply();
      const { application: decided, grant } = await kyc.approve(REVIEWER, { applicationId: app.id, leaseDays: 90 });
      const expiry = BigInt(T0S + 90 * 86400);
      expect(registry.calls).toEqual([
        { method: 'grantClient', args: [{ provider: BANK, account: ALICE, category: 'ACCREDITED', jurisdiction: 'DE', dossierHash: app.dossierHash, expiry }] },
      ]);
      expect(decided).toMatchObject({ status: 'approved', reviewer: REVIEWER.address, decidedAt: T0 });
      expect(grant).toMatchObject({ applicationId: app.id, account: ALICE, status: 'active', dossierHash: app.dossierHash, expiresAt: new Date(T0.getTime() + 90 * DAY) });
      expect(await kyc.listGrants(REVIEWER, { account: ALICE })).toEqual([grant]);
      const log = await kyc.auditLog();
      expect(anchors.records.at(-1)).toEqual({ seq: log.length, head: log.at(-1)!.hash });
      await expect(kyc.check(ALICE, 'DCE')).resolves.toEqual({ address: ALICE, service: 'DCE', qualified: true, reason: 'qualified' });
    });

    it('leaves the database unchanged when the chain call fails', async () => {
      const app = await apply();
      const before = await snapshot(db);
      registry.failNext = new BaseError('execution reverted: GrantBeyondScope');
      const err = await kyc.approve(REVIEWER, { applicationId: app.id }).catch((e: unknown) => e);
      expect(err).toMatchObject({ message: 'registry grantClient failed', details: 'execution reverted: GrantBeyondScope', status: 502 });
      expect(await snapshot(db)).toEqual(before);
      await expect(kyc.approve(REVIEWER, { applicationId: app.id })).resolves.toBeTruthy();
    });

    it('records a mined grant from the chain when recording it fails (never revokes it)', async () => {
      const app = await apply();
      const failing: Db = {
        ...db,
        transaction: (fn) =>
          db.transaction((tx) =>
            fn({ ...tx, query: (sql, params) => (sql.includes('INSERT INTO kyc_grants') && !sql.includes('revoked_at') ? Promise.reject(new Error('disk full')) : tx.query(sql, params)) } as Tx),
          ),
      };
      const flaky = service({ db: failing });
      await expect(flaky.approve(REVIEWER, { applicationId: app.id })).rejects.toMatchObject({ code: 'RECONCILED', details: expect.stringMatching(/disk full/) });
      expect(registry.calls.map((c) => c.method)).toEqual(['grantClient']);
      const [g] = await kyc.listGrants(REVIEWER);
      expect(g).toMatchObject({ account: ALICE, status: 'active', expiresAt: new Date(T0.getTime() + 365 * DAY) });
      expect((await kyc.getApplication(REVIEWER, app.id)).status).toBe('approved');
      const log = await kyc.auditLog();
      expect(log.at(-1)).toMatchObject({ action: 'reconcile', actor: 'reconcile-from-chain', details: { step: 'approve', reviewer: REVIEWER.address } });
      await expect(kyc.verifyAuditLog()).resolves.toMatchObject({ ok: true });
      await expect(kyc.approve(REVIEWER, { applicationId: app.id })).rejects.toMatchObject({ status: 409 });
    });

    it('refuses an unknown id, a decided application, a lease in the past, and non-number leases', async () => {
      await expect(kyc.approve(REVIEWER, { applicationId: '00000000-0000-4000-8000-000000000000' })).rejects.toMatchObject({ message: 'application not found', status: 404 });
      await expect(kyc.approve(REVIEWER, { applicationId: 'not-a-uuid' })).rejects.toBeInstanceOf(ValidationError);
      const app = await apply();
      await expect(kyc.approve(REVIEWER, { applicationId: app.id, expiresAt: new Date(T0.getTime() - 1000) })).rejects.toThrow('lease end must be in the future');
      await expect(kyc.approve(REVIEWER, { applicationId: app.id, leaseDays: 10, expiresAt: new Date() })).rejects.toThrow('invalid approval');
      for (const leaseDays of [true, '30', '0x10', 1.5, 0]) {
        await expect(kyc.approve(REVIEWER, { applicationId: app.id, leaseDays } as never), String(leaseDays)).rejects.toThrow('invalid approval');
      }
      await expect(kyc.approve(REVIEWER, { applicationId: app.id, reviewer: 'mallory' } as never)).rejects.toThrow('invalid approval');
      await kyc.reject(REVIEWER, { applicationId: app.id, reason: 'sanctions list hit' });
      await expect(kyc.approve(REVIEWER, { applicationId: app.id })).rejects.toMatchObject({ message: 'application already rejected', status: 409 });
      expect(registry.calls).toHaveLength(0);
    });
  });

  describe('reject', () => {
    it('records the reason and refuses a second decision', async () => {
      const app = await apply();
      now = new Date(T0.getTime() + 3600_000);
      const r = await kyc.reject(REVIEWER, { applicationId: app.id, reason: 'document expired' });
      expect(r).toMatchObject({ status: 'rejected', reason: 'document expired', reviewer: REVIEWER.address, decidedAt: now });
      await expect(kyc.reject(REVIEWER, { applicationId: app.id, reason: 'again' })).rejects.toThrow('application already rejected');
      expect(await kyc.review(REVIEWER)).toEqual([]);
      expect(registry.calls).toHaveLength(0);
    });

    it('refuses an empty reason or one with a NUL byte before anything', async () => {
      const app = await apply();
      const before = await snapshot(db);
      await expect(kyc.reject(REVIEWER, { applicationId: app.id, reason: '' })).rejects.toThrow('invalid rejection');
      await expect(kyc.reject(REVIEWER, { applicationId: app.id, reason: 'bad\u0000' })).rejects.toThrow('invalid rejection');
      expect(await snapshot(db)).toEqual(before);
    });
  });

  describe('renew and revoke', () => {
    it('renews from the current lease end and tells the chain', async () => {
      const { grant } = await approved({}, 30);
      now = new Date(T0.getTime() + 20 * DAY);
      const renewed = await kyc.renew(REVIEWER, { grantId: grant.id, leaseDays: 365 });
      const end = new Date(T0.getTime() + (30 + 365) * DAY);
      expect(renewed).toMatchObject({ expiresAt: end, renewedAt: now, status: 'active' });
      expect(registry.calls.at(-1)).toEqual({ method: 'renew', args: [grant.id, BigInt(end.getTime() / 1000)] });
    });

    it('refuses a renewal that does not extend the lease, and one whose chain call fails, writing nothing', async () => {
      const { grant } = await approved({}, 30);
      const before = await snapshot(db);
      await expect(kyc.renew(REVIEWER, { grantId: grant.id, expiresAt: new Date(T0.getTime() + 10 * DAY) })).rejects.toThrow('renewal must extend the lease');
      registry.failNext = new Error('nonce too low');
      await expect(kyc.renew(REVIEWER, { grantId: grant.id, leaseDays: 10 })).rejects.toThrow('registry renew failed');
      expect(await snapshot(db)).toEqual(before);
    });

    it('a revoke whose reason carries a NUL byte is refused before the chain call: chain and database stay active', async () => {
      const { grant } = await approved();
      const before = await snapshot(db);
      const calls = registry.calls.length;
      await expect(kyc.revoke(REVIEWER, { grantId: grant.id, reason: 'fraud\u0000' })).rejects.toMatchObject({ message: 'invalid revocation', status: 400 });
      expect(registry.calls.length).toBe(calls);
      expect(await snapshot(db)).toEqual(before);
      expect([...registry.grants.values()][0]!.revoked).toBe(false);
    });

    it('a revoke or renew mined but not recorded is recorded from the chain; a retry answers 409, not 502', async () => {
      const { grant } = await approved();
      const failOn = (needle: string): Db => ({
        ...db,
        transaction: (fn) => db.transaction((tx) => fn({ ...tx, query: (sql, params) => (sql.includes(needle) && !sql.includes('CASE WHEN') ? Promise.reject(new Error('connection reset')) : tx.query(sql, params)) } as Tx)),
      });
      now = new Date(T0.getTime() + DAY);
      await expect(service({ db: failOn("SET expires_at = $2, renewed_at") }).renew(REVIEWER, { grantId: grant.id, leaseDays: 30 })).rejects.toMatchObject({ code: 'RECONCILED' });
      expect((await kyc.listGrants(REVIEWER))[0]).toMatchObject({ status: 'active', expiresAt: new Date(T0.getTime() + 395 * DAY) });

      await expect(service({ db: failOn("SET status = 'revoked'") }).revoke(REVIEWER, { grantId: grant.id, reason: 'fraud' })).rejects.toMatchObject({ code: 'RECONCILED' });
      expect((await kyc.listGrants(REVIEWER))[0]).toMatchObject({ status: 'revoked', revokeReason: 'revoked on chain' });
      await expect(kyc.revoke(REVIEWER, { grantId: grant.id, reason: 'fraud' })).rejects.toMatchObject({ status: 409 });
      expect(registry.calls.filter((c) => c.method === 'revoke')).toHaveLength(1);
      await expect(kyc.verifyAuditLog()).resolves.toMatchObject({ ok: true });
    });

    it('revokes: the account is disqualified, a second revoke and a renewal are refused', async () => {
      const { grant } = await approved();
      now = new Date(T0.getTime() + DAY);
      const revoked = await kyc.revoke(REVIEWER, { grantId: grant.id, reason: 'fraud alert' });
      expect(revoked).toMatchObject({ status: 'revoked', revokedAt: now, revokeReason: 'fraud alert' });
      await expect(kyc.check(ALICE, 'DCE')).resolves.toMatchObject({ qualified: false, reason: 'revoked' });
      await expect(kyc.revoke(REVIEWER, { grantId: grant.id, reason: 'y' })).rejects.toThrow('grant already revoked');
      await expect(kyc.renew(REVIEWER, { grantId: grant.id, leaseDays: 30 })).rejects.toThrow(/grant is revoked/);
      await expect(apply({ legalName: 'Alice, again' })).resolves.toMatchObject({ status: 'pending' });
    });

    it('refuses an unknown or malformed grant id', async () => {
      await expect(kyc.revoke(REVIEWER, { grantId: `0x${'ab'.repeat(32)}`, reason: 'y' })).rejects.toMatchObject({ status: 404 });
      await expect(kyc.revoke(REVIEWER, { grantId: '0xab', reason: 'y' })).rejects.toBeInstanceOf(ValidationError);
    });
  });

  describe('expiring', () => {
    it('lists active leases ending within N days, soonest first, with lapsed ones flagged; days are decimal only', async () => {
      const a = await approved({}, 10);
      const b = await approved({ applicant: BOB }, 40);
      expect((await kyc.expiring(REVIEWER, 30)).map((l) => l.id)).toEqual([a.grant.id]);
      expect((await kyc.expiring(REVIEWER, '45')).map((l) => [l.id, l.daysLeft])).toEqual([
        [a.grant.id, 10],
        [b.grant.id, 40],
      ]);
      now = new Date(T0.getTime() + 15 * DAY);
      expect((await kyc.expiring(REVIEWER, 30)).map((l) => [l.id, l.expired, l.daysLeft])).toEqual([
        [a.grant.id, true, 0],
        [b.grant.id, false, 25],
      ]);
      for (const bad of [-1, 'soon', '0x10', '1e1', ' 16', '+16']) await expect(kyc.expiring(REVIEWER, bad), String(bad)).rejects.toThrow('invalid number of days');
    });
  });

  describe('audit log', () => {
    const tamper = async (sql: string, params: unknown[] = []) => {
      await db.exec(`ALTER TABLE kyc_audit_log DISABLE TRIGGER kyc_audit_log_append_only`);
      await db.query(sql, params);
      await db.exec(`ALTER TABLE kyc_audit_log ENABLE TRIGGER kyc_audit_log_append_only`);
    };
    const history = async () => {
      const { grant } = await approved();
      const rej = await apply({ applicant: BOB });
      await kyc.reject(REVIEWER, { applicationId: rej.id, reason: 'incomplete' });
      await kyc.renew(REVIEWER, { grantId: grant.id, leaseDays: 30 });
      await kyc.revoke(REVIEWER, { grantId: grant.id, reason: 'moved abroad' });
      await anchorer.anchorNow();
      return grant;
    };
    /** Re-hash every entry from `seq` onward, as the database owner could. */
    const rehashFrom = async (seq: number) => {
      const log = await kyc.auditLog();
      let prev = log[seq - 2]?.hash ?? '0'.repeat(64);
      for (const e of log.slice(seq - 1)) {
        const h = auditHash(prev, e);
        await tamper('UPDATE kyc_audit_log SET prev_hash = $2, hash = $3 WHERE seq = $1', [e.seq, prev, h]);
        prev = h;
      }
    };

    it('chains every decision, anchors the head on every grant change, and verifies', async () => {
      await history();
      const log = await kyc.auditLog();
      expect(log.map((e) => e.action)).toEqual(['provider-register', 'provider-register', 'apply', 'approve', 'apply', 'reject', 'renew', 'revoke']);
      expect(JSON.stringify(log)).not.toContain('Alice Example');
      expect(anchors.records.map((a) => a.seq)).toEqual([4, 7, 8]);
      await expect(kyc.verifyAuditLog()).resolves.toEqual({ ok: true, entries: 8, head: log[7]!.hash, anchoredSeq: 8, unanchored: 0, anchorsChecked: true });
    });

    it('detects deleting the tail', async () => {
      await history();
      await tamper('DELETE FROM kyc_audit_log WHERE seq >= 7');
      // the rows the deleted entries wrote must go too, or they no longer match: take the grant back to its approve state
      await expect(kyc.verifyAuditLog()).resolves.toMatchObject({ ok: false, problem: 'anchored entries are missing (tail deleted)', entries: 6, brokenAt: 7 });
    });

    it.each([1, 3, 5, 8])('detects re-hashing every entry from entry %i onward after editing it', async (seq) => {
      await history();
      await tamper(`UPDATE kyc_audit_log SET actor = 'mallory' WHERE seq = $1`, [seq]);
      await rehashFrom(seq);
      const v = await kyc.verifyAuditLog();
      expect(v).toMatchObject({ ok: false, problem: 'entry differs from its on-chain anchor' });
      // without the anchors, the rewritten chain would verify: that is what the anchors are for
      const { verifyAuditLog } = await import('./auditLog.ts');
      await expect(verifyAuditLog(db)).resolves.toMatchObject({ ok: true });
    });

    it.each([2, 4, 6])('detects editing entry %i (hash chain)', async (seq) => {
      await history();
      await tamper(`UPDATE kyc_audit_log SET details = details || '{"x":"y"}' WHERE seq = $1`, [seq]);
      await expect(kyc.verifyAuditLog()).resolves.toMatchObject({ ok: false, brokenAt: seq, problem: 'hash does not match the entry' });
    });

    it('detects editing an application row, a grant row, a provider’s reviewers, and a deleted or unrecorded row', async () => {
      const grant = await history();
      const checkpoint = async (sql: string, params: unknown[], subject: RegExp, problem: string, undo: string, undoParams: unknown[] = []) => {
        await db.query(sql, params);
        const v = await kyc.verifyAuditLog();
        expect(v, sql).toMatchObject({ ok: false, problem, subject: expect.stringMatching(subject) });
        await db.query(undo, undoParams);
        await expect(kyc.verifyAuditLog(), `undo ${sql}`).resolves.toMatchObject({ ok: true });
      };
      const [alice] = await kyc.listApplications(REVIEWER, { status: 'approved' });
      await checkpoint(`UPDATE kyc_applications SET jurisdiction = 'FR' WHERE id = $1`, [alice!.id], /^application /, 'row does not match its audit record', `UPDATE kyc_applications SET jurisdiction = 'DE' WHERE id = $1`, [alice!.id]);
      await checkpoint(`UPDATE kyc_grants SET status = 'active' WHERE id = $1`, [grant.id], /^grant /, 'row does not match its audit record', `UPDATE kyc_grants SET status = 'revoked' WHERE id = $1`, [grant.id]);
      await checkpoint(`UPDATE kyc_grants SET expires_at = expires_at + interval '1 year' WHERE id = $1`, [grant.id], /^grant /, 'row does not match its audit record', `UPDATE kyc_grants SET expires_at = expires_at - interval '1 year' WHERE id = $1`, [grant.id]);
      const mallory = keyOf('mallory').address;
      await checkpoint(`INSERT INTO kyc_reviewers (reviewer, provider, added_at) VALUES ($1, $2, now())`, [mallory, BANK], /^provider /, 'row does not match its audit record', `DELETE FROM kyc_reviewers WHERE reviewer = $1`, [mallory]);
      await db.query(`DELETE FROM kyc_grants WHERE id = $1`, [grant.id]);
      await expect(kyc.verifyAuditLog()).resolves.toMatchObject({ ok: false, problem: 'audited row is missing', subject: `grant ${grant.id}` });
    });

    it('refuses SQL edits through the trigger', async () => {
      await approved();
      await expect(db.query(`UPDATE kyc_audit_log SET actor = 'mallory' WHERE seq = 2`)).rejects.toThrow(/append-only/);
      await expect(db.query(`DELETE FROM kyc_audit_log`)).rejects.toThrow(/append-only/);
    });

    it('the anchorer anchors only when the head moved, and retries after a failed send', async () => {
      await apply();
      anchors.failNext = new Error('rpc down');
      await expect(anchorer.anchorNow()).rejects.toThrow('rpc down');
      expect(anchorer.health()).toMatchObject({ ok: false });
      await anchorer.anchorNow();
      await anchorer.anchorNow();
      expect(anchors.records.map((a) => a.seq)).toEqual([3]);
      expect(anchorer.health()).toEqual({ ok: true });
    });
  });

  describe('providers', () => {
    it('registers and updates a provider with its own signature; refuses others, replays and a reviewer of two providers', async () => {
      const z = keyOf('bank z');
      await kyc.registerProvider(await signedRegistration(z, { name: 'Bank Q', categories: ['retail'], jurisdictions: ['gb'], reviewers: [z.address] }, { issuedAt: T0S }));
      const newer = await signedRegistration(z, { name: 'Bank Q plc', categories: ['RETAIL', 'ACCREDITED'], reviewers: [z.address, BOB] }, { issuedAt: T0S + 60 });
      await kyc.registerProvider(newer);
      const list = await kyc.listProviders();
      expect(list.find((p) => p.address === z.address)).toMatchObject({ name: 'Bank Q plc', categories: ['ACCREDITED', 'RETAIL'], jurisdictions: [], reviewers: [z.address, BOB].sort() });
      const before = await snapshot(db);
      await expect(kyc.registerProvider(newer)).rejects.toMatchObject({ status: 409, message: 'a newer registration of this provider is recorded' });
      const forged = await signedRegistration(keyOf('mallory'), { address: z.address, name: 'Mine now', categories: ['RETAIL'], reviewers: [keyOf('mallory').address] }, { issuedAt: T0S + 120 });
      await expect(kyc.registerProvider(forged)).rejects.toMatchObject({ status: 400, message: 'provider registration not signed by the provider' });
      await expect(
        kyc.registerProvider(await signedRegistration(keyOf('bank w'), { name: 'W', categories: ['RETAIL'], reviewers: [REVIEWER.address] }, { issuedAt: T0S })),
      ).rejects.toMatchObject({ status: 409, message: 'reviewer already reviews for another provider' });
      await expect(kyc.registerProvider({ address: '0x0', name: 'x', categories: ['RETAIL'] })).rejects.toThrow('invalid provider');
      expect(await snapshot(db)).toEqual(before);
    });
  });

  it('signs in only registered reviewers, for their own provider', async () => {
    const auth = new ReviewerAuth({ db, domains: ['test.palisade.local'], chainId: TEST_DEPLOYMENT.chainId, now: clock });
    const { signIn } = await import('./testing/kycTestKit.ts');
    const s = await signIn(auth, keyOf('reviewer'), now);
    await expect(auth.authenticate(`Bearer ${s.token}`)).resolves.toEqual(REVIEWER);
    await expect(signIn(auth, keyOf('nobody'), now)).rejects.toMatchObject({ status: 403 });
    await expect(auth.authenticate('Bearer nope-nope-nope-nope-nope')).rejects.toMatchObject({ status: 401 });
    now = new Date(T0.getTime() + 16 * 60_000);
    await expect(auth.authenticate(`Bearer ${s.token}`)).rejects.toMatchObject({ status: 401 });
  });
});
