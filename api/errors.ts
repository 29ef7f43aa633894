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
  if (known.status >= 500) req.log.error({ err }, 'request failed');
  res
    .status(known.status)
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
  return new AppError(500, 'internal', 'Lantai could not complete the request; it has been logged');
}
