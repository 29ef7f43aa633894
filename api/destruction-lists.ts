import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { StoredDocument } from '../activities/volume';
import {
  DESTRUCTION_DOCUMENTS,
  DESTRUCTION_WORKFLOW,
  decideDestruction,
  destructionDocumentKey,
  destructionQuery,
  destructionWorkflowId,
  type DestructionWorkflow,
} from '../contracts/destruction';
import type { Action, Actor } from './access';
import type { ApiContext } from './context';
import { badRequest, conflict, notFound } from './errors';
import { route, type Route } from './route';
import { inFonds } from '../contracts/search-attributes';
import { updateOrConflict } from '../use-cases/updates';
import { requireInFonds } from './authorise';

const Proposal = z.object({
  batch: z.uuid('must be an appraisal batch id (UUID)'),
  method: z.string().trim().min(1, 'say how the paper will be destroyed, e.g. 碎纸机粉碎').max(200),
  place: z.string().trim().min(1, 'say where the destruction takes place').max(200),
  scheduledFor: z.iso
    .datetime({ offset: true, message: 'must be a date and time, e.g. 2026-12-01T09:00:00+08:00' })
    .optional()
    .describe('when the destruction is carried out, with the witnesses present; at once on approval when omitted'),
});
const Approval = z
  .object({ decision: z.enum(['approve', 'reject']), comment: z.string().trim().max(2000).optional() })
  .refine((a) => a.decision === 'approve' || Boolean(a.comment), { message: 'a rejection needs its reason', path: ['comment'] });

async function propose(ctx: ApiContext, actor: Actor, proposal: z.infer<typeof Proposal>, requestId: string) {
  const batch = await ctx.db.appraisalBatch.findUnique({ where: { id: proposal.batch } });
  if (!batch) throw badRequest(`batch: no appraisal batch has id ${proposal.batch}`, [{ field: 'batch', problem: 'unknown batch' }]);
  await requireInFonds(ctx, actor, 'propose_destruction', batch.fondsId, `appraisal_batch:${batch.id}`, requestId);
  if (batch.status !== 'decided') throw conflict(`appraisal batch ${batch.id} is still open: every member must decide every item first`);
  const id = randomUUID();
  const workflowId = destructionWorkflowId(id);
  await ctx.db.$transaction(async (tx) => {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${`destruction:${batch.id}`}))`;
    // Items the committee decided to destroy, still under appraisal and not on another list that may yet run.
    const items = await tx.$queryRaw<{ item_id: string }[]>`
      SELECT e.item_id FROM appraisal_entry e JOIN item i ON i.id = e.item_id
      WHERE e.batch_id = ${batch.id}::uuid AND e.outcome = 'destroy' AND i.lifecycle_state = 'under_appraisal'
        AND NOT EXISTS (SELECT 1 FROM destruction_entry d JOIN destruction_list l ON l.id = d.list_id
                        WHERE d.item_id = e.item_id AND l.status <> 'rejected' AND d.status IN ('listed', 'destroyed'))`;
    if (items.length === 0) throw conflict(`appraisal batch ${batch.id} has no item decided for destruction that is not already on a list`);
    await tx.destructionList.create({
      data: {
        id,
        fondsId: batch.fondsId,
        batchId: batch.id,
        workflowId,
        proposedBy: actor.username,
        method: proposal.method,
        place: proposal.place,
        scheduledFor: proposal.scheduledFor ? new Date(proposal.scheduledFor) : null,
      },
    });
    await tx.destructionEntry.createMany({ data: items.map((i) => ({ listId: id, itemId: i.item_id })) });
  });
  const fonds = await ctx.db.fonds.findUniqueOrThrow({ where: { id: batch.fondsId }, select: { code: true } });
  await ctx.temporal.workflow.start<DestructionWorkflow>(DESTRUCTION_WORKFLOW, {
    workflowId,
    taskQueue: ctx.config.temporal.taskQueue,
    typedSearchAttributes: inFonds(fonds.code),
    args: [
      {
        listId: id,
        proposedBy: actor.username,
        approvalTimeoutMs: ctx.config.destruction.approvalTimeoutMs,
        scheduledFor: proposal.scheduledFor,
      },
    ],
  });
  return destructionListView(ctx, id);
}

async function listFor(ctx: ApiContext, actor: Actor, id: string, requestId: string, action: Action = 'read') {
  const list = await ctx.db.destructionList.findUnique({ where: { id } });
  if (!list) throw notFound(`destruction list ${id}`);
  await requireInFonds(ctx, actor, action, list.fondsId, `destruction_list:${id}`, requestId);
  return list;
}

export async function destructionListView(ctx: ApiContext, id: string) {
  const list = await ctx.db.destructionList.findUniqueOrThrow({ where: { id }, include: { entries: true } });
  const items = await ctx.db.item.findMany({
    where: { id: { in: list.entries.map((e) => e.itemId) } },
    select: { id: true, archivalCode: true, title: true, lifecycleState: true },
  });
  const itemOf = new Map(items.map((i) => [i.id, i]));
  const live = await ctx.temporal.workflow
    .getHandle(list.workflowId)
    .query(destructionQuery)
    .catch(() => undefined);
  const counts = Object.fromEntries(
    ['listed', 'removed', 'destroyed', 'failed'].map((s) => [s, list.entries.filter((e) => e.status === s).length]),
  );
  return {
    id: list.id,
    workflowId: list.workflowId,
    batchId: list.batchId,
    status: list.status,
    stage: live?.stage ?? null,
    proposedBy: list.proposedBy,
    method: list.method,
    place: list.place,
    scheduledFor: list.scheduledFor?.toISOString() ?? null,
    approvals: list.approvals,
    waitingFor: live?.waitingFor ?? [],
    escalations: list.escalations,
    counts,
    executedAt: list.executedAt?.toISOString() ?? null,
    documents: ((list.documents ?? []) as unknown as StoredDocument[]).map((d) => d.name),
    entries: list.entries
      .map((e) => ({
        itemId: e.itemId,
        archivalCode: itemOf.get(e.itemId)?.archivalCode ?? null,
        title: itemOf.get(e.itemId)?.title ?? '',
        status: e.status,
        reason: e.reason,
        destroyedAt: e.destroyedAt?.toISOString() ?? null,
      }))
      .sort((a, b) => (a.archivalCode ?? '').localeCompare(b.archivalCode ?? '')),
  };
}

export function destructionRoutes(ctx: ApiContext): Route[] {
  const idParam = z.object({ id: z.uuid() });
  return [
    route({
      method: 'post',
      path: '/destruction-lists',
      tag: 'destruction',
      auth: true,
      summary: 'Propose a destruction list (销毁清册) from an appraisal batch’s destroy decisions; held items are taken off at once',
      body: Proposal,
      errors: [409],
      response: { status: 202, description: 'List proposed; it waits for the agency head and two witnesses' },
      async handle({ req, res, actor, body }) {
        const view = await propose(ctx, actor, body, req.id as string);
        res.status(202).json(view);
        return view;
      },
    }),
    route({
      method: 'get',
      path: '/destruction-lists/:id',
      tag: 'destruction',
      auth: true,
      summary: 'A destruction list: its approvals, who it still waits for, and each item with its status and reason',
      params: idParam,
      errors: [404],
      response: { status: 200, description: 'The list' },
      async handle({ req, actor, params }) {
        await listFor(ctx, actor, params.id, req.id as string);
        return destructionListView(ctx, params.id);
      },
    }),
    route({
      method: 'post',
      path: '/destruction-lists/:id/approvals',
      tag: 'destruction',
      auth: true,
      summary: 'Approve or reject the list as agency head or as witness (监销人); nobody decides twice or on a list they proposed',
      params: idParam,
      body: Approval,
      errors: [404, 409],
      response: { status: 200, description: 'The approval as recorded, with the role it filled' },
      async handle({ req, actor, params, body }) {
        const list = await listFor(ctx, actor, params.id, req.id as string, 'approve_destruction');
        return updateOrConflict(ctx.temporal.workflow.getHandle(list.workflowId), decideDestruction, {
          username: actor.username,
          displayName: actor.displayName,
          roles: actor.roles,
          decision: body.decision,
          comment: body.comment,
          at: new Date().toISOString(),
        });
      },
    }),
    route({
      method: 'get',
      path: '/destruction-lists/:id/documents/:name',
      tag: 'destruction',
      auth: true,
      summary: 'The destruction list or certificate (PDF), kept permanently once the destruction has run',
      params: z.object({ id: z.uuid(), name: z.enum(DESTRUCTION_DOCUMENTS) }),
      errors: [404],
      response: { status: 200, description: 'The document (PDF)' },
      async handle({ req, res, actor, params }) {
        await listFor(ctx, actor, params.id, req.id as string);
        const body = await ctx.store
          .get({ bucket: ctx.config.s3.buckets.packages, key: destructionDocumentKey(params.id, params.name) })
          .catch((err: Error) => {
            if (err.name === 'ObjectNotFoundError')
              throw notFound(`${params.name} of destruction list ${params.id} (produced when the destruction has run)`);
            throw err;
          });
        res.type('application/pdf').send(body);
        return undefined;
      },
    }),
  ];
}
