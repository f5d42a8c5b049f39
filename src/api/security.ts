/**
 * What stands between the API and the rest of the network (issue 7):
 *
 * - the Host header must name this API (its configured host, or a loopback name when bound to
 *   loopback), so a page on another site cannot reach it through DNS rebinding (421 otherwise);
 * - no CORS headers unless origins are configured, so other sites' scripts cannot read answers;
 * - per-client rate limits on the routes anyone may call that cost work (sign-in, applications);
 * - binding beyond loopback only when the configuration says so, with a warning;
 * - every 5xx logged with its cause (the client sees only a short message).
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { BaseError, InputError } from '../shared/errors.ts';
import type { Logger } from '../shared/logger.ts';

const LOOPBACK_NAMES = ['127.0.0.1', 'localhost', '[::1]', '::1'];
export const isLoopback = (host: string) => LOOPBACK_NAMES.includes(host) || /^127\.\d+\.\d+\.\d+$/.test(host);

/**
 * Refuses to listen beyond loopback unless `allowPublic` (PALISADE_API_PUBLIC=1); warns when it does.
 */
export function assertBindAllowed(host: string, allowPublic: boolean, log: Pick<Logger, 'warn'>): void {
  if (isLoopback(host)) return;
  if (!allowPublic) {
    throw new InputError(`refusing to serve the API on ${host}: only loopback unless configured`, {
      details: 'set PALISADE_API_PUBLIC=1 to serve beyond 127.0.0.1 (and put TLS and a firewall in front)',
      code: 'PUBLIC_BIND_REFUSED',
    });
  }
  log.warn({ host }, 'the API listens beyond loopback: anyone who can reach this host can call it');
}

/** The Host header values this API answers to. */
export function allowedHosts(host: string, port: number, extra: readonly string[] = []): string[] {
  const names = isLoopback(host) ? LOOPBACK_NAMES.filter((n) => n !== '::1') : [host];
  return [...new Set([...names.map((n) => `${n}:${port}`), ...extra])];
}

export type SecurityOptions = {
  /** Host header values accepted (see allowedHosts). */
  hosts: readonly string[];
  /** Origins allowed to read answers cross-origin; none by default. */
  corsOrigins?: readonly string[];
  logger: Logger;
};

/** Installs the Host check, CORS (only if configured) and the 5xx-logging error handler. */
export function registerSecurity(app: FastifyInstance, o: SecurityOptions): void {
  const hosts = new Set(o.hosts.map((h) => h.toLowerCase()));
  const origins = new Set(o.corsOrigins ?? []);
  app.addHook('onRequest', async (req, reply) => {
    const host = (req.headers.host ?? '').toLowerCase();
    if (!hosts.has(host)) {
      return reply.code(421).send({ error: 'unknown Host header', details: `this API answers to ${[...hosts].join(', ')}`, code: 'BAD_HOST' });
    }
    const origin = req.headers.origin;
    if (origin && origins.has(origin)) {
      reply.header('access-control-allow-origin', origin).header('vary', 'Origin');
      if (req.method === 'OPTIONS') {
        return reply
          .header('access-control-allow-methods', 'GET, POST')
          .header('access-control-allow-headers', 'authorization, content-type')
          .code(204)
          .send();
      }
    }
  });
  app.setErrorHandler((err: FastifyError | Error, req, reply) => sendError(err, req, reply, o.logger));
}

/** `{ error, details, code }` for every failure; a 5xx is logged with its cause. */
export function sendError(err: FastifyError | Error, req: FastifyRequest, reply: FastifyReply, log: Logger) {
  const issues = (err as { issues?: unknown }).issues;
  if (err instanceof BaseError) {
    if (err.status >= 500) log.error({ err, cause: err.cause, method: req.method, url: req.url }, err.message);
    return reply.code(err.status).send({ error: err.message, details: Array.isArray(issues) ? issues : (err.details ?? null), code: err.code });
  }
  const status = (err as FastifyError).statusCode;
  if (status !== undefined && status >= 400 && status < 500) return reply.code(status).send({ error: err.message, details: null });
  log.error({ err, method: req.method, url: req.url }, 'unhandled error');
  return reply.code(500).send({ error: 'internal error', details: null });
}

export type RateLimit = { max: number; windowMs: number };

/**
 * A fixed-window limit per client address and bucket name (onRequest hook for a route). Memory is
 * bounded: windows that ended are dropped as new ones open.
 */
export function rateLimiter(name: string, limit: RateLimit) {
  const windows = new Map<string, { start: number; count: number }>();
  return async (req: FastifyRequest, reply: FastifyReply) => {
    const now = Date.now();
    if (windows.size > 10_000) for (const [k, w] of windows) if (now - w.start >= limit.windowMs) windows.delete(k);
    const key = req.ip;
    let w = windows.get(key);
    if (!w || now - w.start >= limit.windowMs) {
      w = { start: now, count: 0 };
      windows.set(key, w);
    }
    w.count++;
    if (w.count > limit.max) {
      const retry = Math.ceil((w.start + limit.windowMs - now) / 1000);
      return reply
        .code(429)
        .header('retry-after', String(retry))
        .send({ error: 'too many requests', details: `at most ${limit.max} ${name} requests per ${limit.windowMs / 1000} s; retry in ${retry} s`, code: 'RATE_LIMITED' });
    }
  };
}
