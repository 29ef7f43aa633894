import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { fondsCodeOf } from '../catalogue/captures';
import type { Actor } from '../api/access';
import type { ApiContext } from '../api/context';
import { conflict } from '../api/errors';
import { inFonds } from '../contracts/search-attributes';
import {
  VERIFY_WORKFLOW,
  decideQuality,
  reviewSample,
  verificationQuery,
  verifyWorkflowId,
  type VerifyWorkflow,
} from '../contracts/verification';
import type { Finding } from '../domain/capture';
import type { Item } from '../prisma/client';
import { updateOrConflict } from './updates';

/** Verify (质检), as the API asks it: an archivist's override, and the second-level sampling check. */

export async function overrideQuality(ctx: ApiContext, actor: Actor, item: Item, reason: string) {
  return updateOrConflict(ctx.temporal.workflow.getHandle(verifyWorkflowId(item.id)), decideQuality, {
    kind: 'override',
    actor: actor.username,
    reason,
  });
}

/** A sampling review: on a sampled item waiting for it, or sending back any verified item. */
export async function sampleReview(
  ctx: ApiContext,
  actor: Actor,
  item: Item,
  review: { outcome: 'pass' | 'send_back'; findings?: Finding[]; reason?: string },
) {
  const handle = ctx.temporal.workflow.getHandle(verifyWorkflowId(item.id));
  const waiting = await handle
    .query(verificationQuery)
    .then((v) => v.waitingOn === 'sampling_review')
    .catch(() => false);
  if (waiting) return updateOrConflict(handle, reviewSample, { actor: actor.username, ...review });
  if (item.lifecycleState !== 'verified') throw conflict(`the item is ${item.lifecycleState}; only verified items can be sent back`);
  if (item.boxId) throw conflict('the item is already numbered and boxed; a boxed item is not sent back');
  if (review.outcome === 'pass') return { accepted: true as const };
  try {
    await ctx.temporal.workflow.start<VerifyWorkflow>(VERIFY_WORKFLOW, {
      workflowId: verifyWorkflowId(item.id),
      taskQueue: ctx.config.temporal.taskQueue,
      typedSearchAttributes: inFonds(await fondsCodeOf(ctx.db, item.fondsId)),
      args: [{ itemId: item.id, sentBack: { findings: review.findings ?? [], actor: actor.username } }],
    });
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) throw conflict('the item is already being verified');
    throw err;
  }
  return { accepted: true as const };
}
