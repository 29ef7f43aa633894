import type { ErrorRequestHandler } from 'express';
import { z } from 'zod';

/** The one error every route returns: a status, a stable code, and a message a person can act on. */
export class AppError extends Error {
  override name = 'AppError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
    /** Sent as Retry-After: when the request may be sent again (a lock-out). */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}

export const badRequest = (message: string, details?: unknown) => new AppError(400, 'bad_request', message, details);
export const unauthorised = (message = 'a valid bearer token is required') => new AppError(401, 'unauthorised', message);
export const forbidden = (message: string) => new AppError(403, 'forbidden', message);
export const notFound = (what: string) => new AppError(404, 'not_found', `${what} was not found`);
export const conflict = (message: string, details?: unknown) => new AppError(409, 'conflict', message, details);
export const unavailable = (message: string) => new AppError(503, 'unavailable', message);
/** A user name locked out after repeated failed sign-ins, until `until`. */
export const locked = (message: string, until: Date) => {
  const retryAfterSeconds = Math.max(1, Math.ceil((until.getTime() - Date.now()) / 1000));
  return new AppError(423, 'locked', message, { lockedUntil: until.toISOString(), retryAfterSeconds }, retryAfterSeconds);
};

export const ErrorBody = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    details: z.unknown().optional(),
    requestId: z.string(),
  }),
});

export const errorHandler: ErrorRequestHandler = (err, req, res, _next) => {
  const known = toAppError(err);
  if (known.status === 503) req.log.warn({ err: (err as Error).message }, known.message);
  else if (known.status >= 500) req.log.error({ err }, 'request failed');
  if (known.retryAfterSeconds) res.setHeader('retry-after', String(known.retryAfterSeconds));
  // JSON, whatever media type the route had set before it failed (a document's, say).
  res
    .status(known.status)
    .type('application/json')
    .json({ error: { code: known.code, message: known.message, details: known.details, requestId: req.id as string } });
};

function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  if (err instanceof z.ZodError) {
    return badRequest(
      err.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '),
      err.issues.map((i) => ({ field: i.path.join('.'), problem: i.message })),
    );
  }
  const e = err as { type?: string; status?: number; message?: string };
  if (e.type === 'entity.parse.failed') return badRequest('the request body is not valid JSON');
  if (e.type === 'entity.too.large') return new AppError(413, 'too_large', 'the request body is too large');
  if (e.type === 'charset.unsupported' || e.type === 'encoding.unsupported')
    return new AppError(
      415,
      'unsupported_media_type',
      'the request body must be JSON in UTF-8 (content-type: application/json; charset=utf-8)',
    );
  return dependencyFailure(err) ?? new AppError(500, 'internal', 'Lantai could not complete the request; it has been logged');
}

const postgresDown = () => unavailable('PostgreSQL (the catalogue) is unavailable; try again shortly');

// Prisma's codes for a database that cannot be reached or dropped the connection, or a pool with no free connection.
const POSTGRES_UNREACHABLE = new Set(['P1001', 'P1002', 'P1008', 'P1017', 'P2024']);
const DRIVER_UNREACHABLE = new Set([
  'DatabaseNotReachable',
  'ConnectionClosed',
  'SocketTimeout',
  'TooManyConnections',
  'DatabaseDoesNotExist',
]);
// PostgreSQL SQLSTATE classes of a server shutting down or out of resources (57P01 admin shutdown, 53300 too many connections, 08 connection).
const POSTGRES_DOWN_STATE = /^(08|53|57P)/;
// gRPC status codes of a Temporal server that cannot be reached or did not answer in time.
const GRPC_UNAVAILABLE = new Set([14, 4]);

/**
 * What a failure of PostgreSQL, Temporal or the object store means for the caller, in one place: a dependency that
 * is down is a 503 naming it (the request may be sent again once it is back), a record that is gone a 404, a
 * conflicting write a 409. Anything else is a bug, and stays a 500.
 */
export function dependencyFailure(err: unknown): AppError | undefined {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 6; e = e.cause, depth += 1) {
    const found = asDependencyFailure(e);
    if (found) return found;
  }
  return undefined;
}

function asDependencyFailure(err: Error): AppError | undefined {
  const e = err as Error & { code?: unknown; meta?: { driverAdapterError?: { cause?: { kind?: string; originalCode?: string } } } };
  if (err.name === 'PrismaClientKnownRequestError' || err.name === 'PrismaClientInitializationError') {
    const cause = e.meta?.driverAdapterError?.cause;
    if (
      POSTGRES_UNREACHABLE.has(String(e.code)) ||
      DRIVER_UNREACHABLE.has(cause?.kind ?? '') ||
      POSTGRES_DOWN_STATE.test(cause?.originalCode ?? '')
    )
      return postgresDown();
    if (/can't reach database server|connection (terminated|closed|refused)|server closed the connection/i.test(err.message))
      return postgresDown();
    if (e.code === 'P2025') return new AppError(404, 'not_found', 'the record was not found');
    if (e.code === 'P2002') return conflict('a record with the same key already exists');
  }
  if (err.name === 'PrismaClientRustPanicError' || err.name === 'PrismaClientUnknownRequestError') {
    if (/connect|closed|terminat/i.test(err.message)) return postgresDown();
  }
  // node-postgres's own words when the server went away under a pooled connection or never answered.
  if (err.name === 'Error' && /^(Connection terminated|timeout exceeded when trying to connect)/.test(err.message)) return postgresDown();
  if (err.name === 'StoreUnavailableError') return unavailable('the object store (S3) is unavailable; try again shortly');
  if (err.name === 'ObjectDamagedError')
    return new AppError(409, 'object_damaged', `存储的对象已损坏或被篡改，无法解密（SM4-GCM 校验失败）：${err.message}`);
  if (err.name === 'KeyUnavailableError') return unavailable(`页面加密密钥不可用：${err.message}`);
  if (err.name === 'WorkflowNotFoundError') return new AppError(404, 'not_found', 'that step is not running and has no record');
  if (err.name === 'WorkflowExecutionAlreadyStartedError') return conflict('that step is already running');
  if (err.name === 'ServiceError' || typeof e.code === 'number') {
    const grpc = (err as { code?: unknown }).code;
    if (typeof grpc === 'number' && GRPC_UNAVAILABLE.has(grpc))
      return unavailable('Temporal (the workflow service) is unavailable; try again shortly');
    if (err.name === 'ServiceError' && /unavailable|deadline|connect|no connection/i.test(err.message))
      return unavailable('Temporal (the workflow service) is unavailable; try again shortly');
  }
  return undefined;
}
