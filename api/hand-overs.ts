import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { LOCATION_CODE } from '../domain/volume';
import {
  HAND_OVER_WORKFLOW,
  decideHandOver,
  handOverQuery,
  handOverWorkflowId,
  resubmitHandOver,
  shelfLabelsKey,
  type HandOverWorkflow,
} from '../contracts/hand-over';
import { defineAbilityFor, fondsSubject, type Action, type Actor } from './access';
import type { ApiContext } from './context';
import { badRequest, notFound } from './errors';
import { route, type Route } from './route';
import { boxView } from './volumes';
import { inFonds } from '../contracts/search-attributes';
import { updateOrConflict } from '../use-cases/updates';
import { deny, fondsFor } from './authorise';

const person = z.string().trim().min(1).max(64);
const count = z.number().int().min(0);

const HandOverList = z.object({
  fonds: z.string().min(1),
  boxes: z.array(z.uuid()).min(1).max(10_000).describe('the boxes handed over'),
  businessUnit: z.string().trim().min(1).max(100),
  itemCount: count.describe('items on the list, as the business unit counted them'),
  pageCount: count.describe('pages on the list, as the business unit counted them'),
  handedOverBy: person,
  receivedBy: person,
  witness: person,
});

const locationCode = z.string().regex(LOCATION_CODE, 'must be letters, digits and hyphens, as on the shelf (e.g. R01, A-03)');
const Decision = z.discriminatedUnion('decision', [
  z.object({
    decision: z.literal('accept'),
    placements: z
      .array(z.object({ boxId: z.uuid(), room: locationCode, shelf: locationCode, position: z.number().int().min(1).max(10_000) }))
      .min(1),
  }),
  z.object({
    decision: z.literal('return'),
    reasons: z.array(z.string().trim().min(1).max(500)).min(1, 'a returned list needs at least one reason'),
  }),
]);
const Resubmission = z.object({ itemCount: count, pageCount: count, note: z.string().trim().min(1, 'say what was corrected').max(1000) });

async function submitHandOver(ctx: ApiContext, actor: Actor, list: z.infer<typeof HandOverList>, requestId: string) {
  const fonds = await fondsFor(ctx, actor, list.fonds, 'hand_over', requestId);
  const boxes = await ctx.db.box.findMany({ where: { id: { in: list.boxes } } });
  const missing = list.boxes.filter((id) => !boxes.some((b) => b.id === id));
  if (missing.length)
    throw badRequest(`boxes: ${missing.length} are not in the catalogue: ${missing.slice(0, 5).join(', ')}`, [
      { field: 'boxes', problem: 'unknown box' },
    ]);
  const foreign = boxes.filter((b) => b.fondsId !== fonds.id);
  if (foreign.length)
    throw badRequest(`boxes: ${foreign.map((b) => b.barcode).join(', ')} belong to another fonds`, [
      { field: 'boxes', problem: 'other fonds' },
    ]);
  const id = randomUUID();
  const workflowId = handOverWorkflowId(id);
  // One list per box: the conditional update claims boxes not already on a list, all or none.
  await ctx.db.$transaction(async (tx) => {
    await tx.handOver.create({
      data: {
        id,
        fondsId: fonds.id,
        workflowId,
        businessUnit: list.businessUnit,
        itemCount: list.itemCount,
        pageCount: list.pageCount,
        handedOverBy: list.handedOverBy,
        receivedBy: list.receivedBy,
        witness: list.witness,
        createdBy: actor.username,
      },
    });
    const claimed = await tx.box.updateMany({ where: { id: { in: list.boxes }, handOverId: null }, data: { handOverId: id } });
    if (claimed.count !== list.boxes.length)
      throw badRequest('boxes: some are already on another hand-over list', [{ field: 'boxes', problem: 'already handed over' }]);
  });
  await ctx.temporal.workflow.start<HandOverWorkflow>(HAND_OVER_WORKFLOW, {
    workflowId,
    taskQueue: ctx.config.temporal.taskQueue,
    args: [{ handOverId: id, boxIds: list.boxes }],
    typedSearchAttributes: inFonds(fonds.code),
  });
  return handOverView(ctx, id);
}

/** The hand-over, if it is in one of the actor's fonds and, given an action, the actor may take it there. */
async function handOverFor(ctx: ApiContext, actor: Actor, id: string, requestId: string, action?: { name: Action; refusal: string }) {
  const handOver = await ctx.db.handOver.findUnique({ where: { id } });
  if (!handOver) throw notFound(`hand-over ${id}`);
  if (!actor.fondsIds.includes(handOver.fondsId))
    await deny(ctx, actor, 'read', `hand_over:${id}`, 'the hand-over belongs to a fonds that is not among your fonds', requestId);
  if (action && !defineAbilityFor(actor).can(action.name, fondsSubject(handOver.fondsId)))
    await deny(ctx, actor, action.name, `hand_over:${id}`, action.refusal, requestId);
  return handOver;
}

export async function handOverView(ctx: ApiContext, id: string) {
  const h = await ctx.db.handOver.findUniqueOrThrow({
    where: { id },
    include: { boxes: { orderBy: [{ year: 'asc' }, { boxNumber: 'asc' }], include: { location: true } } },
  });
  const live = await ctx.temporal.workflow
    .getHandle(h.workflowId)
    .query(handOverQuery)
    .catch(() => undefined);
  return {
    id: h.id,
    workflowId: h.workflowId,
    status: h.status,
    stage: live?.stage ?? null,
    discrepancies: live?.discrepancies ?? [],
    businessUnit: h.businessUnit,
    itemCount: h.itemCount,
    pageCount: h.pageCount,
    handedOverBy: h.handedOverBy,
    receivedBy: h.receivedBy,
    witness: h.witness,
    rounds: h.rounds,
    decidedBy: h.decidedBy,
    decidedAt: h.decidedAt?.toISOString() ?? null,
    boxes: h.boxes.map(boxView),
  };
}

export function handOverRoutes(ctx: ApiContext): Route[] {
  const idParam = z.object({ id: z.uuid() });
  return [
    route({
      method: 'post',
      path: '/hand-overs',
      tag: 'volumes',
      auth: true,
      summary:
        'Submit a hand-over list (移交清单) of boxes to the archive room, with counts, the handing and receiving persons and a witness',
      body: HandOverList,
      errors: [409],
      response: { status: 202, description: 'List submitted; the archive room counts it' },
      async handle({ req, res, actor, body }) {
        const view = await submitHandOver(ctx, actor, body, req.id as string);
        res.status(202).json(view);
        return view;
      },
    }),
    route({
      method: 'get',
      path: '/hand-overs/:id',
      tag: 'volumes',
      auth: true,
      summary: 'A hand-over list: its stage, what the count found, its rounds of return and resubmission, and where its boxes are shelved',
      params: idParam,
      errors: [404],
      response: { status: 200, description: 'The hand-over' },
      async handle({ req, actor, params }) {
        await handOverFor(ctx, actor, params.id, req.id as string);
        return handOverView(ctx, params.id);
      },
    }),
    route({
      method: 'post',
      path: '/hand-overs/:id/decision',
      tag: 'volumes',
      auth: true,
      summary: "The archive manager's decision: accept, giving each box its place (room, shelf, position), or return with reasons",
      params: idParam,
      body: Decision,
      errors: [404, 409],
      response: { status: 200, description: 'Decision recorded; on acceptance the shelf barcodes' },
      async handle({ req, actor, params, body }) {
        const handOver = await handOverFor(ctx, actor, params.id, req.id as string, {
          name: 'accept_hand_over',
          refusal: 'only the archive manager accepts or returns a hand-over list',
        });
        return updateOrConflict(ctx.temporal.workflow.getHandle(handOver.workflowId), decideHandOver, { ...body, actor: actor.username });
      },
    }),
    route({
      method: 'get',
      path: '/hand-overs/:id/shelf-labels.pdf',
      tag: 'volumes',
      auth: true,
      summary: 'Shelf barcode labels (架位条码) for the shelves an accepted list’s boxes went to, one label per page',
      params: idParam,
      errors: [404],
      response: { status: 200, description: 'The labels (PDF)' },
      async handle({ req, res, actor, params }) {
        await handOverFor(ctx, actor, params.id, req.id as string);
        const body = await ctx.store.get({ bucket: ctx.config.s3.buckets.packages, key: shelfLabelsKey(params.id) }).catch((err: Error) => {
          if (err.name === 'ObjectNotFoundError')
            throw notFound(`shelf labels of hand-over ${params.id} (printed when the list is accepted)`);
          throw err;
        });
        res.type('application/pdf').send(body);
        return undefined;
      },
    }),
    route({
      method: 'post',
      path: '/hand-overs/:id/resubmission',
      tag: 'volumes',
      auth: true,
      summary: 'Resubmit a returned hand-over list with corrected counts and a note of what was corrected',
      params: idParam,
      body: Resubmission,
      errors: [404, 409],
      response: { status: 200, description: 'Resubmitted; the archive room counts it again' },
      async handle({ req, actor, params, body }) {
        const handOver = await handOverFor(ctx, actor, params.id, req.id as string, {
          name: 'hand_over',
          refusal: 'your roles do not hand over boxes in this fonds',
        });
        return updateOrConflict(ctx.temporal.workflow.getHandle(handOver.workflowId), resubmitHandOver, { ...body, actor: actor.username });
      },
    }),
  ];
}
