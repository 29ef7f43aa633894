import { randomUUID } from 'node:crypto';
import type { Actor } from '../api/access';
import type { ApiContext } from '../api/context';
import { badRequest, notFound } from '../api/errors';
import { boxesByIds, handOverById, handOverWithBoxes, submitHandOver as recordHandOver, withdrawHandOver } from '../catalogue/hand-overs';
import {
  HAND_OVER_WORKFLOW,
  decideHandOver,
  handOverQuery,
  handOverWorkflowId,
  resubmitHandOver,
  shelfLabelsKey,
  type HandOverWorkflow,
} from '../contracts/hand-over';
import { inFonds } from '../contracts/search-attributes';
import type { HandOverDecision, Resubmission } from '../domain/hand-over';
import { ObjectNotFoundError } from '../store/object-store';
import { boxView } from './boxes';
import { updateOrConflict } from './updates';
import { startOrWithdraw } from './commit-point';

export interface HandOverList {
  boxes: string[];
  businessUnit: string;
  itemCount: number;
  pageCount: number;
  handedOverBy: string;
  receivedBy: string;
  witness: string;
}

/** Records the list, claiming its boxes (each box is on one list only), and starts the archive room's count. */
export async function submitHandOver(ctx: ApiContext, actor: Actor, fonds: { id: string; code: string }, list: HandOverList) {
  const boxes = await boxesByIds(ctx.db, list.boxes);
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
  const boxIds = list.boxes;
  const claimed = await recordHandOver(
    ctx.db,
    {
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
    boxIds,
  );
  if (!claimed) throw badRequest('boxes: some are already on another hand-over list', [{ field: 'boxes', problem: 'already handed over' }]);
  await startOrWithdraw<HandOverWorkflow>(
    ctx,
    HAND_OVER_WORKFLOW,
    {
      workflowId,
      taskQueue: ctx.config.temporal.taskQueue,
      args: [{ handOverId: id, boxIds }],
      typedSearchAttributes: inFonds(fonds.code),
    },
    () => withdrawHandOver(ctx.db, id),
  );
  return handOverView(ctx, id);
}

/** The hand-over; 404 when there is none. */
export async function handOverOf(ctx: ApiContext, id: string) {
  const handOver = await handOverById(ctx.db, id);
  if (!handOver) throw notFound(`hand-over ${id}`);
  return handOver;
}

/** The hand-over as the API shows it: its stage and what the count found while it runs, its rounds and boxes. */
export async function handOverView(ctx: ApiContext, id: string) {
  const h = await handOverWithBoxes(ctx.db, id);
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

/** The archive manager's decision, given to the running hand-over; a refusal is a 409 in the step's words. */
export function decide(ctx: ApiContext, handOver: { workflowId: string }, decision: HandOverDecision) {
  return updateOrConflict(ctx.temporal.workflow.getHandle(handOver.workflowId), decideHandOver, decision);
}

/** The business unit's corrected list, given to the running hand-over. */
export function resubmit(ctx: ApiContext, handOver: { workflowId: string }, resubmission: Resubmission) {
  return updateOrConflict(ctx.temporal.workflow.getHandle(handOver.workflowId), resubmitHandOver, resubmission);
}

/** The shelf labels printed on acceptance; 404 before. */
export async function shelfLabels(ctx: ApiContext, id: string): Promise<Buffer> {
  return ctx.store.get({ bucket: ctx.config.s3.buckets.packages, key: shelfLabelsKey(id) }).catch((err: Error) => {
    if (err instanceof ObjectNotFoundError) throw notFound(`shelf labels of hand-over ${id} (printed when the list is accepted)`);
    throw err;
  });
}
