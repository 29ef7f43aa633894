import { timingSafeEqual } from 'node:crypto';
import type { Request, RequestHandler } from 'express';
import type { Metrics } from '../use-cases/metrics';
import type { ApiContext } from './context';
import { forbidden, unauthorised } from './errors';
import { route, type Route } from './route';

/** Times every request and records it under its route template once it is answered. */
export function recordRequests(metrics: Metrics): RequestHandler {
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    res.once('finish', () => {
      const template = (req.route as { path?: unknown } | undefined)?.path;
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      metrics.observe(req.method, typeof template === 'string' ? template : 'unmatched', res.statusCode, seconds);
    });
    next();
  };
}

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

/**
 * Prometheus cannot log in (user tokens expire), and the figures tell how much each fonds holds and what runs:
 * so the configured metrics token, or, when none is configured, a scraper on this machine only.
 */
function authoriseScrape(ctx: ApiContext, req: Request): void {
  const token = ctx.config.api.metricsToken;
  if (!token) {
    if (LOOPBACK.has(req.socket.remoteAddress ?? '')) return;
    throw forbidden('/metrics answers only on this machine unless LANTAI_METRICS_TOKEN is set');
  }
  const given = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '';
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  if (a.length !== b.length || !timingSafeEqual(a, b)) throw unauthorised('/metrics needs the bearer token LANTAI_METRICS_TOKEN');
}

export function metricsRoutes(ctx: ApiContext, metrics: Metrics): Route[] {
  return [
    route({
      method: 'get',
      path: '/metrics',
      tag: 'system',
      auth: false,
      summary:
        'Prometheus metrics (text format): requests, 5xx, dependencies, lifecycle counts, waiting work, task queue, inventories; with LANTAI_METRICS_TOKEN as bearer token, or from this machine when none is set',
      response: { status: 200, description: 'The metrics, in the Prometheus text exposition format 0.0.4', binary: ['text/plain'] },
      errors: [401, 403],
      async handle({ req, res }) {
        authoriseScrape(ctx, req);
        const text = await metrics.registry.metrics();
        res.status(200).type(metrics.registry.contentType).send(text);
        return undefined;
      },
    }),
  ];
}
