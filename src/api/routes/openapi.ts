/**
 * The API's OpenAPI 3.1 description, served at GET /openapi.json and generated from the routes
 * themselves: every route registered on the server is listed (the table is filled by an `onRoute`
 * hook, so a route cannot be added without appearing), and a route that declares `config.doc`
 * contributes its zod schemas (path parameters, query, response) through zod 4's `z.toJSONSchema`.
 *
 * It also holds what the protocol routes share: zod-validated input that answers
 * 400 `{ error, details: [{ path, message }] }`, and JSON-safe output (bigint amounts as decimal strings).
 */
import type { FastifyError, FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { ValidationError, parseInput } from '../../compliance/validation.ts';
import { BaseError } from '../../shared/errors.ts';

/** What a route says about itself for the OpenAPI document. */
export type RouteDoc = {
  summary: string;
  description?: string;
  tags?: string[];
  params?: z.ZodObject;
  query?: z.ZodObject;
  /** The 200 answer's JSON body. */
  response?: z.ZodType;
  /** A server-sent event stream instead of a JSON body. */
  eventStream?: z.ZodType;
};

declare module 'fastify' {
  interface FastifyContextConfig {
    doc?: RouteDoc;
  }
}

export type RouteEntry = { method: string; url: string; doc: RouteDoc | undefined };

/**
 * Starts recording every route registered on `app` from now on. Call it before registering any
 * route (Fastify reports each route to `onRoute` hooks added before it).
 */
export function collectRoutes(app: FastifyInstance): RouteEntry[] {
  const table: RouteEntry[] = [];
  app.addHook('onRoute', (r) => {
    const methods = Array.isArray(r.method) ? r.method : [r.method];
    for (const m of methods) {
      // Fastify adds HEAD for every GET; the document lists what clients call
      if (m === 'HEAD' || m === 'OPTIONS') continue;
      if (r.url.includes('*')) continue; // the dashboard's static files, not an API route
      table.push({ method: m.toLowerCase(), url: r.url, doc: r.config?.doc });
    }
  });
  return table;
}

/** The error every document route can answer. */
export const errorSchema = z
  .object({
    error: z.string().describe('What went wrong, in one line'),
    details: z.union([z.array(z.object({ path: z.string(), message: z.string() })), z.string(), z.null()]).optional().describe('Each bad field for 400s, else extra detail'),
    code: z.string().optional(),
  })
  .describe('Error answer');

/** Request parts are described as clients send them (input), answers as the server sends them (output). */
const jsonSchema = (s: z.ZodType, io: 'input' | 'output' = 'output') => {
  const { $schema: _drop, ...rest } = z.toJSONSchema(s, { io, unrepresentable: 'any' }) as Record<string, unknown>;
  return rest;
};

/** `/positions/:address` → `/positions/{address}` */
const openApiPath = (url: string) => url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');

function parameters(where: 'path' | 'query', schema: z.ZodObject | undefined) {
  if (!schema) return [];
  const shape = schema.shape as Record<string, z.ZodType>;
  return Object.entries(shape).map(([name, s]) => {
    const js = jsonSchema(s, 'input');
    return {
      name,
      in: where,
      required: where === 'path' || !s.safeParse(undefined).success,
      description: (js.description as string | undefined) ?? undefined,
      schema: js,
    };
  });
}

export function buildOpenApi(routes: RouteEntry[], info: { title: string; version: string; description?: string }) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    const doc = r.doc;
    const ops = (paths[openApiPath(r.url)] ??= {});
    const responses: Record<string, unknown> = {};
    if (doc?.eventStream) {
      responses['200'] = { description: 'A stream of server-sent events (text/event-stream); each `data:` line is one JSON event', content: { 'text/event-stream': { schema: jsonSchema(doc.eventStream) } } };
    } else if (doc?.response) {
      responses['200'] = { description: 'OK', content: { 'application/json': { schema: jsonSchema(doc.response) } } };
    } else {
      responses['200'] = { description: 'OK' };
    }
    if (doc?.params || doc?.query) responses['400'] = { description: 'Bad input', content: { 'application/json': { schema: jsonSchema(errorSchema) } } };
    if (doc) responses['502'] = { description: 'A chain does not answer', content: { 'application/json': { schema: jsonSchema(errorSchema) } } };
    ops[r.method] = {
      summary: doc?.summary ?? `${r.method.toUpperCase()} ${r.url}`,
      ...(doc?.description ? { description: doc.description } : {}),
      ...(doc?.tags ? { tags: doc.tags } : {}),
      operationId: `${r.method}${r.url.replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : ''))}`,
      parameters: [...parameters('path', doc?.params), ...parameters('query', doc?.query)],
      responses,
    };
  }
  return { openapi: '3.1.0', info, paths };
}

export type OpenApiRouteOptions = { routes: RouteEntry[] };

export const openapiRoutes: FastifyPluginAsync<OpenApiRouteOptions> = async (app, { routes }) => {
  app.get(
    '/openapi.json',
    { config: { doc: { summary: 'This document: the API described in OpenAPI 3.1', tags: ['meta'], response: z.object({ openapi: z.string() }).loose() } } },
    async () =>
      buildOpenApi(routes, {
        title: 'Palisade API',
        version: '0.1.0',
        description: 'Markets, positions, auctions and the risk reserve of every chain of this deployment, a live stream of blocks and protocol events, KYC and compliance. Amounts are decimal strings in the token’s smallest unit; ratios and rates are WAD (1e18 = 1).',
      }),
  );
};

/** Parses a request part with `schema`; bad input throws a ValidationError (answered 400 with each issue). */
export function validated<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  return parseInput(schema, value, what);
}

/** Error answers of the protocol routes: 400 with each bad field, 4xx/5xx from BaseError, 500 otherwise. */
export function protocolErrorHandler(err: FastifyError | Error, req: FastifyRequest, reply: FastifyReply) {
  if (err instanceof ValidationError) return reply.code(400).send({ error: err.message, details: err.issues });
  if (err instanceof BaseError) {
    if (err.status >= 500) req.log.error({ err }, err.message);
    return reply.code(err.status).send({ error: err.message, details: err.details ?? null, code: err.code });
  }
  const status = (err as FastifyError).statusCode;
  if (status !== undefined && status >= 400 && status < 500) return reply.code(status).send({ error: err.message, details: null });
  req.log.error({ err }, 'unhandled error');
  return reply.code(500).send({ error: 'internal error', details: null });
}

/** Plain JSON of a read: bigint amounts become decimal strings (JSON has no integers that large). */
export function toJson<T>(value: T): Jsonified<T> {
  return JSON.parse(JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? v.toString() : v))) as Jsonified<T>;
}

export type Jsonified<T> = T extends bigint
  ? string
  : T extends Array<infer U>
    ? Jsonified<U>[]
    : T extends object
      ? { [K in keyof T]: Jsonified<T[K]> }
      : T;

/** A bigint amount or WAD figure as JSON carries it. */
export const amount = (description?: string) => {
  const s = z.string().regex(/^-?\d+$/, 'a decimal integer');
  return description ? s.describe(description) : s;
};
