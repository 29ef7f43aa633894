import express, { type Request, type Response, type Router } from 'express';
import { z } from 'zod';
import type { Actor } from './access';
import { LONE_SURROGATE } from '../domain/text';
import { badRequest, ErrorBody } from './errors';

export interface RouteContext<P, Q, B> {
  req: Request;
  res: Response;
  actor: Actor;
  params: P;
  query: Q;
  body: B;
}

/** One route: mounted on express and described in the OpenAPI document from the same definition. */
export interface Route<P = unknown, Q = unknown, B = unknown> {
  method: 'get' | 'post' | 'put';
  path: string;
  tag: string;
  summary: string;
  /** False only for the few routes open without a token. */
  auth: boolean;
  params?: z.ZodType<P>;
  query?: z.ZodType<Q>;
  body?: z.ZodType<B>;
  /** A JSON body larger than the usual 1 MB, e.g. '8mb' for a batch. */
  jsonLimit?: string;
  /** The body's schema refuses unsafe text itself, row by row (a batch), so one bad row does not refuse the rest. */
  checksOwnText?: boolean;
  /** For uploads: the body is taken as raw bytes of these media types, up to `limit` bytes. */
  rawBody?: { types: string[]; limit: number };
  response: { status: number; description: string; schema?: z.ZodType };
  errors?: number[];
  handle(ctx: RouteContext<P, Q, B>): Promise<unknown>;
}

export const route = <P, Q, B>(r: Route<P, Q, B>): Route => r;

export function mountRoutes(router: Router, routes: Route[], authenticate: (req: Request) => Promise<Actor>): void {
  for (const r of routes) {
    const raw = r.rawBody ? [express.raw({ type: r.rawBody.types, limit: r.rawBody.limit })] : [];
    router[r.method](r.path, express.json({ limit: r.jsonLimit ?? '1mb' }), ...raw, async (req, res) => {
      refuseUnsafeText({ body: r.rawBody || r.checksOwnText ? undefined : req.body, query: req.query, params: req.params });
      const actor = r.auth ? await authenticate(req) : (undefined as unknown as Actor);
      const params = r.params ? r.params.parse(req.params) : req.params;
      const query = r.query ? r.query.parse(req.query) : req.query;
      const body = r.body ? r.body.parse(req.body ?? {}) : r.rawBody ? (req.body as unknown) : undefined;
      const result = await r.handle({ req, res, actor, params, query, body });
      if (!res.headersSent) res.status(r.response.status).json(result);
    });
  }
}

/**
 * Refuses any string a client sends, anywhere in the body, query or path, that PostgreSQL or a reader could not take
 * as text: a NUL character, which a text column refuses, or half of a UTF-16 surrogate pair, which is no character.
 */
function refuseUnsafeText(input: Record<string, unknown>): void {
  const found = unsafeTextIn(input, '', 0);
  if (found) throw badRequest(`${found.path}: ${found.problem}`, [{ field: found.path, problem: found.problem }]);
}

function unsafeTextIn(value: unknown, at: string, depth: number): { path: string; problem: string } | undefined {
  if (typeof value === 'string') {
    if (value.includes('\u0000')) return { path: at, problem: 'contains a NUL character, which no text may hold' };
    if (LONE_SURROGATE.test(value)) return { path: at, problem: 'contains half of a surrogate pair, which is not a character' };
    return undefined;
  }
  if (value === null || typeof value !== 'object' || depth > 32) return undefined;
  for (const [key, v] of Object.entries(value)) {
    const path = at ? `${at}.${key}` : key;
    const inKey = unsafeTextIn(key, path, depth + 1);
    if (inKey) return { ...inKey, problem: `its name ${inKey.problem}` };
    const found = unsafeTextIn(v, path, depth + 1);
    if (found) return found;
  }
  return undefined;
}

const STATUS_TEXT: Record<number, string> = {
  400: 'The input is not valid; the message names the field',
  401: 'No valid bearer token',
  403: 'Not allowed; the message gives the reason, and the denial is audited',
  404: 'Not found',
  409: 'Conflicts with the current state',
  422: 'Understood but not matched, e.g. a barcode naming no known case',
  413: 'The request body is too large',
  503: 'A dependency is unavailable',
};

export function openApiDocument(routes: Route[], { version }: { version: string }) {
  const schema = (s: z.ZodType) => z.toJSONSchema(s, { io: 'input', unrepresentable: 'any' });
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    const oaPath = r.path.replace(/:(\w+)/g, '{$1}');
    const parameters = [
      ...objectFields(r.params).map(([name, s]) => ({ name, in: 'path', required: true, schema: schema(s) })),
      ...objectFields(r.query).map(([name, s]) => ({ name, in: 'query', required: !s.safeParse(undefined).success, schema: schema(s) })),
    ];
    const responses: Record<string, unknown> = {
      [r.response.status]: {
        description: r.response.description,
        ...(r.response.schema ? { content: { 'application/json': { schema: schema(r.response.schema) } } } : {}),
      },
    };
    for (const status of [
      ...(r.auth ? [401, 403] : []),
      ...(r.body || r.rawBody || r.query || r.params ? [400] : []),
      ...(r.rawBody || r.jsonLimit ? [413] : []),
      ...(r.errors ?? []),
    ]) {
      responses[status] = {
        description: STATUS_TEXT[status] ?? 'Error',
        content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
      };
    }
    (paths[oaPath] ??= {})[r.method] = {
      tags: [r.tag],
      summary: r.summary,
      operationId: `${r.method}${oaPath
        .replace(/[{}]/g, '')
        .replace(/(^|\/)(\w)/g, (_m, _s, c: string) => c.toUpperCase())
        .replace(/\W/g, '')}`,
      ...(r.auth ? {} : { security: [] }),
      ...(parameters.length ? { parameters } : {}),
      ...(r.body ? { requestBody: { required: true, content: { 'application/json': { schema: schema(r.body) } } } } : {}),
      ...(r.rawBody
        ? {
            requestBody: {
              required: true,
              content: Object.fromEntries(r.rawBody.types.map((t) => [t, { schema: { type: 'string', format: 'binary' } }])),
            },
          }
        : {}),
      responses,
    };
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Lantai', version, description: 'Records system for social-insurance business archives (社保业务档案).' },
    security: [{ bearer: [] }],
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } }, schemas: { Error: schema(ErrorBody) } },
    paths,
  };
}

function objectFields(s: z.ZodType | undefined): [string, z.ZodType][] {
  if (!(s instanceof z.ZodObject)) return [];
  const fields: [string, z.ZodType][] = Object.entries<z.ZodType>(s.shape);
  return fields;
}
