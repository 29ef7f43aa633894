import { z } from 'zod';
import { auditEntries, currentUser, fondsOf } from '../use-cases/account';
import { health, lifecycleCounts } from '../use-cases/status';
import { defineAbilityFor } from './access';
import { deny } from './authorise';
import type { ApiContext } from './context';
import { route, type Route } from './route';
import { AuditEvents, CurrentUser, FondsList, Health, LifecycleCounts } from './views/system';
const requestId = (req: { id: unknown }) => String(req.id);

/** Health, sign-in, the caller's account and fonds, lifecycle counts and the audit trail. */
export function systemRoutes(ctx: ApiContext): Route[] {
  return [
    route({
      method: 'get',
      path: '/health',
      tag: 'system',
      auth: false,
      summary: 'Health of PostgreSQL, Temporal and the object store, each reported on its own',
      response: {
        status: 200,
        description: 'All dependencies answer',
        schema: Health,
        also: [{ status: 503, description: 'A dependency does not answer; the check of each says which' }],
      },
      async handle({ res }) {
        const result = await health(ctx);
        res.status(result.status === 'ok' ? 200 : 503).json(result);
        return result;
      },
    }),
    route({
      method: 'get',
      path: '/me',
      tag: 'access',
      auth: true,
      summary: 'The logged-in user, their roles, fonds and clearance',
      response: { status: 200, description: 'The current user', schema: CurrentUser },
      async handle({ actor }) {
        return currentUser(ctx, actor);
      },
    }),
    route({
      method: 'get',
      path: '/fonds',
      tag: 'catalogue',
      auth: true,
      summary: 'The fonds the user works in',
      response: {
        status: 200,
        description: 'Fonds',
        schema: FondsList,
      },
      handle: ({ actor }) => fondsOf(ctx, actor),
    }),
    route({
      method: 'get',
      path: '/lifecycle/counts',
      tag: 'lifecycle',
      auth: true,
      summary: 'Counts of items by lifecycle state, per fonds',
      query: z.object({ fonds: z.string().min(1).optional() }),
      response: {
        status: 200,
        description: 'One entry per fonds',
        schema: LifecycleCounts,
      },
      handle: ({ req, actor, query }) => lifecycleCounts(ctx, actor, query.fonds, requestId(req)),
    }),
    route({
      method: 'get',
      path: '/audit',
      tag: 'audit',
      auth: true,
      summary: 'The audit trail, newest first',
      query: z.object({ limit: z.coerce.number().int().min(1).max(500).default(100), subject: z.string().optional() }),
      response: { status: 200, description: 'Audit events', schema: AuditEvents },
      async handle({ req, actor, query }) {
        if (!defineAbilityFor(actor).can('read', 'AuditTrail'))
          await deny(ctx, actor, 'read', 'audit', 'only auditors read the audit trail', requestId(req));
        return auditEntries(ctx, query);
      },
    }),
  ];
}
