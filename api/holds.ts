import { z } from 'zod';
import { findItemHold, itemHolds, liftItemHold, placeItemHold } from '../use-cases/holds';
import type { ApiContext } from './context';
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
        const view = await placeItemHold(ctx, actor, item, body, req.id as string);
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
        return itemHolds(ctx, params.id);
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
        const hold = await findItemHold(ctx, params.id);
        await authorisedItem(ctx, actor, hold.itemId, 'hold', req.id as string);
        return liftItemHold(ctx, actor, hold, body.reason, req.id as string);
      },
    }),
  ];
}
