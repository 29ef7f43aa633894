import { AWAITING_CAPTURE, fondsCodeOf, recordCaptureMode } from '../catalogue/captures';
import { defectsOf } from '../catalogue/quality';
import type { Actor } from '../api/access';
import type { ApiContext } from '../api/context';
import { conflict } from '../api/errors';
import {
  CAPTURE_WORKFLOW,
  captureQuery,
  captureWorkflowId,
  capturedPagesQuery,
  finishCapture,
  initialReview,
  operatorReady,
  pagesArrived,
  scanRequested,
  type CaptureInput,
  type CaptureWorkflow,
} from '../contracts/capture';
import { inFonds } from '../contracts/search-attributes';
import { decideQuality, verificationQuery, verifyWorkflowId } from '../contracts/verification';
import type { CaptureMode, ScanOrder, StagedPage } from '../domain/capture';
import type { Item } from '../prisma/client';
import { stageUpload } from './staging';
import { ObjectNotFoundError } from '../store/object-store';
import { stepFailureMessage, signalStep, updateOrConflict } from './updates';

/** Collect (采集) of one business case, as the API asks it: scans, uploads, the end of capture, the initial review. */

async function captureStart(ctx: ApiContext, item: Item, mode: CaptureMode, actor: Actor) {
  return {
    workflowId: captureWorkflowId(item.id),
    taskQueue: ctx.config.temporal.taskQueue,
    args: [{ itemId: item.id, mode, actor: actor.username }] as [CaptureInput],
    typedSearchAttributes: inFonds(await fondsCodeOf(ctx.db, item.fondsId)),
  };
}

function requireCapturable(item: Item): void {
  if (!(AWAITING_CAPTURE as readonly string[]).includes(item.lifecycleState))
    throw conflict(`the item is ${item.lifecycleState}; pages can be captured only while it is registered`);
}

function modeFor(actor: Actor): CaptureMode {
  return actor.roles.includes('employer') ? 'employer_upload' : 'window';
}

/** Asks a workstation to scan the item's pages; the capture workflow starts if it is not running yet. */
export async function orderScan(ctx: ApiContext, actor: Actor, item: Item, order: ScanOrder, finish: boolean) {
  requireCapturable(item);
  await recordCaptureMode(ctx.db, item.id, 'window');
  const handle = await ctx.temporal.workflow.signalWithStart<CaptureWorkflow, [ScanOrder]>(CAPTURE_WORKFLOW, {
    ...(await captureStart(ctx, item, 'window', actor)),
    signal: scanRequested,
    signalArgs: [order],
  });
  if (finish) await updateOrConflict(handle, finishCapture, { actor: actor.username });
  return { workflowId: handle.workflowId, ...(await handle.query(captureQuery)) };
}

/**
 * Takes one uploaded page image: checked to be a decodable image, staged, and handed to the item's capture
 * (or, for a rescan, to its verification as the page it replaces). A bad image stores nothing.
 */
export async function uploadPage(ctx: ApiContext, actor: Actor, item: Item, body: unknown, replaces: number | undefined) {
  if (replaces !== undefined && item.lifecycleState !== 'verification_failed')
    throw conflict(`the item is ${item.lifecycleState}; pages are replaced only after a failed verification`);
  if (replaces === undefined) requireCapturable(item);
  const page: StagedPage = { ...(await stageUpload(ctx, actor, body, item.id)), replaces };
  if (replaces !== undefined) {
    await updateOrConflict(ctx.temporal.workflow.getHandle(verifyWorkflowId(item.id)), decideQuality, {
      kind: 'rescan',
      actor: actor.username,
      pages: [page],
    });
    return { staged: 1 as const, replaces };
  }
  const mode = modeFor(actor);
  await recordCaptureMode(ctx.db, item.id, mode);
  const handle = await ctx.temporal.workflow.signalWithStart<CaptureWorkflow, [StagedPage[]]>(CAPTURE_WORKFLOW, {
    ...(await captureStart(ctx, item, mode, actor)),
    signal: pagesArrived,
    signalArgs: [[page]],
  });
  return { staged: 1 as const, workflowId: handle.workflowId };
}

export async function finishItemCapture(ctx: ApiContext, actor: Actor, item: Item) {
  return updateOrConflict(ctx.temporal.workflow.getHandle(captureWorkflowId(item.id)), finishCapture, { actor: actor.username });
}

export async function captureStatus(ctx: ApiContext, item: Item) {
  const [capture, verification] = await Promise.all([
    ctx.temporal.workflow
      .getHandle(captureWorkflowId(item.id))
      .query(captureQuery)
      .catch(() => null),
    ctx.temporal.workflow
      .getHandle(verifyWorkflowId(item.id))
      .query(verificationQuery)
      .catch(() => null),
  ]);
  const defects = await defectsOf(ctx.db, item.id);
  return { lifecycleState: item.lifecycleState, capture, captureRun: await captureRun(ctx, item.id), verification, defects };
}

const ENDED_UNFINISHED = ['FAILED', 'TIMED_OUT', 'TERMINATED', 'CANCELLED'];

/** The item's last capture run as Temporal keeps it: running, completed, or ended unfinished with the reason in the step's words. */
async function captureRun(ctx: ApiContext, itemId: string) {
  const handle = ctx.temporal.workflow.getHandle(captureWorkflowId(itemId));
  const run = await handle.describe().catch((err: Error) => {
    if (err.name === 'WorkflowNotFoundError') return undefined;
    throw err;
  });
  if (!run) return null;
  const status = run.status.name;
  const failure = ENDED_UNFINISHED.includes(status)
    ? await handle.result().then(
        () => null,
        (err: Error) => stepFailureMessage(err),
      )
    : null;
  return { status, failure, startedAt: run.startTime.toISOString(), closedAt: run.closeTime?.toISOString() ?? null };
}

/**
 * Starts the capture again after a run that ended unfinished, with the pages that run was given and that are still
 * staged; a page no longer staged is named, to be uploaded or scanned again. The new run waits for its finish as any.
 */
export async function restartCapture(ctx: ApiContext, actor: Actor, item: Item) {
  requireCapturable(item);
  const run = await captureRun(ctx, item.id);
  if (!run || !ENDED_UNFINISHED.includes(run.status))
    throw conflict(
      run
        ? `the capture of item ${item.id} is ${run.status.toLowerCase()}, not failed: there is nothing to restart`
        : `item ${item.id} has no capture to restart; upload or scan its pages`,
    );
  const handle = ctx.temporal.workflow.getHandle(captureWorkflowId(item.id));
  const [pages, last] = await Promise.all([handle.query(capturedPagesQuery), handle.query(captureQuery)]);
  const kept: StagedPage[] = [];
  const gone: StagedPage[] = [];
  for (const page of pages) {
    const there = await ctx.store.head(page).then(
      () => true,
      (err: Error) => {
        if (err instanceof ObjectNotFoundError) return false;
        throw err;
      },
    );
    (there ? kept : gone).push(page);
  }
  if (kept.length === 0)
    throw conflict(`none of the ${pages.length} pages of the failed capture is still staged; upload or scan them again`);
  await recordCaptureMode(ctx.db, item.id, last.mode);
  await ctx.temporal.workflow.signalWithStart<CaptureWorkflow, [StagedPage[]]>(CAPTURE_WORKFLOW, {
    ...(await captureStart(ctx, item, last.mode, actor)),
    signal: pagesArrived,
    signalArgs: [kept],
  });
  return {
    restarted: true as const,
    pages: kept.length,
    missing: gone.map((p) => ({ source: p.source, staged: `${p.bucket}/${p.key}` })),
    failure: run.failure,
  };
}

export async function operatorIsBack(ctx: ApiContext, actor: Actor, item: Item) {
  await signalStep(ctx.temporal.workflow.getHandle(captureWorkflowId(item.id)), operatorReady, { actor: actor.username }, () =>
    conflict(`item ${item.id} has no capture running, so there is no scan to resume; order a scan first`),
  );
  return { resumed: true as const };
}

export async function reviewUpload(ctx: ApiContext, actor: Actor, item: Item, decision: { approved: boolean; reason?: string }) {
  await updateOrConflict(ctx.temporal.workflow.getHandle(captureWorkflowId(item.id)), initialReview, {
    actor: actor.username,
    ...decision,
  });
  return { recorded: true as const };
}
