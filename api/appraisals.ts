import { z } from 'zod';
import { APPRAISAL_DECISIONS } from '../domain/appraisal';
import { RETENTION_PERIODS } from '../domain/retention';
import { appraisalView, decideAppraisal, findAppraisalBatch, openAppraisal } from '../use-cases/appraisals';
import type { Action, Actor } from './access';
import type { ApiContext } from './context';
import { route, type Route } from './route';
import { AppraisalView, DecisionsRecorded } from './views/destruction';
import { fondsFor, requireInFonds } from './authorise';

const isoDay = z.iso.date('must be a date, YYYY-MM-DD');
const AppraisalOrder = z.object({
  fonds: z.string().min(1),
  asOf: isoDay.optional().describe('retention counted up to this day; today when omitted'),
  members: z
    .array(z.string().min(1).max(100))
    .min(1)
    .max(20)
    .optional()
    .describe("the committee's usernames; the fonds' appraisal members when omitted"),
});
const Decision = z
  .object({
    items: z.array(z.uuid()).min(1).max(10_000).optional(),
    group: z
      .object({ retentionPeriod: z.enum(RETENTION_PERIODS).optional(), year: z.number().int().min(1900).max(2200).optional() })
      .optional(),
    decision: z.enum(APPRAISAL_DECISIONS),
    newPeriod: z.enum(RETENTION_PERIODS).exclude(['Y']).optional().describe('for keep: the new fixed period'),
    reason: z.string().trim().min(1, 'every decision needs its reason').max(2000),
  })
  .refine((d) => Boolean(d.items) !== Boolean(d.group), { message: 'name the items, or a group — one of the two', path: ['items'] })
  .refine((d) => (d.decision === 'keep') === Boolean(d.newPeriod), {
    message: 'keep goes with a new period (D5 … D100), and only keep does',
    path: ['newPeriod'],
  });

async function batchFor(ctx: ApiContext, actor: Actor, id: string, requestId: string, action: Action = 'read') {
  const batch = await findAppraisalBatch(ctx, id);
  await requireInFonds(ctx, actor, action, batch.fondsId, `appraisal_batch:${id}`, requestId);
  return batch;
}

export function appraisalRoutes(ctx: ApiContext): Route[] {
  const idParam = z.object({ id: z.uuid() });
  return [
    route({
      method: 'post',
      path: '/appraisals',
      tag: 'destruction',
      auth: true,
      summary: 'Open an appraisal batch (鉴定) now: every item in the archive room whose retention ran out goes before the committee',
      body: AppraisalOrder,
      errors: [409],
      response: { status: 202, description: 'Batch opening; its items are listed once it is open', schema: AppraisalView },
      async handle({ req, res, actor, body }) {
        const fonds = await fondsFor(ctx, actor, body.fonds, 'appraise', req.id as string);
        const view = await openAppraisal(ctx, { fondsCode: fonds.code, openedBy: actor.username, asOf: body.asOf, members: body.members });
        res.status(202).json(view);
        return view;
      },
    }),
    route({
      method: 'get',
      path: '/appraisals/:id',
      tag: 'destruction',
      auth: true,
      summary: 'An appraisal batch: its committee, how far each member has got, and each item with its outcome once decided',
      params: idParam,
      errors: [404],
      response: { status: 200, description: 'The batch', schema: AppraisalView },
      async handle({ req, actor, params }) {
        await batchFor(ctx, actor, params.id, req.id as string);
        return appraisalView(ctx, params.id);
      },
    }),
    route({
      method: 'post',
      path: '/appraisals/:id/decisions',
      tag: 'destruction',
      auth: true,
      summary:
        "A committee member's decision on listed items or a group: destroy, keep for a new period, or make permanent, with the reason",
      params: idParam,
      body: Decision,
      errors: [404, 409],
      response: { status: 200, description: 'Decisions recorded; how many remain for the whole committee', schema: DecisionsRecorded },
      async handle({ req, actor, params, body }) {
        const batch = await batchFor(ctx, actor, params.id, req.id as string, 'decide_appraisal');
        return decideAppraisal(ctx, batch, { ...body, member: actor.username });
      },
    }),
  ];
}
