import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import type { Address } from 'viem';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type CliContext, kycContext, kycSettingsFromEnv } from '../../compliance/context.ts';
import { KycService } from '../../compliance/kycService.ts';
import { FakeRegistryPort } from '../../compliance/testing/fakeRegistryPort.ts';
import { type Db, openDb } from '../../shared/db.ts';
import { registerCompliance } from './compliance.ts';
import { registerKyc } from './kyc.ts';

vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

const BANK = '0x1111111111111111111111111111111111111111' as Address;
const ALICE = '0xaAaAaAaaAaAaAaaAaAAAAAAAAaaaAaAaAaaAaaAa' as Address;
const KEY = randomBytes(32).toString('hex');
const T0 = new Date('2030-01-01T00:00:00.000Z');

type Run = { code: number; out: string; err: string };

async function cli(ctx: CliContext, args: string[]): Promise<Run> {
  let out = '';
  let err = '';
  const program = new Command('palisade')
    .exitOverride()
    .configureOutput({ writeOut: (s) => void (out += s), writeErr: (s) => void (err += s) });
  registerKyc(program, ctx);
  registerCompliance(program, ctx);
  try {
    await program.parseAsync(args, { from: 'user' });
    return { code: 0, out, err };
  } catch (e) {
    if (e instanceof CommanderError) return { code: e.exitCode, out, err };
    throw e;
  }
}

describe('palisade kyc / compliance', () => {
  let db: Db;
  let registry: FakeRegistryPort;
  let ctx: CliContext;
  let dir: string;

  beforeEach(async () => {
    db = await openDb();
    registry = new FakeRegistryPort(() => BigInt(T0.getTime() / 1000));
    registry.addProvider(BANK, ['DCE'], BigInt(T0.getTime() / 1000 + 10 * 365 * 86400));
    const service = new KycService({ db, registry, encryptionKey: KEY, now: () => T0 });
    // One database across commands, as a PGlite directory or PostgreSQL gives in real use.
    ctx = {
      openKyc: async () => ({ service, close: async () => undefined }),
      openRegistry: async () => ({ registry, close: async () => undefined }),
    };
    dir = mkdtempSync(join(tmpdir(), 'palisade-cli-'));
  });
  afterEach(async () => {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs an application from filing to revocation', async () => {
    const passport = join(dir, 'passport.pdf');
    writeFileSync(passport, 'scan');
    expect(await cli(ctx, ['kyc', 'provider', 'add', BANK, '--name', 'Bank Y', '--categories', 'ACCREDITED,RETAIL'])).toMatchObject({
      code: 0,
      out: `provider ${BANK} (Bank Y): ACCREDITED, RETAIL in all jurisdictions\n`,
    });

    const applied = await cli(ctx, [
      'kyc', 'apply', '--provider', BANK, '--applicant', ALICE, '--name', 'Alice Example', '--type', 'person',
      '--category', 'accredited', '--jurisdiction', 'DE', '--document', `passport=${passport}`,
      '--document', `utility-bill=0x${'ab'.repeat(32)}`, '--json',
    ]);
    expect(applied.code).toBe(0);
    const app = JSON.parse(applied.out) as { id: string; status: string; dossierHash: string };
    expect(app.status).toBe('pending');

    const review = await cli(ctx, ['kyc', 'review', '--provider', BANK]);
    expect(review.out).toContain('person "Alice Example"');
    expect(review.out).toContain(`passport 0x${createHash('sha256').update('scan').digest('hex')}`);
    const reviewJson = JSON.parse((await cli(ctx, ['kyc', 'review', '--json'])).out) as Array<{ dossier: { documents: unknown[] } }>;
    expect(reviewJson[0]!.dossier.documents).toHaveLength(2);

    const approved = await cli(ctx, ['kyc', 'approve', app.id, '--reviewer', 'rev@bank', '--lease-days', '20', '--json']);
    expect(approved.code).toBe(0);
    const grant = (JSON.parse(approved.out) as { grant: { id: string; expiresAt: string } }).grant;
    expect(grant.expiresAt).toBe('2030-01-21T00:00:00.000Z');
    expect(registry.calls[0]).toMatchObject({ method: 'grantClient', args: [{ account: ALICE, dossierHash: app.dossierHash }] });

    expect((await cli(ctx, ['kyc', 'expiring', '--days', '30'])).out).toContain(`${grant.id}  ${ALICE}  ACCREDITED DE  ends 2030-01-21T00:00:00Z  20d left`);
    expect((await cli(ctx, ['kyc', 'expiring'])).out).toContain(grant.id);
    expect((await cli(ctx, ['kyc', 'expiring', '--days', '10'])).out).toBe('no lease ends within 10 days\n');

    const check = await cli(ctx, ['compliance', 'check', ALICE.toLowerCase(), '--service', 'DCE', '--json']);
    expect(JSON.parse(check.out)).toEqual({ address: ALICE, service: 'DCE', qualified: true, reason: 'qualified' });

    expect((await cli(ctx, ['kyc', 'renew', grant.id, '--actor', 'rev', '--lease-days', '30'])).out).toMatch(
      /^renewed 0x[0-9a-f]{64} until 2030-02-20T00:00:00Z/,
    );
    expect((await cli(ctx, ['kyc', 'revoke', grant.id, '--actor', 'rev', '--reason', 'fraud'])).code).toBe(0);
    const after = await cli(ctx, ['compliance', 'check', ALICE, '--service', 'DCE']);
    expect(after.out).toBe(`${ALICE} is not qualified for DCE: revoked\n`);
    expect(JSON.parse((await cli(ctx, ['compliance', 'check', ALICE, '--service', 'dce', '--json'])).out)).toEqual({
      address: ALICE,
      service: 'DCE',
      qualified: false,
      reason: 'revoked',
    });

    expect(await cli(ctx, ['kyc', 'audit-verify'])).toMatchObject({ code: 0, out: expect.stringMatching(/^audit log intact: 5 entries, head [0-9a-f]{64}\n$/) });
  });

  it('rejects with a reason', async () => {
    await cli(ctx, ['kyc', 'provider', 'add', BANK, '--name', 'Bank Y', '--categories', 'RETAIL']);
    const app = JSON.parse(
      (await cli(ctx, ['kyc', 'apply', '--provider', BANK, '--applicant', ALICE, '--name', 'A', '--type', 'entity', '--category', 'RETAIL',
        '--jurisdiction', 'FR', '--document', `register-extract=0x${'01'.repeat(32)}`, '--json'])).out,
    ) as { id: string };
    expect(await cli(ctx, ['kyc', 'reject', app.id, '--reviewer', 'rev', '--reason', 'unclear ownership'])).toMatchObject({
      code: 0,
      out: `rejected ${app.id}: unclear ownership\n`,
    });
    expect((await cli(ctx, ['kyc', 'review'])).out).toBe('no pending applications\n');
  });

  it('reports bad input as one line on stderr with exit 1, writing nothing', async () => {
    await cli(ctx, ['kyc', 'provider', 'add', BANK, '--name', 'Bank Y', '--categories', 'RETAIL']);
    const before = (await db.query('SELECT count(*) AS n FROM kyc_audit_log')).rows;
    const bad = await cli(ctx, ['kyc', 'apply', '--provider', BANK, '--applicant', '0x123', '--name', 'A', '--type', 'person',
      '--category', 'RETAIL', '--jurisdiction', 'ZZ', '--document', `id=0x${'01'.repeat(32)}`]);
    expect(bad.code).toBe(1);
    expect(bad.out).toBe('');
    expect(bad.err).toBe(
      'palisade: invalid application: applicant: not an EVM address (20 bytes hex, EIP-55 checksum if mixed case); jurisdiction: not an ISO 3166-1 alpha-2 country code\n',
    );
    const unknown = await cli(ctx, ['kyc', 'apply', '--provider', '0x2222222222222222222222222222222222222222', '--applicant', ALICE,
      '--name', 'A', '--type', 'person', '--category', 'RETAIL', '--jurisdiction', 'DE', '--document', `id=0x${'01'.repeat(32)}`]);
    expect(unknown).toMatchObject({ code: 1, err: 'palisade: unknown provider: 0x2222222222222222222222222222222222222222\n' });
    const noDoc = await cli(ctx, ['kyc', 'apply', '--provider', BANK, '--applicant', ALICE, '--name', 'A', '--type', 'person',
      '--category', 'RETAIL', '--jurisdiction', 'DE', '--document', 'id=/no/such/file']);
    expect(noDoc.code).toBe(1);
    expect(noDoc.err).toMatch(/neither a 32-byte digest .* nor a readable file/);
    expect((await cli(ctx, ['kyc', 'approve', 'nope', '--reviewer', 'r'])).err).toBe('palisade: invalid approval: applicationId: not an application id (uuid)\n');
    expect((await cli(ctx, ['kyc', 'expiring', '--days', 'soon'])).code).toBe(1);
    expect((await cli(ctx, ['compliance', 'check', ALICE, '--service', 'SWAP'])).err).toBe(
      'palisade: invalid service: expected one of STO, DCE, DCS, LEND\n',
    );
    expect((await cli(ctx, ['compliance', 'check', ALICE])).err).toMatch(/required option '--service <service>' not specified/);
    expect((await db.query('SELECT count(*) AS n FROM kyc_audit_log')).rows).toEqual(before);
  });

  it('exits 1 when the audit log is broken', async () => {
    await cli(ctx, ['kyc', 'provider', 'add', BANK, '--name', 'Bank Y', '--categories', 'RETAIL']);
    await db.exec(`ALTER TABLE kyc_audit_log DISABLE TRIGGER kyc_audit_log_append_only;
      UPDATE kyc_audit_log SET actor = 'mallory';`);
    const r = await cli(ctx, ['kyc', 'audit-verify', '--json']);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out)).toEqual({ ok: false, entries: 0, brokenAt: 1, problem: 'hash does not match the entry' });
    expect(r.err).toBe('palisade: audit log broken at entry 1: hash does not match the entry (0 entries before it verify)\n');
  });

  it('explains every subcommand in --help', async () => {
    const help = await cli(ctx, ['kyc', '--help']);
    for (const sub of ['apply', 'review', 'approve', 'reject', 'renew', 'revoke', 'expiring', 'audit-verify', 'provider']) {
      expect(help.out).toMatch(new RegExp(`\\n  ${sub}\\b`));
    }
    expect(help.out).toContain('PALISADE_KYC_KEY');
    expect((await cli(ctx, ['kyc', 'apply', '--help'])).out).toContain('--document <kind=digest|file>');
    expect((await cli(ctx, ['compliance', 'check', '--help'])).out).toContain('--service <service>');
  });
});

describe('kycContext', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'palisade-ctx-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps data across commands in a PGlite directory and refuses a missing key before creating anything', async () => {
    const registry = new FakeRegistryPort(() => 0n);
    const settings = kycSettingsFromEnv({ PALISADE_DATA_DIR: dir, PALISADE_KYC_KEY: KEY });
    expect(settings.db).toEqual({ dataDir: join(dir, 'db') });
    const ctx = kycContext({ ...settings, registry: async () => ({ registry, close: async () => undefined }) });
    expect((await cli(ctx, ['kyc', 'provider', 'add', BANK, '--name', 'Bank Y', '--categories', 'RETAIL'])).code).toBe(0);
    expect((await cli(ctx, ['kyc', 'provider', 'list'])).out).toBe(`${BANK}  Bank Y  RETAIL  *\n`);

    const noKeyDir = join(dir, 'other');
    const noKey = kycContext({ ...kycSettingsFromEnv({ PALISADE_DATA_DIR: noKeyDir }), registry: async () => ({ registry, close: async () => undefined }) });
    const r = await cli(noKey, ['kyc', 'review']);
    expect(r).toMatchObject({ code: 1, err: expect.stringMatching(/^palisade: no dossier encryption key configured: set PALISADE_KYC_KEY/) });
    expect(existsSync(noKeyDir)).toBe(false);
  });

  it('uses PostgreSQL when DATABASE_URL is set', () => {
    expect(kycSettingsFromEnv({ DATABASE_URL: 'postgres://u@h/db', PALISADE_KYC_KEY: KEY }).db).toEqual({ url: 'postgres://u@h/db' });
  });
});
