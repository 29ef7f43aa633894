import { z } from 'zod';
import { liftHold, placeHold } from '../catalogue/holds';
import type { Actor } from './access';
import { audit } from '../catalogue/audit';
import type { ApiContext } from './context';
import { conflict, notFound } from './errors';
import { authorisedItem } from './authorise';
import { route, type Route } from './route';

const reason = z.string().trim().min(1, 'say why: the court order, audit or inspection').max(1000);
const HoldView = z.object({
  id: z.string(),
  itemId: z.string(),
  kind: z.enum(['legal', 'audit']),
  reason: z.string(),
  placedBy: z.string(),
  placedAt: z.string(),
  liftedBy: z.string().nullable(),
  liftedAt: z.string().nullable(),
  liftReason: z.string().nullable(),
});

async function holdView(ctx: ApiContext, id: string): Promise<z.infer<typeof HoldView>> {
  const h = await ctx.db.legalHold.findUniqueOrThrow({ where: { id }, include: { placedBy: true, liftedBy: true } });
  return {
    id: h.id,
    itemId: h.itemId,
    kind: h.kind,
    reason: h.reason,
    placedBy: h.placedBy.username,
    placedAt: h.placedAt.toISOString(),
    liftedBy: h.liftedBy?.username ?? null,
    liftedAt: h.liftedAt?.toISOString() ?? null,
    liftReason: h.liftReason,
  };
}

async function lift(ctx: ApiContext, actor: Actor, holdId: string, liftReason: string, requestId: string) {
  const hold = await ctx.db.legalHold.findUnique({ where: { id: holdId } });
  if (!hold) throw notFound(`hold ${holdId}`);
  await authorisedItem(ctx, actor, hold.itemId, 'hold', requestId);
  if (hold.liftedAt) throw conflict(`hold ${holdId} was already lifted on ${hold.liftedAt.toISOString()}`);
  await liftHold(ctx.db, ctx.store, { holdId, liftedById: actor.id, liftReason });
  await audit(ctx.db, {
    actorId: actor.id,
    actor: actor.username,
    action: 'lift_hold',
    subject: `item:${hold.itemId}`,
    outcome: 'done',
    reason: liftReason,
    requestId,
    details: { holdId },
  });
  return holdView(ctx, holdId);
}

export function holdRoutes(ctx: ApiContext): Route[] {
  const itemParams = z.object({ id: z.uuid('must be an item id (UUID)') });
  return [
    route({
      method: 'post',
      path: '/items/:id/holds',
      tag: 'destruction',
      auth: true,
      summary:
        'Place a legal or audit hold (冻结) on an item: destruction is blocked, and its stored objects get an Object Lock legal hold',
      params: itemParams,
      body: z.object({ kind: z.enum(['legal', 'audit']), reason }),
      errors: [404, 409],
      response: { status: 201, description: 'Hold placed', schema: HoldView },
      async handle({ req, res, actor, params, body }) {
        const item = await authorisedItem(ctx, actor, params.id, 'hold', req.id as string);
        if (item.lifecycleState === 'destroyed') throw conflict(`item ${item.id} was destroyed; there is nothing left to hold`);
        const hold = await placeHold(ctx.db, ctx.store, { itemId: item.id, kind: body.kind, reason: body.reason, placedById: actor.id });
        await audit(ctx.db, {
          actorId: actor.id,
          actor: actor.username,
          action: 'place_hold',
          subject: `item:${item.id}`,
          outcome: 'done',
          reason: body.reason,
          requestId: req.id as string,
          details: { holdId: hold.id, kind: body.kind },
        });
        const view = await holdView(ctx, hold.id);
        res.status(201).json(view);
        return view;
      },
    }),
    route({
      method: 'get',
      path: '/items/:id/holds',
      tag: 'destruction',
      auth: true,
      summary: "An item's holds, lifted and not",
      params: itemParams,
      errors: [404],
      response: { status: 200, description: 'Holds, newest first', schema: z.array(HoldView) },
      async handle({ req, actor, params }) {
        await authorisedItem(ctx, actor, params.id, 'read', req.id as string);
        const holds = await ctx.db.legalHold.findMany({
          where: { itemId: params.id },
          orderBy: { placedAt: 'desc' },
          select: { id: true },
        });
        return Promise.all(holds.map((h) => holdView(ctx, h.id)));
      },
    }),
    route({
      method: 'post',
      path: '/holds/:id/lift',
      tag: 'destruction',
      auth: true,
      summary: 'Lift a hold, with the reason; the Object Lock legal holds go when no other hold remains on the item',
      params: z.object({ id: z.uuid('must be a hold id (UUID)') }),
      body: z.object({ reason }),
      errors: [404, 409],
      response: { status: 200, description: 'Hold lifted', schema: HoldView },
      async handle({ req, actor, params, body }) {
        return lift(ctx, actor, params.id, body.reason, req.id as string);
      },
    }),
  ];
}
