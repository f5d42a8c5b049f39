import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import Fastify, { type FastifyInstance, type InjectOptions } from 'fastify';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AuditAnchorer } from '../../compliance/auditAnchor.ts';
import { KycService } from '../../compliance/kycService.ts';
import { ReviewerAuth, reviewerSignInMessage } from '../../compliance/reviewerAuth.ts';
import { FakeRegistryPort } from '../../compliance/testing/fakeRegistryPort.ts';
import { FakeAuditAnchor, TEST_DEPLOYMENT, keyOf, signedApplication, signedRegistration } from '../../compliance/testing/kycTestKit.ts';
import { type Db, testDatabases } from '../../shared/db.ts';
import { allowedHosts, assertBindAllowed, registerSecurity } from '../security.ts';
import { complianceRoutes } from './compliance.ts';

vi.setConfig({ testTimeout: 120_000, hookTimeout: 60_000 });

const HOST = '127.0.0.1:8080';
const bankKey = keyOf('bank');
const otherBankKey = keyOf('other bank');
const reviewerKey = keyOf('reviewer');
const otherReviewerKey = keyOf('other reviewer');
const aliceKey = keyOf('alice');
const bobKey = keyOf('bob');
const BANK = bankKey.address;
const ALICE = aliceKey.address;
const T0 = new Date('2030-01-01T00:00:00.000Z');
const T0S = T0.getTime() / 1000;

const fields = (over: Record<string, unknown> = {}) => ({
  provider: BANK,
  applicant: ALICE,
  legalName: 'Alice Example',
  subjectType: 'person',
  category: 'ACCREDITED',
  jurisdiction: 'DE',
  documents: [{ kind: 'passport', digest: `0x${'aa'.repeat(32)}` }],
  ...over,
});

const TABLES = ['kyc_providers', 'kyc_reviewers', 'kyc_key_check', 'kyc_applications', 'kyc_grants', 'kyc_audit_log', 'kyc_deployment'];
async function snapshot(db: Db) {
  const out: Record<string, unknown[]> = {};
  for (const t of TABLES) out[t] = (await db.query(`SELECT * FROM ${t} ORDER BY 1`)).rows;
  return out;
}

describe.each(testDatabases())('compliance routes on $name', ({ open }) => {
  let db: Db;
  let registry: FakeRegistryPort;
  let anchors: FakeAuditAnchor;
  let app: FastifyInstance;
  let logged: string[];
  let token: string;
  let otherToken: string;

  const req = (o: InjectOptions & { token?: string }) => {
    const { token: t, headers, ...rest } = o;
    return app.inject({ ...rest, headers: { host: HOST, ...(t ? { authorization: `Bearer ${t}` } : {}), ...headers } });
  };
  const signIn = async (key = reviewerKey) => {
    const n = (await req({ url: '/kyc/auth/nonce' })).json<{ nonce: string; domain: string; chainId: number }>();
    const message = reviewerSignInMessage({ domain: n.domain, uri: `http://${HOST}`, address: key.address, chainId: n.chainId, nonce: n.nonce, issuedAt: T0 });
    return req({ method: 'POST', url: '/kyc/auth/sign-in', payload: { message, signature: await key.signMessage({ message }) } });
  };

  beforeEach(async () => {
    db = await open();
    registry = new FakeRegistryPort(() => BigInt(T0S));
    registry.addProvider(BANK, ['DCE'], BigInt(T0S + 10 * 365 * 86400));
    registry.addProvider(otherBankKey.address, ['DCE'], BigInt(T0S + 10 * 365 * 86400));
    anchors = new FakeAuditAnchor();
    logged = [];
    const log = pino({ level: 'info' }, new Writable({ write: (c, _e, cb) => (logged.push(String(c)), cb()) }));
    const anchorer = new AuditAnchorer({ db, port: anchors, logger: log });
    const kyc = new KycService({ db, registry, encryptionKey: randomBytes(32), deployment: TEST_DEPLOYMENT, anchors, anchorNow: () => anchorer.anchorNow(), now: () => T0, logger: log });
    await kyc.registerProvider(await signedRegistration(bankKey, { name: 'Bank Y', categories: ['ACCREDITED'], reviewers: [reviewerKey.address] }, { issuedAt: T0S }));
    await kyc.registerProvider(await signedRegistration(otherBankKey, { name: 'Bank Z', categories: ['ACCREDITED'], reviewers: [otherReviewerKey.address] }, { issuedAt: T0S }));
    const auth = new ReviewerAuth({ db, domains: allowedHosts('127.0.0.1', 8080), chainId: TEST_DEPLOYMENT.chainId, now: () => T0 });
    app = Fastify({ logger: false });
    registerSecurity(app, { hosts: allowedHosts('127.0.0.1', 8080), logger: log });
    await app.register(complianceRoutes, { kyc, auth, logger: log, limits: { signIn: { max: 1000, windowMs: 60_000 }, apply: { max: 1000, windowMs: 60_000 } } });
    await app.ready();
    token = (await signIn()).json<{ token: string }>().token;
    otherToken = (await signIn(otherReviewerKey)).json<{ token: string }>().token;
  });
  afterEach(async () => {
    await app.close();
    await db.close();
  });

  const fileAlice = async (over: Record<string, unknown> = {}) => {
    const r = await req({ method: 'POST', url: '/kyc/applications', payload: await signedApplication(aliceKey, fields(over), { issuedAt: T0S }) });
    expect(r.statusCode, r.body).toBe(201);
    return r.json<{ id: string; dossierHash: string }>();
  };

  it('files, reviews, approves, renews, revokes, lists and checks, as the signed-in reviewer', async () => {
    const application = await fileAlice();
    const queue = await req({ url: '/kyc/applications?status=pending', token });
    expect(queue.json()).toMatchObject({ applications: [{ id: application.id, dossier: { legalName: 'Alice Example' } }] });
    expect((await req({ url: `/kyc/applications/${application.id}`, token })).json()).toMatchObject({ dossier: { legalName: 'Alice Example' } });
    expect((await req({ url: '/kyc/session', token })).json()).toEqual({ address: reviewerKey.address, provider: BANK });

    const approved = await req({ method: 'POST', url: `/kyc/applications/${application.id}/approve`, payload: { leaseDays: 10 }, token });
    expect(approved.statusCode, approved.body).toBe(200);
    const grant = approved.json<{ application: { reviewer: string }; grant: { id: string; expiresAt: string } }>();
    expect(grant.application.reviewer).toBe(reviewerKey.address);
    expect(grant.grant.expiresAt).toBe('2030-01-11T00:00:00.000Z');
    const id = grant.grant.id;

    expect((await req({ url: '/kyc/applications?status=approved', token })).body).not.toContain('Alice Example');
    expect((await req({ url: '/kyc/expiring?days=30', token })).json()).toMatchObject({ days: 30, leases: [{ id, daysLeft: 10 }] });
    expect((await req({ url: '/kyc/grants', token })).json()).toMatchObject({ grants: [{ id }] });
    expect((await req({ url: `/compliance/check/${ALICE}?service=DCE` })).json()).toEqual({ address: ALICE, service: 'DCE', qualified: true, reason: 'qualified' });
    expect((await req({ method: 'POST', url: `/kyc/grants/${id}/renew`, payload: { expiresAt: '2030-06-01T00:00:00Z' }, token })).json()).toMatchObject({ expiresAt: '2030-06-01T00:00:00.000Z' });
    expect((await req({ method: 'POST', url: `/kyc/grants/${id}/revoke`, payload: { reason: 'fraud' }, token })).json()).toMatchObject({ status: 'revoked', revokeReason: 'fraud' });
    expect((await req({ url: '/kyc/audit/verify' })).json()).toMatchObject({ ok: true, entries: 6, anchoredSeq: 6, unanchored: 0 });
    expect((await req({ url: '/kyc/providers' })).json()).toMatchObject({ providers: [{ name: 'Bank Y', reviewers: [reviewerKey.address] }, { name: 'Bank Z' }] });
    expect((await req({ method: 'POST', url: '/kyc/auth/sign-out', token })).statusCode).toBe(204);
    expect((await req({ url: '/kyc/session', token })).statusCode).toBe(401);
  });

  it('every KYC route: no session → 401, another provider’s reviewer → 403, forged Host → 421; nothing changes in the database or on chain', async () => {
    const pending = await fileAlice();
    const other = await req({ method: 'POST', url: '/kyc/applications', payload: await signedApplication(bobKey, fields({ applicant: bobKey.address }), { issuedAt: T0S }) });
    const toApprove = other.json<{ id: string }>();
    const grantId = (await req({ method: 'POST', url: `/kyc/applications/${pending.id}/approve`, payload: {}, token })).json<{ grant: { id: string } }>().grant.id;
    const before = await snapshot(db);
    const calls = registry.calls.length;
    const anchored = anchors.records.length;

    const reviewerRoutes: Array<[string, InjectOptions]> = [
      ['queue', { url: `/kyc/applications?status=pending&provider=${BANK}` }],
      ['list', { url: `/kyc/applications?status=approved&provider=${BANK}` }],
      ['read', { url: `/kyc/applications/${toApprove.id}` }],
      ['approve', { method: 'POST', url: `/kyc/applications/${toApprove.id}/approve`, payload: { leaseDays: 30 } }],
      ['reject', { method: 'POST', url: `/kyc/applications/${toApprove.id}/reject`, payload: { reason: 'no' } }],
      ['grants', { url: `/kyc/grants?provider=${BANK}` }],
      ['renew', { method: 'POST', url: `/kyc/grants/${grantId}/renew`, payload: { leaseDays: 30 } }],
      ['revoke', { method: 'POST', url: `/kyc/grants/${grantId}/revoke`, payload: { reason: 'no' } }],
    ];
    for (const [what, r] of reviewerRoutes) {
      const anon = await req(r);
      expect(anon.statusCode, `${what} anonymous`).toBe(401);
      expect((await req({ ...r, headers: { authorization: 'Bearer not-a-real-token-at-all-000' } })).statusCode, `${what} bad token`).toBe(401);
      const foreign = await req({ ...r, token: otherToken });
      expect(foreign.statusCode, `${what} other provider: ${foreign.body}`).toBe(403);
    }
    for (const r of [{ url: '/kyc/expiring?days=30' }, { url: '/kyc/session' }, { method: 'POST' as const, url: '/kyc/auth/sign-out' }]) {
      expect((await req(r)).statusCode, r.url).toBe(401);
    }
    // the other reviewer's own views are scoped: nothing of Bank Y shows
    expect((await req({ url: '/kyc/applications?status=pending', token: otherToken })).json()).toEqual({ applications: [] });
    expect((await req({ url: '/kyc/expiring?days=1000', token: otherToken })).json()).toMatchObject({ leases: [] });

    const everyRoute: InjectOptions[] = [
      ...reviewerRoutes.map(([, r]) => r),
      { url: '/kyc/expiring?days=30' },
      { url: '/kyc/auth/nonce' },
      { method: 'POST', url: '/kyc/auth/sign-in', payload: {} },
      { url: '/kyc/providers' },
      { method: 'POST', url: '/kyc/providers', payload: {} },
      { method: 'POST', url: '/kyc/applications', payload: await signedApplication(aliceKey, fields({ legalName: 'Other' }), { issuedAt: T0S }) },
      { url: '/kyc/audit/verify' },
      { url: `/compliance/check/${ALICE}?service=DCE` },
    ];
    for (const r of everyRoute) {
      for (const host of ['evil.example:8080', 'attacker.test', '127.0.0.1:9999', '']) {
        const res = await req({ ...r, token, headers: { host } });
        expect(res.statusCode, `${r.method ?? 'GET'} ${r.url} Host ${host}`).toBe(421);
      }
    }
    expect(registry.calls.length).toBe(calls);
    expect(anchors.records.length).toBe(anchored);
    expect(await snapshot(db)).toEqual(before);
  });

  it('an unsigned or wrongly signed application → 400, nothing stored', async () => {
    const before = await snapshot(db);
    const good = await signedApplication(aliceKey, fields(), { issuedAt: T0S });
    const { signature: _s, ...unsigned } = good;
    const cases: Array<[string, unknown, string]> = [
      ['unsigned', unsigned, 'invalid application'],
      ['signed by another key', await signedApplication(bobKey, fields(), { issuedAt: T0S }), 'application not signed by the applicant'],
      ['edited after signing', { ...good, jurisdiction: 'FR' }, 'application not signed by the applicant'],
      ['not a signature', { ...good, signature: '0x1234' }, 'invalid application'],
    ];
    for (const [what, payload, error] of cases) {
      const r = await req({ method: 'POST', url: '/kyc/applications', payload: payload as object });
      expect(r.statusCode, what).toBe(400);
      expect(r.json<{ error: string }>().error, what).toBe(error);
    }
    expect(await snapshot(db)).toEqual(before);
    expect(registry.calls).toHaveLength(0);
  });

  it('sign-in refuses a wrong domain, a spent nonce, another chain, a forged signature, a non-reviewer', async () => {
    const n = () => req({ url: '/kyc/auth/nonce' }).then((r) => r.json<{ nonce: string }>().nonce);
    const attempt = async (o: { domain?: string; chainId?: number; nonce?: string; key?: typeof reviewerKey; signer?: typeof reviewerKey }) => {
      const key = o.key ?? reviewerKey;
      const message = reviewerSignInMessage({ domain: o.domain ?? HOST, uri: `http://${HOST}`, address: key.address, chainId: o.chainId ?? TEST_DEPLOYMENT.chainId, nonce: o.nonce ?? (await n()), issuedAt: T0 });
      return req({ method: 'POST', url: '/kyc/auth/sign-in', payload: { message, signature: await (o.signer ?? key).signMessage({ message }) } });
    };
    expect((await attempt({ domain: 'evil.example' })).statusCode).toBe(401);
    expect((await attempt({ chainId: 1 })).statusCode).toBe(401);
    expect((await attempt({ nonce: 'abcdefgh12345678' })).statusCode).toBe(401);
    expect((await attempt({ signer: bobKey })).statusCode).toBe(401);
    expect((await attempt({ key: bobKey })).statusCode).toBe(403);
    const nonce = await n();
    expect((await attempt({ nonce })).statusCode).toBe(200);
    expect((await attempt({ nonce })).statusCode).toBe(401); // spent
    expect((await req({ method: 'POST', url: '/kyc/auth/sign-in', payload: { message: 'hi' } })).statusCode).toBe(400);
  });

  it('answers bad input with 400 before anything: NUL in a reason, leaseDays true, days=0x10, a reviewer field', async () => {
    const a = await fileAlice();
    const before = await snapshot(db);
    const cases: Array<[string, InjectOptions, string, string?]> = [
      ['NUL reason', { method: 'POST', url: `/kyc/applications/${a.id}/reject`, payload: { reason: 'bad\u0000' } }, 'invalid rejection', 'reason'],
      ['leaseDays true', { method: 'POST', url: `/kyc/applications/${a.id}/approve`, payload: { leaseDays: true } }, 'invalid approval', 'leaseDays'],
      ['leaseDays string', { method: 'POST', url: `/kyc/applications/${a.id}/approve`, payload: { leaseDays: '30' } }, 'invalid approval', 'leaseDays'],
      ['reviewer in body', { method: 'POST', url: `/kyc/applications/${a.id}/approve`, payload: { reviewer: 'mallory' } }, 'invalid approval', ''],
      ['hex days', { url: '/kyc/expiring?days=0x10' }, 'invalid number of days'],
      ['negative days', { url: '/kyc/expiring?days=-3' }, 'invalid number of days'],
      ['bad grant id', { method: 'POST', url: '/kyc/grants/0x12/revoke', payload: { reason: 'b' } }, 'invalid revocation', 'grantId'],
      ['bad app id', { method: 'POST', url: '/kyc/applications/xyz/approve', payload: {} }, 'invalid approval', 'applicationId'],
      ['bad status', { url: '/kyc/applications?status=open' }, 'invalid query', 'status'],
      ['array body', { method: 'POST', url: `/kyc/applications/${a.id}/reject`, payload: [1] }, 'invalid body'],
      ['no service', { url: `/compliance/check/${ALICE}` }, 'invalid query', 'service'],
    ];
    for (const [what, r, error, path] of cases) {
      const res = await req({ ...r, token });
      expect(res.statusCode, `${what}: ${res.body}`).toBe(400);
      const b = res.json<{ error: string; details: Array<{ path: string }> }>();
      expect(b.error, what).toBe(error);
      if (path !== undefined) expect(b.details.map((d) => d.path), what).toContain(path);
    }
    expect(registry.calls).toHaveLength(0);
    expect(await snapshot(db)).toEqual(before);
  });

  it('logs every 5xx with its cause; 404 and 409 as before', async () => {
    const missing = await req({ method: 'POST', url: '/kyc/applications/00000000-0000-4000-8000-000000000000/approve', payload: {}, token });
    expect(missing.statusCode).toBe(404);
    const { id } = await fileAlice();
    const dup = await req({ method: 'POST', url: '/kyc/applications', payload: await signedApplication(aliceKey, fields({ legalName: 'Again' }), { issuedAt: T0S }) });
    expect(dup.statusCode).toBe(409);
    const before = await snapshot(db);
    registry.failNext = new Error('execution reverted');
    const failed = await req({ method: 'POST', url: `/kyc/applications/${id}/approve`, payload: {}, token });
    expect(failed.statusCode).toBe(502);
    expect(failed.json()).toMatchObject({ error: 'registry grantClient failed', details: 'execution reverted' });
    expect(await snapshot(db)).toEqual(before);
    const line = logged.map((l) => JSON.parse(l) as { level: number; msg: string; err?: { message: string; details?: string }; url?: string }).find((l) => l.level >= 50);
    expect(line).toMatchObject({ msg: 'registry grantClient failed', url: `/kyc/applications/${id}/approve`, err: { details: 'execution reverted' } });
  });

  it('rate-limits sign-in and filings, and serves no CORS', async () => {
    const limited = Fastify({ logger: false });
    registerSecurity(limited, { hosts: [HOST], logger: pino({ level: 'silent' }) });
    const auth = new ReviewerAuth({ db, domains: [HOST], chainId: 31337 });
    const kyc = new KycService({ db, registry, encryptionKey: randomBytes(32), deployment: TEST_DEPLOYMENT });
    await limited.register(complianceRoutes, { kyc, auth, limits: { signIn: { max: 3, windowMs: 60_000 }, apply: { max: 2, windowMs: 60_000 } } });
    const codes = [];
    for (let i = 0; i < 5; i++) codes.push((await limited.inject({ url: '/kyc/auth/nonce', headers: { host: HOST } })).statusCode);
    expect(codes).toEqual([200, 200, 200, 429, 429]);
    const filings = [];
    for (let i = 0; i < 3; i++) filings.push((await limited.inject({ method: 'POST', url: '/kyc/applications', headers: { host: HOST }, payload: {} })).statusCode);
    expect(filings).toEqual([400, 400, 429]);
    const cors = await limited.inject({ url: '/kyc/providers', headers: { host: HOST, origin: 'https://evil.example' } });
    expect(cors.headers['access-control-allow-origin']).toBeUndefined();
    const preflight = await limited.inject({ method: 'OPTIONS', url: '/kyc/applications', headers: { host: HOST, origin: 'https://evil.example', 'access-control-request-method': 'POST' } });
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
    await limited.close();
  });
});

describe('API binding', () => {
  it('refuses to listen beyond loopback unless configured, and then warns', () => {
    const warn = vi.fn();
    expect(() => assertBindAllowed('127.0.0.1', false, { warn } as never)).not.toThrow();
    expect(() => assertBindAllowed('localhost', false, { warn } as never)).not.toThrow();
    expect(() => assertBindAllowed('0.0.0.0', false, { warn } as never)).toThrow(/refusing to serve the API on 0.0.0.0/);
    expect(() => assertBindAllowed('192.168.1.5', false, { warn } as never)).toThrow(/only loopback/);
    expect(warn).not.toHaveBeenCalled();
    assertBindAllowed('0.0.0.0', true, { warn } as never);
    expect(warn).toHaveBeenCalledOnce();
    expect(allowedHosts('127.0.0.1', 8080)).toEqual(['127.0.0.1:8080', 'localhost:8080', '[::1]:8080']);
    expect(allowedHosts('10.0.0.2', 80)).toEqual(['10.0.0.2:80']);
  });
});
