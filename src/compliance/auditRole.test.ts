import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type Db, openDb } from '../shared/db.ts';
import { KycService } from './kycService.ts';
import { FakeRegistryPort } from './testing/fakeRegistryPort.ts';
import { TEST_DEPLOYMENT, keyOf, signedApplication, signedRegistration } from './testing/kycTestKit.ts';

vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

const url = process.env.DATABASE_URL;

/**
 * On PostgreSQL the service logs in as a member of palisade_kyc_app (migration 0002), while the
 * tables belong to the owner that migrated them: the service can append to the audit log but can
 * neither rewrite it nor switch off the trigger that refuses rewrites. CI's PostgreSQL runs as the
 * superuser `postgres`, so the test creates the service's login role itself.
 */
describe.skipIf(!url)('the KYC service’s PostgreSQL role', () => {
  const suffix = randomBytes(5).toString('hex');
  const schema = `t_role_${suffix}`;
  const role = `t_kyc_app_${suffix}`;
  let owner: Db;
  let app: Db;

  beforeAll(async () => {
    owner = await openDb({ url: url!, schema });
    await owner.exec(`CREATE ROLE ${role} LOGIN PASSWORD 'app-pw' IN ROLE palisade_kyc_app`);
    const appUrl = new URL(url!);
    appUrl.username = role;
    appUrl.password = 'app-pw';
    app = await openDb({ url: appUrl.toString(), schema });
  });
  afterAll(async () => {
    await app?.close();
    await owner?.exec(`DROP SCHEMA IF EXISTS ${schema} CASCADE; DROP OWNED BY ${role}; DROP ROLE IF EXISTS ${role}`).catch(() => undefined);
    await owner?.close();
  });

  it('runs the service, and cannot disable the append-only trigger, rewrite or delete the log, or delete records', async () => {
    const registry = new FakeRegistryPort(() => 1_900_000_000n);
    const bank = keyOf('bank');
    const reviewer = keyOf('reviewer');
    registry.addProvider(bank.address, ['DCE'], 2_000_000_000n);
    const kyc = new KycService({ db: app, registry, encryptionKey: randomBytes(32), deployment: TEST_DEPLOYMENT, now: () => new Date(1_900_000_000_000) });
    await kyc.registerProvider(await signedRegistration(bank, { name: 'Bank Y', categories: ['RETAIL'], reviewers: [reviewer.address] }, { issuedAt: 1_900_000_000 }));
    const alice = keyOf('alice');
    const filed = await kyc.apply(
      await signedApplication(
        alice,
        { provider: bank.address, applicant: alice.address, legalName: 'Alice', subjectType: 'person', category: 'RETAIL', jurisdiction: 'DE', documents: [{ kind: 'id', digest: `0x${'01'.repeat(32)}` }] },
        { issuedAt: 1_900_000_000 },
      ),
    );
    await kyc.approve({ address: reviewer.address, provider: bank.address }, { applicationId: filed.id });
    await expect(kyc.verifyAuditLog()).resolves.toMatchObject({ ok: true, entries: 3 });

    await expect(app.exec('ALTER TABLE kyc_audit_log DISABLE TRIGGER kyc_audit_log_append_only')).rejects.toThrow(/must be owner/);
    await expect(app.exec('ALTER TABLE kyc_audit_log DISABLE TRIGGER ALL')).rejects.toThrow(/must be owner/);
    await expect(app.exec('DROP TRIGGER kyc_audit_log_append_only ON kyc_audit_log')).rejects.toThrow(/must be owner/);
    await expect(app.exec('DROP FUNCTION kyc_audit_log_refuse_change() CASCADE')).rejects.toThrow(/must be owner/);
    await expect(app.query(`UPDATE kyc_audit_log SET actor = 'mallory'`)).rejects.toThrow(/permission denied/);
    await expect(app.query('DELETE FROM kyc_audit_log WHERE seq = 3')).rejects.toThrow(/permission denied/);
    await expect(app.exec('TRUNCATE kyc_audit_log')).rejects.toThrow(/permission denied/);
    await expect(app.query('DELETE FROM kyc_applications')).rejects.toThrow(/permission denied/);
    await expect(app.query('DELETE FROM kyc_grants')).rejects.toThrow(/permission denied/);
    await expect(app.exec('SET session_replication_role = replica')).rejects.toThrow(/permission denied/);
    await expect(kyc.verifyAuditLog()).resolves.toMatchObject({ ok: true, entries: 3 });
  });
});
