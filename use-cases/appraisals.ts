import { randomUUID } from 'node:crypto';
import type { ApiContext } from '../api/context';
import { conflict, notFound } from '../api/errors';
import { appraisalBatch, appraisalBatchOfWorkflow, appraisalBatchReport, type AppraisalBatch } from '../catalogue/appraisals';
import {
  APPRAISAL_WORKFLOW,
  appraisalQuery,
  appraisalWorkflowId,
  recordAppraisal,
  type AppraisalDecisionRequest,
  type AppraisalWorkflow,
} from '../contracts/appraisal';
import { inFonds } from '../contracts/search-attributes';
import { updateOrConflict } from './updates';

/** The batch, or a 404. */
export async function findAppraisalBatch(ctx: ApiContext, id: string): Promise<AppraisalBatch> {
  const batch = await appraisalBatch(ctx.db, id);
  if (!batch) throw notFound(`appraisal batch ${id}`);
  return batch;
}

/** Starts the appraisal step in the fonds and waits for its batch to open; the batch as the committee sees it. */
export async function openAppraisal(ctx: ApiContext, order: { fondsCode: string; openedBy: string; asOf?: string; members?: string[] }) {
  const workflowId = appraisalWorkflowId(order.fondsCode, randomUUID());
  await ctx.temporal.workflow.start<AppraisalWorkflow>(APPRAISAL_WORKFLOW, {
    typedSearchAttributes: inFonds(order.fondsCode),
    workflowId,
    taskQueue: ctx.config.temporal.taskQueue,
    args: [
      {
        fondsCode: order.fondsCode,
        rule: ctx.config.appraisal.rule,
        openedBy: order.openedBy,
        asOf: order.asOf,
        members: order.members,
      },
    ],
  });
  const batch = await waitForBatch(ctx, workflowId);
  return appraisalView(ctx, batch.id);
}

/** A member's decision, recorded by the batch's workflow; its refusal is a 409. */
export async function decideAppraisal(ctx: ApiContext, batch: AppraisalBatch, request: AppraisalDecisionRequest) {
  return updateOrConflict(ctx.temporal.workflow.getHandle(batch.workflowId), recordAppraisal, request);
}

export async function appraisalView(ctx: ApiContext, id: string) {
  const { batch, decidedByMember, items } = await appraisalBatchReport(ctx.db, id);
  const live = await ctx.temporal.workflow
    .getHandle(batch.workflowId)
    .query(appraisalQuery)
    .catch(() => undefined);
  return {
    id: batch.id,
    workflowId: batch.workflowId,
    status: batch.status,
    asOf: batch.asOf,
    rule: batch.rule,
    members: batch.members,
    decidedByMember,
    outstanding: live?.outstanding ?? null,
    items,
  };
}

/**
 * The batch row appears once the workflow's first activity has run; a workflow that fails first says why. Its state
 * is polled rather than awaited, so no long poll outlives the request.
 */
async function waitForBatch(ctx: ApiContext, workflowId: string): Promise<AppraisalBatch> {
  const handle = ctx.temporal.workflow.getHandle(workflowId);
  for (;;) {
    const batch = await appraisalBatchOfWorkflow(ctx.db, workflowId);
    if (batch) return batch;
    if ((await handle.describe()).status.name !== 'RUNNING') {
      const failure = await handle.result().then(
        () => 'it ended without opening one',
        (err: Error & { cause?: Error }) => err.cause?.message ?? err.message,
      );
      throw conflict(`the appraisal batch could not be opened: ${failure}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}
