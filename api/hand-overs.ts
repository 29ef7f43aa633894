import { z } from 'zod';
import { LOCATION_CODE } from '../domain/volume';
import { decide, handOverOf, handOverView, resubmit, shelfLabels, submitHandOver } from '../use-cases/hand-overs';
import { defineAbilityFor, fondsSubject, type Action, type Actor } from './access';
import { deny, fondsFor } from './authorise';
import type { ApiContext } from './context';
import { route, type Route } from './route';
import { HandOverDecided, HandOverView, Resubmitted } from './views/volumes';

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

/** A hand-over is read by those who work in its fonds and, given an action, acted on by those its roles allow there. */
async function requireHandOverAccess(
  ctx: ApiContext,
  actor: Actor,
  handOver: { id: string; fondsId: string },
  requestId: string,
  action?: { name: Action; refusal: string },
) {
  if (!actor.fondsIds.includes(handOver.fondsId))
    await deny(ctx, actor, 'read', `hand_over:${handOver.id}`, 'the hand-over belongs to a fonds that is not among your fonds', requestId);
  if (action && !defineAbilityFor(actor).can(action.name, fondsSubject(handOver.fondsId)))
    await deny(ctx, actor, action.name, `hand_over:${handOver.id}`, action.refusal, requestId);
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
      response: { status: 202, description: 'List submitted; the archive room counts it', schema: HandOverView },
      async handle({ req, res, actor, body }) {
        const fonds = await fondsFor(ctx, actor, body.fonds, 'hand_over', req.id as string);
        const view = await submitHandOver(ctx, actor, fonds, body);
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
      response: { status: 200, description: 'The hand-over', schema: HandOverView },
      async handle({ req, actor, params }) {
        await requireHandOverAccess(ctx, actor, await handOverOf(ctx, params.id), req.id as string);
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
      response: { status: 200, description: 'Decision recorded; on acceptance the shelf barcodes', schema: HandOverDecided },
      async handle({ req, actor, params, body }) {
        const handOver = await handOverOf(ctx, params.id);
        await requireHandOverAccess(ctx, actor, handOver, req.id as string, {
          name: 'accept_hand_over',
          refusal: 'only the archive manager accepts or returns a hand-over list',
        });
        return decide(ctx, handOver, { ...body, actor: actor.username });
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
      response: { status: 200, description: 'The labels (PDF)', binary: ['application/pdf'] },
      async handle({ req, res, actor, params }) {
        await requireHandOverAccess(ctx, actor, await handOverOf(ctx, params.id), req.id as string);
        const labels = await shelfLabels(ctx, params.id);
        res.type('application/pdf').send(labels);
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
      response: { status: 200, description: 'Resubmitted; the archive room counts it again', schema: Resubmitted },
      async handle({ req, actor, params, body }) {
        const handOver = await handOverOf(ctx, params.id);
        await requireHandOverAccess(ctx, actor, handOver, req.id as string, {
          name: 'hand_over',
          refusal: 'your roles do not hand over boxes in this fonds',
        });
        return resubmit(ctx, handOver, { ...body, actor: actor.username });
      },
    }),
  ];
}
