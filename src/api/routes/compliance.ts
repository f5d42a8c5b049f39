/**
 * HTTP endpoints of the KYC service and the qualification check (Fastify plugin).
 *
 *   POST /kyc/applications                     file a dossier                  → 201 application
 *   GET  /kyc/applications?status=&provider=   list; status=pending is the review queue and
 *                                              carries the decrypted dossiers
 *   POST /kyc/applications/:id/approve         { reviewer, leaseDays? | expiresAt? } → { application, grant }
 *   POST /kyc/applications/:id/reject          { reviewer, reason }             → application
 *   POST /kyc/grants/:id/renew                 { actor, leaseDays? | expiresAt? } → grant
 *   POST /kyc/grants/:id/revoke                { actor, reason }                → grant
 *   GET  /kyc/expiring?days=N                  leases ending within N days (default 30)
 *   GET  /kyc/audit/verify                     walk the audit chain
 *   GET  /compliance/check/:address?service=   { address, service, qualified, reason }
 *
 * Input is validated by the service's zod schemas before anything is written. Errors answer
 * `{ error, details }`: 400 for bad input (details = [{ path, message }]), 404 unknown id,
 * 409 conflicting state (duplicate, already decided), 502 a failed chain call.
 */
import type { FastifyError, FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import type { ApplicationInput } from '../../compliance/dossier.ts';
import { addressSchema } from '../../compliance/dossier.ts';
import type { KycService } from '../../compliance/kycService.ts';
import { ValidationError, parseInput } from '../../compliance/validation.ts';
import { BaseError } from '../../shared/errors.ts';

export type ComplianceRoutesOptions = { kyc: KycService };

const applicationsQuery = z.strictObject({
  status: z.enum(['pending', 'approved', 'rejected']).optional(),
  provider: addressSchema.optional(),
});
const expiringQuery = z.strictObject({ days: z.string().optional() });
const checkQuery = z.strictObject({ service: z.string({ message: 'required, e.g. ?service=DCE' }) });

/** A JSON object body (an absent body counts as `{}`). */
function objectBody(body: unknown): Record<string, unknown> {
  if (body === undefined || body === null) return {};
  if (typeof body !== 'object' || Array.isArray(body)) {
    throw new ValidationError('invalid body', [{ path: '', message: 'expected a JSON object' }]);
  }
  return body as Record<string, unknown>;
}

type IdParams = { id: string };

export const complianceRoutes: FastifyPluginAsync<ComplianceRoutesOptions> = async (app, { kyc }) => {
  app.setErrorHandler((err: FastifyError | Error, req, reply) => {
    if (err instanceof ValidationError) return reply.code(400).send({ error: err.message, details: err.issues });
    if (err instanceof BaseError) {
      if (err.status >= 500) req.log.error({ err }, err.message);
      return reply.code(err.status).send({ error: err.message, details: err.details ?? null, code: err.code });
    }
    const status = (err as FastifyError).statusCode;
    if (status !== undefined && status >= 400 && status < 500) {
      return reply.code(status).send({ error: err.message, details: null });
    }
    req.log.error({ err }, 'unhandled error');
    return reply.code(500).send({ error: 'internal error', details: null });
  });

  app.post('/kyc/applications', async (req, reply) => {
    const application = await kyc.apply(objectBody(req.body) as ApplicationInput);
    return reply.code(201).send(application);
  });

  app.get('/kyc/applications', async (req) => {
    const q = parseInput(applicationsQuery, req.query, 'invalid query');
    const applications = q.status === 'pending' ? await kyc.review(q.provider) : await kyc.listApplications(q);
    return { applications };
  });

  app.post<{ Params: IdParams }>('/kyc/applications/:id/approve', async (req) => {
    const body = objectBody(req.body);
    return kyc.approve({ ...body, applicationId: req.params.id } as Parameters<KycService['approve']>[0]);
  });

  app.post<{ Params: IdParams }>('/kyc/applications/:id/reject', async (req) => {
    const body = objectBody(req.body);
    return kyc.reject({ ...body, applicationId: req.params.id } as Parameters<KycService['reject']>[0]);
  });

  app.post<{ Params: IdParams }>('/kyc/grants/:id/renew', async (req) => {
    const body = objectBody(req.body);
    return kyc.renew({ ...body, grantId: req.params.id } as Parameters<KycService['renew']>[0]);
  });

  app.post<{ Params: IdParams }>('/kyc/grants/:id/revoke', async (req) => {
    const body = objectBody(req.body);
    return kyc.revoke({ ...body, grantId: req.params.id } as Parameters<KycService['revoke']>[0]);
  });

  app.get('/kyc/expiring', async (req) => {
    const q = parseInput(expiringQuery, req.query, 'invalid query');
    const days = q.days ?? '30';
    return { days: Number(days), leases: await kyc.expiring(days) };
  });

  app.get('/kyc/audit/verify', async () => kyc.verifyAuditLog());

  app.get<{ Params: { address: string } }>('/compliance/check/:address', async (req) => {
    const q = parseInput(checkQuery, req.query, 'invalid query');
    return kyc.check(req.params.address, q.service);
  });
};
