import { z } from 'zod';
import { LIFECYCLE_STATES } from '../domain/lifecycle';
import { SECURITY_LEVELS } from '../domain/security';
import { ItemRegistration, REGISTRATION_BATCH_LIMIT, RegistrationBatch } from '../catalogue/registration';
import { itemHistory, registerBatch, registerItem, viewOf, type ItemView as ItemViewData } from '../use-cases/items';
import { authorisedItem } from './authorise';
import type { ApiContext } from './context';
import { route, type Route } from './route';
import { ItemHistory } from './views/capture';

export const ItemView = z.object({
  id: z.string(),
  fonds: z.string(),
  archivalCode: z.string().nullable(),
  caseNumber: z.string(),
  businessType: z.string(),
  lifecycleState: z.enum(LIFECYCLE_STATES),
  securityLevel: z.enum(SECURITY_LEVELS),
  retentionPeriod: z.string(),
  year: z.number(),
  citizenId: z.string(),
  personName: z.string(),
  employerName: z.string().nullable(),
  clerk: z.string(),
  handledOn: z.string(),
  handlingOffice: z.string(),
  title: z.string(),
}) satisfies z.ZodType<ItemViewData>;

const RefusalView = z.object({ code: z.string(), message: z.string(), details: z.unknown().optional() });

export const RegistrationBatchReply = z.object({
  results: z.array(
    z.object({
      index: z.number().int().describe('position of the case in the request, from 0'),
      caseNumber: z.string().nullable(),
      status: z.enum(['created', 'existing', 'refused']),
      item: ItemView.optional().describe('the registered item, unless refused'),
      error: RefusalView.optional().describe('why the case was refused; nothing of it was registered'),
    }),
  ),
  counts: z.object({ created: z.number().int(), existing: z.number().int(), refused: z.number().int() }),
});

const ItemParams = z.object({ id: z.uuid('must be an item id (UUID)') });
const requestId = (req: { id: unknown }) => String(req.id);

/** Registration, one at a time and in batches, and an item with its history. */
export function itemRoutes(ctx: ApiContext): Route[] {
  return [
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
          'Registered (409 naming the fields when the case number is registered with other data, or when the item is one you may not see)',
        schema: ItemView,
        also: [{ status: 200, description: 'The case number is registered already with the same index data: the existing item' }],
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
      checksOwnText: true,
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
      response: { status: 200, description: 'History, oldest first', schema: ItemHistory },
      async handle({ req, actor, params }) {
        return itemHistory(ctx, actor, params.id, requestId(req));
      },
    }),
  ];
}
