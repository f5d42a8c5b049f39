import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import Fastify from 'fastify';
import { keccak256, toHex } from 'viem';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { complianceRoutes } from '../../api/routes/compliance.ts';
import { allowedHosts, registerSecurity } from '../../api/security.ts';
import { type CliContext, kycContext, kycSettingsFromEnv } from '../../compliance/context.ts';
import { HttpKycClient, LocalKycClient } from '../../compliance/kycClient.ts';
import { KycService } from '../../compliance/kycService.ts';
import { ReviewerAuth } from '../../compliance/reviewerAuth.ts';
import { FakeRegistryPort } from '../../compliance/testing/fakeRegistryPort.ts';
import { TEST_DEPLOYMENT, keyOf } from '../../compliance/testing/kycTestKit.ts';
import { type Db, openDb } from '../../shared/db.ts';
import { logger } from '../../shared/logger.ts';
import { registerCompliance } from './compliance.ts';
import { registerKyc } from './kyc.ts';

vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

const bankKey = keyOf('bank');
const reviewerKey = keyOf('reviewer');
const aliceKey = keyOf('alice');
const BANK = bankKey.address;
const ALICE = aliceKey.address;
const KEY = randomBytes(32).toString('hex');
// The private keys behind keyOf (the kit derives them the same way).
const privateKey = (label: string) => keccak256(toHex(`palisade test key: ${label}`));

const ENV = {
  PALISADE_PROVIDER_KEY: privateKey('bank'),
  PALISADE_REVIEWER_KEY: privateKey('reviewer'),
  PALISADE_APPLICANT_KEY: privateKey('alice'),
};

type Run = { code: number; out: string; err: string };

async function cli(ctx: CliContext, args: string[], env: NodeJS.ProcessEnv = ENV): Promise<Run> {
  let out = '';
  let err = '';
  const program = new Command('palisade')
    .exitOverride()
    .configureOutput({ writeOut: (s) => void (out += s), writeErr: (s) => void (err += s) });
  registerKyc(program, ctx, env);
  registerCompliance(program, ctx);
  try {
    await program.parseAsync(args, { from: 'user' });
    return { code: 0, out, err };
  } catch (e) {
    if (e instanceof CommanderError) return { code: e.exitCode, out, err };
    throw e;
  }
}

const nowClock = () => new Date();

describe('palisade kyc / compliance', () => {
  let db: Db;
  let registry: FakeRegistryPort;
  let ctx: CliContext;
  let dir: string;

  beforeEach(async () => {
    db = await openDb();
    registry = new FakeRegistryPort(() => BigInt(Math.floor(Date.now() / 1000)));
    registry.addProvider(BANK, ['DCE'], BigInt(Math.floor(Date.now() / 1000) + 10 * 365 * 86400));
    const service = new KycService({ db, registry, encryptionKey: KEY, deployment: TEST_DEPLOYMENT, now: nowClock });
    const auth = new ReviewerAuth({ db, domains: ['cli.palisade.local'], chainId: TEST_DEPLOYMENT.chainId });
    // One database across commands, as a PGlite directory or PostgreSQL gives in real use.
    ctx = {
      openKyc: async () => ({ client: new LocalKycClient(service, auth), close: async () => undefined }),
      openRegistry: async () => ({ registry, close: async () => undefined }),
    };
    dir = mkdtempSync(join(tmpdir(), 'palisade-cli-'));
  });
  afterEach(async () => {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const addBank = () => cli(ctx, ['kyc', 'provider', 'add', BANK, '--name', 'Bank Y', '--categories', 'ACCREDITED,RETAIL', '--reviewer', reviewerKey.address]);

  it('runs an application from filing to revocation, signing with keys from the environment', async () => {
    const passport = join(dir, 'passport.pdf');
    writeFileSync(passport, 'scan');
    expect(await addBank()).toMatchObject({ code: 0, out: `provider ${BANK} (Bank Y): ACCREDITED, RETAIL in all jurisdictions; reviewers ${reviewerKey.address}\n` });

    const applied = await cli(ctx, [
      'kyc', 'apply', '--provider', BANK, '--name', 'Alice Example', '--type', 'person',
      '--category', 'accredited', '--jurisdiction', 'DE', '--document', `passport=${passport}`,
      '--document', `utility-bill=0x${'ab'.repeat(32)}`, '--json',
    ]);
    expect(applied.code, applied.err).toBe(0);
    const app = JSON.parse(applied.out) as { id: string; status: string; applicant: string };
    expect(app).toMatchObject({ status: 'pending', applicant: ALICE });
    // apply signed the applicant's GrantConsent to the provider with the same key; approval relays it
    const stored = (await db.query<{ grant_consent: { nonce: string; deadline: string; signature: string } | null }>('SELECT grant_consent FROM kyc_applications WHERE id = $1', [app.id])).rows[0]!;
    expect(stored.grant_consent).toMatchObject({ nonce: '0', signature: expect.stringMatching(/^0x[0-9a-f]{130}$/) });
    expect(Number(stored.grant_consent!.deadline)).toBeGreaterThan(Date.now() / 1000 + 29 * 86400);

    const review = await cli(ctx, ['kyc', 'review']);
    expect(review.out).toContain('person "Alice Example"');
    expect(review.out).toContain(`passport 0x${createHash('sha256').update('scan').digest('hex')}`);

    const approved = await cli(ctx, ['kyc', 'approve', app.id, '--lease-days', '20', '--json']);
    expect(approved.code, approved.err).toBe(0);
    const r = JSON.parse(approved.out) as { application: { reviewer: string }; grant: { id: string } };
    expect(r.application.reviewer).toBe(reviewerKey.address);
    expect(registry.calls.find((c) => c.method === 'grantClient')!.args[0]).toMatchObject({ account: ALICE, consent: { signature: stored.grant_consent!.signature } });
    expect((await cli(ctx, ['kyc', 'expiring', '--days', '30'])).out).toContain(`${r.grant.id}  ${ALICE}  ACCREDITED DE`);
    expect(JSON.parse((await cli(ctx, ['compliance', 'check', ALICE.toLowerCase(), '--service', 'DCE', '--json'])).out)).toEqual({ address: ALICE, service: 'DCE', qualified: true, reason: 'qualified' });
    expect((await cli(ctx, ['kyc', 'renew', r.grant.id, '--lease-days', '30'])).out).toMatch(/^renewed 0x[0-9a-f]{64} until /);
    expect((await cli(ctx, ['kyc', 'revoke', r.grant.id, '--reason', 'fraud'])).code).toBe(0);
    expect((await cli(ctx, ['compliance', 'check', ALICE, '--service', 'DCE'])).out).toBe(`${ALICE} is not qualified for DCE: revoked\n`);
    expect(await cli(ctx, ['kyc', 'audit-verify'])).toMatchObject({ code: 0, out: expect.stringMatching(/^audit log intact: 5 entries, head [0-9a-f]{64}; no anchor contract configured/) });
  });

  it('needs the keys from the environment, never a flag, and only the right ones', async () => {
    await addBank();
    const noKey = await cli(ctx, ['kyc', 'review'], {});
    expect(noKey).toMatchObject({ code: 1, err: 'palisade: no reviewer key: set $PALISADE_REVIEWER_KEY (hex) or $PALISADE_REVIEWER_KEY_FILE (a file holding it); keys are never taken from flags\n' });
    const keyFile = join(dir, 'reviewer.key');
    writeFileSync(keyFile, `${ENV.PALISADE_REVIEWER_KEY}\n`, { mode: 0o600 });
    expect(await cli(ctx, ['kyc', 'review'], { PALISADE_REVIEWER_KEY_FILE: keyFile })).toMatchObject({ code: 0, out: 'no pending applications\n' });
    expect((await cli(ctx, ['kyc', 'review'], { PALISADE_REVIEWER_KEY: privateKey('stranger') })).err).toMatch(/^palisade: not a registered reviewer/);
    expect((await cli(ctx, ['kyc', 'approve', '00000000-0000-4000-8000-000000000000', '--reviewer', 'me'])).code).not.toBe(0);
    const other = await cli(ctx, ['kyc', 'apply', '--provider', BANK, '--applicant', BANK, '--name', 'A', '--type', 'person', '--category', 'RETAIL', '--jurisdiction', 'DE', '--document', `id=0x${'01'.repeat(32)}`]);
    expect(other.err).toMatch(/^palisade: the applicant signs its own application/);
    expect((await cli(ctx, ['kyc', 'provider', 'add', ALICE, '--name', 'X', '--categories', 'RETAIL', '--reviewer', ALICE])).err).toMatch(/^palisade: a provider registers itself/);
  });

  it('reports bad input as one line on stderr with exit 1, writing nothing', async () => {
    await addBank();
    const before = (await db.query('SELECT count(*) AS n FROM kyc_audit_log')).rows;
    const bad = await cli(ctx, ['kyc', 'apply', '--provider', BANK, '--applicant', '0x123', '--name', 'A', '--type', 'person', '--category', 'RETAIL', '--jurisdiction', 'ZZ', '--document', `id=0x${'01'.repeat(32)}`]);
    expect(bad).toMatchObject({ code: 1, out: '' });
    expect(bad.err).toBe('palisade: invalid application: applicant: not an EVM address (20 bytes hex, EIP-55 checksum if mixed case); jurisdiction: not an ISO 3166-1 alpha-2 country code\n');
    expect((await cli(ctx, ['kyc', 'approve', 'nope'])).err).toBe('palisade: invalid approval: applicationId: not an application id (uuid)\n');
    expect((await cli(ctx, ['kyc', 'expiring', '--days', '0x10'])).code).toBe(1);
    expect((await cli(ctx, ['kyc', 'reject', '00000000-0000-4000-8000-000000000000', '--reason', 'a\u0000b'])).err).toMatch(/^palisade: invalid rejection: reason: control characters/);
    expect((await cli(ctx, ['compliance', 'check', ALICE, '--service', 'SWAP'])).err).toBe('palisade: invalid service: expected one of STO, DCE, DCS, LEND\n');
    expect((await db.query('SELECT count(*) AS n FROM kyc_audit_log')).rows).toEqual(before);
  });

  it('exits 1 when the audit log is broken', async () => {
    await addBank();
    await db.exec(`ALTER TABLE kyc_audit_log DISABLE TRIGGER kyc_audit_log_append_only;
      UPDATE kyc_audit_log SET actor = 'mallory';`);
    const r = await cli(ctx, ['kyc', 'audit-verify', '--json']);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out)).toEqual({ ok: false, entries: 0, brokenAt: 1, problem: 'hash does not match the entry' });
    expect(r.err).toBe('palisade: audit log broken at entry 1: hash does not match the entry (0 entries before it verify)\n');
  });

  it('explains every subcommand and the key variables in --help', async () => {
    const help = await cli(ctx, ['kyc', '--help']);
    for (const sub of ['apply', 'review', 'approve', 'reject', 'renew', 'revoke', 'expiring', 'audit-verify', 'provider']) {
      expect(help.out).toMatch(new RegExp(`\\n  ${sub}\\b`));
    }
    for (const v of ['PALISADE_REVIEWER_KEY', 'PALISADE_APPLICANT_KEY', 'PALISADE_PROVIDER_KEY', 'PALISADE_KYC_KEY', 'devnet up']) expect(help.out).toContain(v);
    expect((await cli(ctx, ['kyc', 'approve', '--help'])).out).not.toContain('--reviewer');
  });
});

describe('one KYC store: the CLI through the running service', () => {
  it('files with the CLI, reads the queue through the API, and both see the same rows', async () => {
    const db = await openDb();
    const registry = new FakeRegistryPort(() => BigInt(Math.floor(Date.now() / 1000)));
    registry.addProvider(BANK, ['DCE'], BigInt(Math.floor(Date.now() / 1000) + 86400 * 3650));
    const kyc = new KycService({ db, registry, encryptionKey: KEY, deployment: TEST_DEPLOYMENT, logger });
    const app = Fastify({ logger: false });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const port = (app.server.address() as AddressInfo).port;
    // (routes after listen are not allowed in Fastify: build a second app on a fixed port instead)
    await app.close();
    const api = Fastify({ logger: false });
    registerSecurity(api, { hosts: allowedHosts('127.0.0.1', port), logger });
    await api.register(complianceRoutes, { kyc, auth: new ReviewerAuth({ db, domains: allowedHosts('127.0.0.1', port), chainId: TEST_DEPLOYMENT.chainId }) });
    await api.listen({ port, host: '127.0.0.1' });
    try {
      const ctx = kycContext({
        apiUrl: () => `http://127.0.0.1:${port}`,
        db: {},
        encryptionKey: undefined,
        chain: () => Promise.reject(new Error('the CLI must not open its own chain or database while the service runs')),
      });
      expect((await cli(ctx, ['kyc', 'provider', 'add', BANK, '--name', 'Bank Y', '--categories', 'ACCREDITED', '--reviewer', reviewerKey.address])).code).toBe(0);
      const filed = await cli(ctx, ['kyc', 'apply', '--provider', BANK, '--name', 'Alice', '--type', 'person', '--category', 'ACCREDITED', '--jurisdiction', 'DE', '--document', `id=0x${'01'.repeat(32)}`, '--json']);
      expect(filed.code, filed.err).toBe(0);
      const { id } = JSON.parse(filed.out) as { id: string };
      // the consent terms came through the API (GET /kyc/consent/:address) and the signed consent was stored
      expect((await db.query<{ grant_consent: unknown }>('SELECT grant_consent FROM kyc_applications WHERE id = $1', [id])).rows[0]!.grant_consent).toMatchObject({ nonce: '0' });
      // the service's own store has it
      expect((await kyc.listProviders()).map((p) => p.address)).toEqual([BANK]);
      const http = new HttpKycClient(`http://127.0.0.1:${port}`);
      await http.signIn(reviewerKey);
      expect((await http.review()).map((a) => [a.id, a.filedAt instanceof Date])).toEqual([[id, true]]);
      const approved = await cli(ctx, ['kyc', 'approve', id, '--lease-days', '30']);
      expect(approved.code, approved.err).toBe(0);
      expect(approved.out).toMatch(new RegExp(`^approved ${id}: grant 0x[0-9a-f]{64} until \\d{4}-`));
      expect((await cli(ctx, ['kyc', 'approve', id])).err).toBe(`palisade: application already approved: ${id}\n`);
      expect((await cli(ctx, ['kyc', 'audit-verify'])).out).toMatch(/^audit log intact: 3 entries/);
    } finally {
      await api.close();
      await db.close();
    }
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

  const chain = (registry: FakeRegistryPort, deployment = TEST_DEPLOYMENT) => async () => ({ registry, deployment, close: async () => undefined });

  it('keeps data across commands in a PGlite directory, refuses another deployment, and a missing key before creating anything', async () => {
    const registry = new FakeRegistryPort(() => 0n);
    const settings = kycSettingsFromEnv({ PALISADE_DATA_DIR: dir, PALISADE_KYC_KEY: KEY });
    expect(settings.db).toEqual({ dataDir: join(dir, 'db') });
    const ctx = kycContext({ ...settings, chain: chain(registry) });
    expect((await cli(ctx, ['kyc', 'provider', 'add', BANK, '--name', 'Bank Y', '--categories', 'RETAIL', '--reviewer', reviewerKey.address])).code).toBe(0);
    expect((await cli(ctx, ['kyc', 'provider', 'list'])).out).toBe(`${BANK}  Bank Y  RETAIL  *  reviewers ${reviewerKey.address}\n`);

    const restarted = kycContext({ ...settings, chain: chain(registry, { ...TEST_DEPLOYMENT, blockHash: `0x${'99'.repeat(32)}` }) });
    const refused = await cli(restarted, ['kyc', 'review']);
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(/^palisade: this KYC database belongs to another chain deployment: it records chain 31337.*the manifest names chain 31337.*0x99999999…/);

    const noKeyDir = join(dir, 'other');
    const noKey = kycContext({ ...kycSettingsFromEnv({ PALISADE_DATA_DIR: noKeyDir }), chain: chain(registry) });
    const r = await cli(noKey, ['kyc', 'review']);
    expect(r).toMatchObject({ code: 1, err: expect.stringMatching(/^palisade: no dossier encryption key configured: set PALISADE_KYC_KEY/) });
    expect(existsSync(noKeyDir)).toBe(false);
  });

  it('uses PostgreSQL when DATABASE_URL is set, migrating as DATABASE_OWNER_URL', () => {
    expect(kycSettingsFromEnv({ DATABASE_URL: 'postgres://u@h/db', PALISADE_KYC_KEY: KEY }).db).toEqual({ url: 'postgres://u@h/db' });
    expect(kycSettingsFromEnv({ DATABASE_URL: 'postgres://app@h/db', DATABASE_OWNER_URL: 'postgres://owner@h/db' }).db).toEqual({ url: 'postgres://app@h/db', ownerUrl: 'postgres://owner@h/db' });
  });
});
