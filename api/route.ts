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

/**
 * One route: mounted on express and described in the OpenAPI document from the same definition. What the handler
 * returns must be what the response's schema describes, no field more: the type checker holds the two together.
 */
export interface Route<P = unknown, Q = unknown, B = unknown, S extends z.ZodType = z.ZodType, R = z.input<S>> {
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
  response: {
    status: number;
    description: string;
    /** The JSON body. */
    schema?: S;
    /** For a document: the media types it is sent as, instead of a JSON body. */
    binary?: string[];
    /** Other statuses answered with the same body, e.g. 200 for a registration found already made. */
    also?: { status: number; description: string }[];
  };
  /** Error statuses this route answers besides those every route may (400, 413, 415, 503, and 401, 403 with a token). */
  errors?: number[];
  /** The route reads no service (no catalogue, Temporal or store), so it never answers 503. */
  offline?: boolean;
  /** Returns the response's body, or undefined when it has sent the reply itself. */
  handle(ctx: RouteContext<P, Q, B>): Promise<R | undefined>;
}

type KeysOf<S> = S extends unknown ? keyof S : never;
type FieldOf<S, K extends PropertyKey> = S extends unknown ? (K extends keyof S ? S[K] : never) : never;

/** Where a reply of type T holds a field its schema's type S does not name (the reply is sent as JSON, so Dates are leaves). */
type FieldsBeyond<T, S, At extends string = ''> = unknown extends S
  ? never
  : T extends readonly (infer E)[]
    ? FieldsBeyond<E, S extends readonly (infer F)[] ? F : never, `${At}[]`>
    : T extends Date | Buffer
      ? never
      : T extends object
        ? {
            [K in keyof T & string]: K extends KeysOf<S> ? FieldsBeyond<T[K], FieldOf<S, K>, `${At}.${K}`> : `${At}.${K}`;
          }[keyof T & string]
        : never;

/** Refused by the type checker, naming the fields, when the handler's reply holds a field the schema does not describe. */
type DescribedInFull<R, S extends z.ZodType> = [FieldsBeyond<R, z.input<S>>] extends [never]
  ? unknown
  : { replyFieldsTheSchemaLacks: FieldsBeyond<R, z.input<S>> };

export const route = <P, Q, B, S extends z.ZodType = z.ZodType, R extends z.input<S> = z.input<S>>(
  r: Route<P, Q, B, S, R> & DescribedInFull<R, S>,
): Route => r;

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
  400: 'The input is not valid (or not JSON); the message names the field',
  401: 'No valid bearer token',
  403: 'Not allowed; the message gives the reason, and the denial is audited',
  404: 'Not found',
  409: 'Conflicts with the current state',
  422: 'Understood but not matched, e.g. a barcode naming no known case',
  413: 'The request body is too large',
  415: 'The body is not JSON in UTF-8, or not a page image of an accepted kind',
  423: 'Locked out after repeated failed sign-ins; Retry-After and the details say when to try again',
  503: 'A dependency is unavailable (PostgreSQL, Temporal or the object store); the message names it',
};

/**
 * What every route may answer whatever it does: a body that is no JSON, holds a NUL or half a surrogate pair
 * anywhere (also in the query or path), is too large or in another charset; with a token, 401 and 403; and 503
 * when a service it needs is down.
 */
function errorStatuses(r: Route): number[] {
  const statuses = new Set([400, 413, 415, ...(r.offline ? [] : [503]), ...(r.auth ? [401, 403] : []), ...(r.errors ?? [])]);
  for (const s of [r.response.status, ...(r.response.also ?? []).map((a) => a.status)]) statuses.delete(s);
  return [...statuses].sort((a, b) => a - b);
}

export function openApiDocument(routes: Route[], { version }: { version: string }) {
  const schema = (s: z.ZodType) => z.toJSONSchema(s, { io: 'input', unrepresentable: 'any' });
  // A reply as it is sent: an object holds the fields its schema names and no others (additionalProperties: false).
  const reply = (s: z.ZodType) => z.toJSONSchema(s, { io: 'output', unrepresentable: 'any' });
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    const oaPath = r.path.replace(/:(\w+)/g, '{$1}');
    const parameters = [
      ...objectFields(r.params).map(([name, s]) => ({ name, in: 'path', required: true, schema: schema(s) })),
      ...objectFields(r.query).map(([name, s]) => ({ name, in: 'query', required: !s.safeParse(undefined).success, schema: schema(s) })),
    ];
    const content = r.response.binary
      ? Object.fromEntries(r.response.binary.map((t) => [t, { schema: { type: 'string', format: 'binary' } }]))
      : r.response.schema
        ? { 'application/json': { schema: reply(r.response.schema) } }
        : undefined;
    const responses: Record<string, unknown> = {};
    for (const { status, description } of [r.response, ...(r.response.also ?? [])])
      responses[status] = { description, ...(content ? { content } : {}) };
    for (const status of errorStatuses(r)) {
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
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } }, schemas: { Error: reply(ErrorBody) } },
    paths,
  };
}

function objectFields(s: z.ZodType | undefined): [string, z.ZodType][] {
  if (!(s instanceof z.ZodObject)) return [];
  const fields: [string, z.ZodType][] = Object.entries<z.ZodType>(s.shape);
  return fields;
}
