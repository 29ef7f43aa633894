import { arrangementRoutes } from './arrangement';
import { appraisalRoutes } from './appraisals';
import { destructionRoutes } from './destruction-lists';
import { holdRoutes } from './holds';
import { handOverRoutes } from './hand-overs';
import { inventoryRoutes } from './inventories';
import { shelfScanRoutes } from './shelf-scans';
import { taskRoutes } from './tasks';
import { transferRoutes } from './transfers';
import { volumeRoutes } from './volumes';
import { z } from 'zod';
import { LIFECYCLE_STATES } from '../domain/lifecycle';
import { defineAbilityFor, fondsSubject } from './access';
import { login } from './auth';
import type { ApiContext } from './context';
import { REGISTRATION_BATCH_LIMIT } from '../catalogue/registration';
import {
  ItemRegistration,
  ItemView,
  RegistrationBatch,
  RegistrationBatchReply,
  authorisedItem,
  itemHistory,
  registerBatch,
  registerItem,
  viewOf,
} from './items';
import { barcodeRoutes } from './barcode-routes';
import { captureRoutes } from './capture-routes';
import { importRoutes } from './imports';
import { scanSessionRoutes } from './scan-session-routes';
import { route, type Route } from './route';
import { health, lifecycleCounts } from './status';
import { deny } from './authorise';

const ItemParams = z.object({ id: z.uuid('must be an item id (UUID)') });
const Check = z.object({ ok: z.boolean(), latencyMs: z.number(), error: z.string().optional() });
const StateCounts = z.object(Object.fromEntries(LIFECYCLE_STATES.map((s) => [s, z.number()])));

export function apiRoutes(ctx: ApiContext): Route[] {
  const requestId = (req: { id: unknown }) => String(req.id);
  return [
    route({
      method: 'get',
      path: '/health',
      tag: 'system',
      auth: false,
      summary: 'Health of PostgreSQL, Temporal and the object store, each reported on its own',
      response: {
        status: 200,
        description: 'All dependencies answer (503 with the same body when one does not)',
        schema: z.object({ status: z.enum(['ok', 'degraded']), checks: z.record(z.string(), Check) }),
      },
      errors: [503],
      async handle({ res }) {
        const result = await health(ctx);
        res.status(result.status === 'ok' ? 200 : 503).json(result);
        return result;
      },
    }),
    route({
      method: 'post',
      path: '/auth/login',
      tag: 'access',
      auth: false,
      summary: 'Log in with username and password; returns a bearer token with its expiry',
      body: z.object({ username: z.string().min(1).max(100), password: z.string().min(1).max(200) }),
      response: {
        status: 200,
        description: 'Logged in',
        schema: z.object({
          token: z.string(),
          expiresAt: z.string(),
          user: z.object({ username: z.string(), displayName: z.string(), roles: z.array(z.string()) }),
        }),
      },
      errors: [401],
      async handle({ req, body }) {
        const { token, expiresAt, actor } = await login(ctx.db, {
          ...body,
          ttlMinutes: ctx.config.api.tokenTtlMinutes,
          requestId: requestId(req),
        });
        return {
          token,
          expiresAt: expiresAt.toISOString(),
          user: { username: actor.username, displayName: actor.displayName, roles: actor.roles },
        };
      },
    }),
    route({
      method: 'get',
      path: '/me',
      tag: 'access',
      auth: true,
      summary: 'The logged-in user, their roles, fonds and clearance',
      response: { status: 200, description: 'The current user' },
      async handle({ actor }) {
        const fonds = await ctx.db.fonds.findMany({ where: { id: { in: actor.fondsIds } }, select: { code: true } });
        return {
          username: actor.username,
          displayName: actor.displayName,
          roles: actor.roles,
          clearance: actor.clearance,
          fonds: fonds.map((f) => f.code),
        };
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
        schema: z.array(z.object({ code: z.string(), name: z.string(), orgCode: z.string() })),
      },
      async handle({ actor }) {
        const ability = defineAbilityFor(actor);
        const fonds = await ctx.db.fonds.findMany({ orderBy: { code: 'asc' } });
        return fonds.filter((f) => ability.can('read', fondsSubject(f.id))).map(({ code, name, orgCode }) => ({ code, name, orgCode }));
      },
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
        schema: z.array(z.object({ fonds: z.string(), name: z.string(), total: z.number(), byState: StateCounts })),
      },
      handle: ({ req, actor, query }) => lifecycleCounts(ctx, actor, query.fonds, requestId(req)),
    }),
    route({
      method: 'post',
      path: '/items',
      tag: 'items',
      auth: true,
      summary: "Register a business case's item from its index data (idempotent by case number)",
      body: ItemRegistration,
      errors: [409],
      response: {
        status: 201,
        description:
          'Registered (200 with the existing item when the case number is registered with the same index data; 409 naming the fields when with other data, or when the item is one you may not see)',
        schema: ItemView,
      },
      async handle({ req, res, actor, body }) {
        const { created, item } = await registerItem(ctx, actor, body, requestId(req));
        res.status(created ? 201 : 200).json(item);
        return item;
      },
    }),
    route({
      method: 'post',
      path: '/items/batch',
      tag: 'items',
      auth: true,
      summary: `Register up to ${REGISTRATION_BATCH_LIMIT} business cases at once; each case is created, found already registered, or refused on its own`,
      body: RegistrationBatch,
      jsonLimit: '8mb',
      response: {
        status: 200,
        description: 'One result per case, in request order; a refused case changed nothing',
        schema: RegistrationBatchReply,
      },
      handle: ({ req, actor, body }) => registerBatch(ctx, actor, body.cases, requestId(req)),
    }),
    route({
      method: 'get',
      path: '/items/:id',
      tag: 'items',
      auth: true,
      summary: "One item's index data and lifecycle state",
      params: ItemParams,
      errors: [404],
      response: { status: 200, description: 'The item', schema: ItemView },
      async handle({ req, actor, params }) {
        return viewOf(ctx, await authorisedItem(ctx, actor, params.id, 'read', requestId(req)), actor);
      },
    }),
    route({
      method: 'get',
      path: '/items/:id/history',
      tag: 'lifecycle',
      auth: true,
      summary: "One item's full lifecycle history (states, who, when, why), oldest first",
      params: ItemParams,
      errors: [404],
      response: { status: 200, description: 'History, oldest first' },
      async handle({ req, actor, params }) {
        return itemHistory(ctx, actor, params.id, requestId(req));
      },
    }),
    route({
      method: 'get',
      path: '/audit',
      tag: 'audit',
      auth: true,
      summary: 'The audit trail, newest first',
      query: z.object({ limit: z.coerce.number().int().min(1).max(500).default(100), subject: z.string().optional() }),
      response: { status: 200, description: 'Audit events' },
      async handle({ req, actor, query }) {
        if (!defineAbilityFor(actor).can('read', 'AuditTrail'))
          await deny(ctx, actor, 'read', 'audit', 'only auditors read the audit trail', requestId(req));
        const events = await ctx.db.auditEvent.findMany({
          where: query.subject ? { subject: query.subject } : {},
          orderBy: { id: 'desc' },
          take: query.limit,
        });
        return events.map((e) => ({ ...e, id: e.id.toString(), at: e.at.toISOString() }));
      },
    }),
    ...captureRoutes(ctx),
    ...importRoutes(ctx),
    ...barcodeRoutes(ctx),
    ...scanSessionRoutes(ctx),
    ...volumeRoutes(ctx),
    ...handOverRoutes(ctx),
    ...transferRoutes(ctx),
    ...arrangementRoutes(ctx),
    ...inventoryRoutes(ctx),
    ...shelfScanRoutes(ctx),
    ...taskRoutes(ctx),
    ...holdRoutes(ctx),
    ...appraisalRoutes(ctx),
    ...destructionRoutes(ctx),
  ];
}
