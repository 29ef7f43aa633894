import { randomUUID } from 'node:crypto';
import type { Actor } from '../api/access';
import type { ApiContext } from '../api/context';
import { badRequest, conflict, notFound } from '../api/errors';
import {
  destructionListReport,
  findDestructionList,
  proposeDestructionList,
  withdrawDestructionList,
} from '../catalogue/destruction-lists';
import {
  DESTRUCTION_WORKFLOW,
  decideDestruction,
  destructionDocumentKey,
  destructionQuery,
  destructionWorkflowId,
  type DestructionDocumentName,
  type DestructionWorkflow,
} from '../contracts/destruction';
import { inFonds } from '../contracts/search-attributes';
import { appraisalBatch, type AppraisalBatch } from '../catalogue/appraisals';
import { updateOrConflict } from './updates';
import { startOrWithdraw } from './commit-point';

export interface Proposal {
  method: string;
  place: string;
  scheduledFor?: string;
}

/** The batch a proposal names, or a 400: the batch is part of the proposal's body. */
export async function batchToPropose(ctx: ApiContext, batchId: string): Promise<AppraisalBatch> {
  const batch = await appraisalBatch(ctx.db, batchId);
  if (!batch) throw badRequest(`batch: no appraisal batch has id ${batchId}`, [{ field: 'batch', problem: 'unknown batch' }]);
  return batch;
}

/** The list, or a 404. */
export async function findList(ctx: ApiContext, id: string) {
  const list = await findDestructionList(ctx.db, id);
  if (!list) throw notFound(`destruction list ${id}`);
  return list;
}

/** Proposes a list of the batch's destroy decisions and starts its destruction step, which waits for approvals. */
export async function proposeDestruction(ctx: ApiContext, actor: Actor, batch: AppraisalBatch, proposal: Proposal) {
  if (batch.status !== 'decided') throw conflict(`appraisal batch ${batch.id} is still open: every member must decide every item first`);
  const id = randomUUID();
  const workflowId = destructionWorkflowId(id);
  const proposed = await proposeDestructionList(ctx.db, {
    id,
    fondsId: batch.fondsId,
    batchId: batch.id,
    workflowId,
    proposedBy: actor.username,
    method: proposal.method,
    place: proposal.place,
    scheduledFor: proposal.scheduledFor ? new Date(proposal.scheduledFor) : null,
  });
  if (!proposed) throw conflict(`appraisal batch ${batch.id} has no item decided for destruction that is not already on a list`);
  await startOrWithdraw<DestructionWorkflow>(
    ctx,
    DESTRUCTION_WORKFLOW,
    {
      workflowId,
      taskQueue: ctx.config.temporal.taskQueue,
      typedSearchAttributes: inFonds(proposed.fondsCode),
      args: [
        {
          listId: id,
          proposedBy: actor.username,
          approvalTimeoutMs: ctx.config.destruction.approvalTimeoutMs,
          scheduledFor: proposal.scheduledFor,
        },
      ],
    },
    () => withdrawDestructionList(ctx.db, id),
  );
  return destructionListView(ctx, id);
}

/** An approval or rejection, recorded by the list's workflow; its refusal is a 409. */
export async function decideOnList(
  ctx: ApiContext,
  list: { workflowId: string },
  actor: Actor,
  decision: { decision: 'approve' | 'reject'; comment?: string },
) {
  return updateOrConflict(ctx.temporal.workflow.getHandle(list.workflowId), decideDestruction, {
    username: actor.username,
    displayName: actor.displayName,
    roles: actor.roles,
    decision: decision.decision,
    comment: decision.comment,
    at: new Date().toISOString(),
  });
}

/** The destruction list or certificate as stored, or a 404 before the destruction has run. */
export async function destructionDocument(ctx: ApiContext, listId: string, name: DestructionDocumentName): Promise<Buffer> {
  return ctx.store.get({ bucket: ctx.config.s3.buckets.packages, key: destructionDocumentKey(listId, name) }).catch((err: Error) => {
    if (err.name === 'ObjectNotFoundError') throw notFound(`${name} of destruction list ${listId} (produced when the destruction has run)`);
    throw err;
  });
}

export async function destructionListView(ctx: ApiContext, id: string) {
  const { list, itemOf } = await destructionListReport(ctx.db, id);
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
    documents: ((list.documents ?? []) as unknown as { name: string }[]).map((d) => d.name),
    entries: list.entries
      .map((e) => ({
        itemId: e.itemId,
        archivalCode: itemOf.get(e.itemId)?.archivalCode ?? null,
        title: itemOf.get(e.itemId)?.title ?? '',
        status: e.status,
        reason: e.reason,
        destroyedAt: e.destroyedAt?.toISOString() ?? null,
        bytesFound: e.bytesFound === null ? null : Number(e.bytesFound),
        objectsGone: (e.objectsGone ?? []) as { pageNumber: number; bucket: string; key: string }[],
      }))
      .sort((a, b) => (a.archivalCode ?? '').localeCompare(b.archivalCode ?? '')),
  };
}
