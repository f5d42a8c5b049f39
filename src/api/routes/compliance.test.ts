import { randomBytes } from 'node:crypto';
import Fastify, { type FastifyInstance, type InjectOptions } from 'fastify';
import type { Address } from 'viem';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { KycService } from '../../compliance/kycService.ts';
import { FakeRegistryPort } from '../../compliance/testing/fakeRegistryPort.ts';
import { type Db, testDatabases } from '../../shared/db.ts';
import { complianceRoutes } from './compliance.ts';

vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

const BANK = '0x1111111111111111111111111111111111111111' as Address;
const ALICE = '0xaAaAaAaaAaAaAaaAaAAAAAAAAaaaAaAaAaaAaaAa' as Address;
const T0 = new Date('2030-01-01T00:00:00.000Z');
const SECONDS = BigInt(T0.getTime() / 1000);

const body = {
  provider: BANK,
  applicant: ALICE,
  legalName: 'Alice Example',
  subjectType: 'person',
  category: 'ACCREDITED',
  jurisdiction: 'DE',
  documents: [{ kind: 'passport', digest: `0x${'aa'.repeat(32)}` }],
};

async function snapshot(db: Db) {
  const out: Record<string, unknown[]> = {};
  for (const t of ['kyc_providers', 'kyc_key_check', 'kyc_applications', 'kyc_grants', 'kyc_audit_log']) {
    out[t] = (await db.query(`SELECT * FROM ${t} ORDER BY 1`)).rows;
  }
  return out;
}

describe.each(testDatabases())('compliance routes on $name', ({ open }) => {
  let db: Db;
  let registry: FakeRegistryPort;
  let app: FastifyInstance;

  beforeEach(async () => {
    db = await open();
    registry = new FakeRegistryPort(() => SECONDS);
    registry.addProvider(BANK, ['DCE'], SECONDS + 10n * 365n * 86400n);
    const kyc = new KycService({ db, registry, encryptionKey: randomBytes(32), now: () => T0 });
    await kyc.registerProvider({ address: BANK, name: 'Bank Y', categories: ['ACCREDITED'] });
    app = Fastify({ logger: false });
    await app.register(complianceRoutes, { kyc });
    await app.ready();
  });
  afterEach(async () => {
    await app.close();
    await db.close();
  });

  it('files, reviews, approves, renews, revokes, lists and checks', async () => {
    const filed = await app.inject({ method: 'POST', url: '/kyc/applications', payload: body });
    expect(filed.statusCode).toBe(201);
    const application = filed.json<{ id: string; dossierHash: string }>();

    const queue = await app.inject({ url: `/kyc/applications?status=pending&provider=${BANK}` });
    expect(queue.statusCode).toBe(200);
    expect(queue.json()).toMatchObject({ applications: [{ id: application.id, dossier: { legalName: 'Alice Example' } }] });

    const approved = await app.inject({
      method: 'POST',
      url: `/kyc/applications/${application.id}/approve`,
      payload: { reviewer: 'rev', leaseDays: 10 },
    });
    expect(approved.statusCode).toBe(200);
    const grant = approved.json<{ grant: { id: string; expiresAt: string } }>().grant;
    expect(grant.expiresAt).toBe('2030-01-11T00:00:00.000Z');
    expect(registry.calls[0]).toEqual({
      method: 'grantClient',
      args: [{ provider: BANK, account: ALICE, category: 'ACCREDITED', jurisdiction: 'DE', dossierHash: application.dossierHash, expiry: SECONDS + 10n * 86400n }],
    });

    const listed = await app.inject({ url: '/kyc/applications?status=approved' });
    expect(listed.json()).toMatchObject({ applications: [{ id: application.id, status: 'approved' }] });
    expect(listed.body).not.toContain('Alice Example');

    const expiring = await app.inject({ url: '/kyc/expiring?days=30' });
    expect(expiring.json()).toMatchObject({ days: 30, leases: [{ id: grant.id, daysLeft: 10, expired: false }] });
    expect((await app.inject({ url: '/kyc/expiring' })).json()).toMatchObject({ days: 30, leases: [{ id: grant.id }] });

    const check = await app.inject({ url: `/compliance/check/${ALICE}?service=DCE` });
    expect(check.json()).toEqual({ address: ALICE, service: 'DCE', qualified: true, reason: 'qualified' });

    const renewed = await app.inject({ method: 'POST', url: `/kyc/grants/${grant.id}/renew`, payload: { actor: 'rev', expiresAt: '2030-06-01T00:00:00Z' } });
    expect(renewed.statusCode).toBe(200);
    expect(renewed.json()).toMatchObject({ expiresAt: '2030-06-01T00:00:00.000Z' });

    const revoked = await app.inject({ method: 'POST', url: `/kyc/grants/${grant.id}/revoke`, payload: { actor: 'rev', reason: 'fraud' } });
    expect(revoked.json()).toMatchObject({ status: 'revoked', revokeReason: 'fraud' });
    expect((await app.inject({ url: `/compliance/check/${ALICE}?service=DCE` })).json()).toMatchObject({ qualified: false, reason: 'revoked' });

    const audit = await app.inject({ url: '/kyc/audit/verify' });
    expect(audit.json()).toMatchObject({ ok: true, entries: 5 });
  });

  it('rejects with a reason', async () => {
    const { id } = (await app.inject({ method: 'POST', url: '/kyc/applications', payload: body })).json<{ id: string }>();
    const r = await app.inject({ method: 'POST', url: `/kyc/applications/${id}/reject`, payload: { reviewer: 'rev', reason: 'sanctions hit' } });
    expect(r.json()).toMatchObject({ status: 'rejected', reason: 'sanctions hit' });
    const again = await app.inject({ method: 'POST', url: `/kyc/applications/${id}/reject`, payload: { reviewer: 'rev', reason: 'x' } });
    expect(again.statusCode).toBe(409);
    expect(again.json()).toMatchObject({ error: 'application already rejected' });
  });

  it('answers bad input with 400 { error, details } and writes nothing', async () => {
    const before = await snapshot(db);
    const cases: Array<[string, InjectOptions, string, string?]> = [
      ['bad address', { method: 'POST', url: '/kyc/applications', payload: { ...body, applicant: '0xnope' } }, 'invalid application', 'applicant'],
      ['bad jurisdiction', { method: 'POST', url: '/kyc/applications', payload: { ...body, jurisdiction: 'XX' } }, 'invalid application', 'jurisdiction'],
      ['bad category', { method: 'POST', url: '/kyc/applications', payload: { ...body, category: 'VIP' } }, 'invalid application', 'category'],
      ['array body', { method: 'POST', url: '/kyc/applications', payload: [body] }, 'invalid body'],
      ['bad status', { url: '/kyc/applications?status=open' }, 'invalid query', 'status'],
      ['bad days', { url: '/kyc/expiring?days=-3' }, 'invalid number of days'],
      ['bad grant id', { method: 'POST', url: '/kyc/grants/0x12/revoke', payload: { actor: 'a', reason: 'b' } }, 'invalid revocation', 'grantId'],
      ['no reason', { method: 'POST', url: `/kyc/grants/0x${'ab'.repeat(32)}/revoke`, payload: { actor: 'a' } }, 'invalid revocation', 'reason'],
      ['bad app id', { method: 'POST', url: '/kyc/applications/xyz/approve', payload: { reviewer: 'r' } }, 'invalid approval', 'applicationId'],
      ['no service', { url: `/compliance/check/${ALICE}` }, 'invalid query', 'service'],
      ['bad service', { url: `/compliance/check/${ALICE}?service=SWAP` }, 'invalid service'],
      ['bad check address', { url: '/compliance/check/0x12?service=DCE' }, 'invalid address'],
    ];
    for (const [what, req, error, path] of cases) {
      const r = await app.inject(req);
      expect(r.statusCode, what).toBe(400);
      const b = r.json<{ error: string; details: Array<{ path: string }> }>();
      expect(b.error, what).toBe(error);
      expect(Array.isArray(b.details), what).toBe(true);
      if (path) expect(b.details.map((d) => d.path), what).toContain(path);
    }
    const badJson = await app.inject({ method: 'POST', url: '/kyc/applications', headers: { 'content-type': 'application/json' }, payload: '{"oops' });
    expect(badJson.statusCode).toBe(400);
    expect(badJson.json()).toHaveProperty('error');
    const unknown = await app.inject({ method: 'POST', url: '/kyc/applications', payload: { ...body, provider: '0x2222222222222222222222222222222222222222' } });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json()).toMatchObject({ error: 'unknown provider', details: '0x2222222222222222222222222222222222222222' });
    expect(await snapshot(db)).toEqual(before);
  });

  it('answers 404 for an unknown application, 409 for a duplicate, 502 for a failed chain call', async () => {
    const missing = await app.inject({ method: 'POST', url: '/kyc/applications/00000000-0000-4000-8000-000000000000/approve', payload: { reviewer: 'r' } });
    expect(missing.statusCode).toBe(404);
    const { id } = (await app.inject({ method: 'POST', url: '/kyc/applications', payload: body })).json<{ id: string }>();
    const dup = await app.inject({ method: 'POST', url: '/kyc/applications', payload: body });
    expect(dup.statusCode).toBe(409);
    expect(dup.json()).toMatchObject({ error: 'duplicate application: one is already open with this provider' });

    const before = await snapshot(db);
    registry.failNext = new Error('execution reverted');
    const failed = await app.inject({ method: 'POST', url: `/kyc/applications/${id}/approve`, payload: { reviewer: 'r' } });
    expect(failed.statusCode).toBe(502);
    expect(failed.json()).toMatchObject({ error: 'registry grantClient failed', details: 'execution reverted' });
    expect(await snapshot(db)).toEqual(before);
  });
});
