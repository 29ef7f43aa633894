import { randomUUID } from 'node:crypto';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import type { Actor } from '../api/access';
import type { ApiContext } from '../api/context';
import { conflict, notFound } from '../api/errors';
import {
  SCAN_SESSION_WORKFLOW,
  finishCapture,
  operatorReady,
  pagesArrived,
  scanRequested,
  scanSessionQuery,
  scanSessionWorkflowId,
  sessionStagingId,
  type ScanSessionWorkflow,
} from '../contracts/scan-session';
import type { ScanOrder } from '../domain/capture';
import { stageUpload } from './staging';
import { signalStep } from './updates';

/** Batch scanning afterwards (事后扫描), as the API asks it: a session is its workflow, found by the session's id. */

const session = (ctx: ApiContext, id: string) => ctx.temporal.workflow.getHandle(scanSessionWorkflowId(id));

/** The session as it stands, with its workflow's status; a session that never was is not found. */
export async function describeSession(ctx: ApiContext, id: string) {
  const handle = session(ctx, id);
  const description = await handle.describe().catch(() => undefined);
  if (!description) throw notFound(`scan session ${id}`);
  const view = await handle.query(scanSessionQuery);
  return { ...view, status: description.status.name };
}

/** Opens a session for the actor's fonds. */
export async function openSession(ctx: ApiContext, actor: Actor) {
  const sessionId = randomUUID();
  await ctx.temporal.workflow.start<ScanSessionWorkflow>(SCAN_SESSION_WORKFLOW, {
    workflowId: scanSessionWorkflowId(sessionId),
    taskQueue: ctx.config.temporal.taskQueue,
    args: [{ sessionId, actor: actor.username, fondsIds: actor.fondsIds }],
  });
  return describeSession(ctx, sessionId);
}

export async function orderSessionScan(ctx: ApiContext, id: string, order: ScanOrder) {
  await describeSession(ctx, id);
  await session(ctx, id).signal(scanRequested, order);
  return describeSession(ctx, id);
}

export async function addSessionPage(ctx: ApiContext, actor: Actor, id: string, body: unknown) {
  await describeSession(ctx, id);
  await session(ctx, id).signal(pagesArrived, [await stageUpload(ctx, actor, body, sessionStagingId(id))]);
  return { staged: 1 as const };
}

/** The whole stack is in; the session refuses (409) while nothing has arrived. */
export async function finishSession(ctx: ApiContext, actor: Actor, id: string) {
  await describeSession(ctx, id);
  try {
    return await session(ctx, id).executeUpdate(finishCapture, { args: [{ actor: actor.username }] });
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError) throw conflict(err.cause?.message ?? err.message);
    throw err;
  }
}

export async function resumeSession(ctx: ApiContext, actor: Actor, id: string) {
  await signalStep(session(ctx, id), operatorReady, { actor: actor.username }, () => notFound(`scan session ${id}`));
  return describeSession(ctx, id);
}
