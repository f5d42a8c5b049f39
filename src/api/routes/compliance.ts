/**
 * HTTP endpoints of the KYC service and the qualification check (Fastify plugin).
 *
 * Anyone:
 *   GET  /kyc/auth/nonce                       { nonce, domain, chainId, expiresAt } for a SIWE message   (rate-limited)
 *   POST /kyc/auth/sign-in                     { message, signature } → { token, address, provider, expiresAt } (rate-limited)
 *   GET  /kyc/providers                        registered providers, their scope and reviewers
 *   POST /kyc/providers                        a registration the provider signed (EIP-712)               (rate-limited)
 *   GET  /kyc/consent/:address                 { registry, chainId, grantee, nonce } to sign a GrantConsent over
 *   POST /kyc/applications                     an application the applicant signed (EIP-712) → 201       (rate-limited)
 *                                              optional `consent: { nonce, deadline, signature }`: the applicant's
 *                                              EIP-712 GrantConsent (src/chain/grantConsent.ts; grantee = applicant,
 *                                              grantor = provider, nonce = the registry's consentNonce(applicant) as
 *                                              a number or decimal string, deadline = unix seconds, in the future),
 *                                              checked on filing (400 BAD_CONSENT, nothing stored) and relayed with
 *                                              consentBySig at approval; without it the applicant consents on chain
 *   GET  /kyc/audit/verify                     hash chain, row digests and on-chain anchors
 *   GET  /compliance/check/:address?service=   { address, service, qualified, reason }
 *
 * A signed-in reviewer (Authorization: Bearer <token>), for its own provider only (403 otherwise):
 *   GET  /kyc/session                          who the token speaks for
 *   POST /kyc/auth/sign-out
 *   GET  /kyc/applications?status=             status=pending is the review queue, with the decrypted dossiers
 *   GET  /kyc/applications/:id                 one application with its dossier
 *   POST /kyc/applications/:id/approve         { leaseDays? | expiresAt? } → { application, grant }
 *   POST /kyc/applications/:id/reject          { reason }                  → application
 *   GET  /kyc/grants?status=&account=
 *   POST /kyc/grants/:id/renew                 { leaseDays? | expiresAt? } → grant
 *   POST /kyc/grants/:id/revoke                { reason }                  → grant
 *   GET  /kyc/expiring?days=N                  leases ending within N days (default 30)
 *
 * Errors answer `{ error, details, code }`: 400 bad input or signature (details = [{ path, message }]
 * for field errors), 401 no or expired session, 403 another provider's record, 404 unknown id, 409
 * conflicting state, 421 forged Host (security.ts), 429 rate limit, 502 a failed chain call.
 */
import type { FastifyError, FastifyPluginAsync, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { KycService } from '../../compliance/kycService.ts';
import type { Reviewer, ReviewerAuth } from '../../compliance/reviewerAuth.ts';
import { ValidationError, parseInput } from '../../compliance/validation.ts';
import { logger as rootLogger, type Logger } from '../../shared/logger.ts';
import { type RateLimit, rateLimiter, sendError } from '../security.ts';

export type ComplianceRoutesOptions = {
  kyc: KycService;
  auth: ReviewerAuth;
  /** Per client address; defaults: 20 sign-ins and 20 filings a minute. */
  limits?: { signIn?: RateLimit; apply?: RateLimit };
  logger?: Logger;
};

const applicationsQuery = z.strictObject({
  status: z.enum(['pending', 'approved', 'rejected']).optional(),
  provider: z.string().optional(),
});
const grantsQuery = z.strictObject({ status: z.enum(['active', 'revoked']).optional(), account: z.string().optional(), provider: z.string().optional() });
const expiringQuery = z.strictObject({ days: z.string().optional() });
const checkQuery = z.strictObject({ service: z.string({ message: 'required, e.g. ?service=DCE' }) });
const noQuery = z.strictObject({});

/** A JSON object body (an absent body counts as `{}`). */
function objectBody(body: unknown): Record<string, unknown> {
  if (body === undefined || body === null) return {};
  if (typeof body !== 'object' || Array.isArray(body)) {
    throw new ValidationError('invalid body', [{ path: '', message: 'expected a JSON object' }]);
  }
  return body as Record<string, unknown>;
}

type IdParams = { id: string };
const MINUTE = 60_000;

export const complianceRoutes: FastifyPluginAsync<ComplianceRoutesOptions> = async (app, { kyc, auth, limits, logger }) => {
  const log = logger ?? rootLogger;
  app.setErrorHandler((err: FastifyError | Error, req, reply) => sendError(err, req, reply, log));
  const signInLimit = rateLimiter('sign-in', limits?.signIn ?? { max: 20, windowMs: MINUTE });
  const applyLimit = rateLimiter('filing', limits?.apply ?? { max: 20, windowMs: MINUTE });
  // The session is resolved in onRequest, before the body is even parsed: no session, 401, nothing read.
  const sessions = new WeakMap<FastifyRequest, Reviewer>();
  const signedIn = {
    onRequest: async (req: FastifyRequest) => {
      sessions.set(req, await auth.authenticate(req.headers.authorization));
    },
  };
  const reviewer = async (req: FastifyRequest): Promise<Reviewer> => sessions.get(req) ?? auth.authenticate(req.headers.authorization);

  // ----- sign-in ---------------------------------------------------------------------------
  app.get('/kyc/auth/nonce', { onRequest: signInLimit }, async (req) => auth.nonce(req.headers.host));
  app.post('/kyc/auth/sign-in', { onRequest: signInLimit }, async (req) => {
    const s = await auth.signIn(objectBody(req.body));
    return { token: s.token, address: s.address, provider: s.provider, expiresAt: s.expiresAt };
  });
  app.post('/kyc/auth/sign-out', signedIn, async (req, reply) => {
    await reviewer(req);
    auth.signOut(req.headers.authorization);
    return reply.code(204).send();
  });
  app.get('/kyc/session', signedIn, async (req) => reviewer(req));

  // ----- public ----------------------------------------------------------------------------
  app.get('/kyc/providers', async () => ({ providers: await kyc.listProviders() }));
  app.post('/kyc/providers', { onRequest: applyLimit }, async (req, reply) => reply.code(201).send(await kyc.registerProvider(objectBody(req.body))));
  app.get<{ Params: { address: string } }>('/kyc/consent/:address', async (req) => kyc.consentTerms(req.params.address));
  app.post('/kyc/applications', { onRequest: applyLimit }, async (req, reply) => reply.code(201).send(await kyc.apply(objectBody(req.body))));
  app.get('/kyc/audit/verify', async () => kyc.verifyAuditLog());
  app.get<{ Params: { address: string } }>('/compliance/check/:address', async (req) => {
    const q = parseInput(checkQuery, req.query, 'invalid query');
    return kyc.check(req.params.address, q.service);
  });

  // ----- reviewers -------------------------------------------------------------------------
  app.get('/kyc/applications', signedIn, async (req) => {
    const me = await reviewer(req);
    const q = parseInput(applicationsQuery, req.query, 'invalid query');
    if (q.status === 'pending') {
      // the queue: the reviewer's provider's; asking for another provider's is refused, not emptied
      if (q.provider !== undefined) await kyc.listApplications(me, { provider: q.provider });
      return { applications: await kyc.review(me) };
    }
    return { applications: await kyc.listApplications(me, q) };
  });
  app.get<{ Params: IdParams }>('/kyc/applications/:id', signedIn, async (req) => {
    const me = await reviewer(req);
    parseInput(noQuery, req.query, 'invalid query');
    return kyc.getApplication(me, req.params.id, { withDossier: true });
  });
  app.post<{ Params: IdParams }>('/kyc/applications/:id/approve', signedIn, async (req) => {
    const me = await reviewer(req);
    return kyc.approve(me, { ...objectBody(req.body), applicationId: req.params.id } as Parameters<KycService['approve']>[1]);
  });
  app.post<{ Params: IdParams }>('/kyc/applications/:id/reject', signedIn, async (req) => {
    const me = await reviewer(req);
    return kyc.reject(me, { ...objectBody(req.body), applicationId: req.params.id } as Parameters<KycService['reject']>[1]);
  });
  app.get('/kyc/grants', signedIn, async (req) => {
    const me = await reviewer(req);
    const q = parseInput(grantsQuery, req.query, 'invalid query');
    return { grants: await kyc.listGrants(me, q) };
  });
  app.post<{ Params: IdParams }>('/kyc/grants/:id/renew', signedIn, async (req) => {
    const me = await reviewer(req);
    return kyc.renew(me, { ...objectBody(req.body), grantId: req.params.id } as Parameters<KycService['renew']>[1]);
  });
  app.post<{ Params: IdParams }>('/kyc/grants/:id/revoke', signedIn, async (req) => {
    const me = await reviewer(req);
    return kyc.revoke(me, { ...objectBody(req.body), grantId: req.params.id } as Parameters<KycService['revoke']>[1]);
  });
  app.get('/kyc/expiring', signedIn, async (req) => {
    const me = await reviewer(req);
    const q = parseInput(expiringQuery, req.query, 'invalid query');
    const days = q.days ?? '30';
    const leases = await kyc.expiring(me, days);
    return { days: Number(days), leases };
  });
};
