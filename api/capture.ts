import { randomUUID } from 'node:crypto';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import type { CaptureMode, Finding, ScanOrder, StagedPage } from '../domain/capture';
import { openImage } from '../imaging';
import type { Item } from '../prisma/client';
import { fixityStatement, verifySignature } from '../store/signing';
import {
  CAPTURE_WORKFLOW,
  captureQuery,
  captureWorkflowId,
  finishCapture,
  initialReview,
  operatorReady,
  pagesArrived,
  scanRequested,
  type CaptureInput,
  type CaptureWorkflow,
} from '../contracts/capture';
import {
  VERIFY_WORKFLOW,
  decideQuality,
  reviewSample,
  verificationQuery,
  verifyWorkflowId,
  type VerifyWorkflow,
} from '../contracts/verification';
import type { Actor } from './access';
import type { ApiContext } from './context';
import { badRequest, conflict } from './errors';
import { inFonds } from '../contracts/search-attributes';
import { updateOrConflict } from '../use-cases/updates';

async function captureStart(ctx: ApiContext, item: Item, mode: CaptureMode, actor: Actor) {
  return {
    workflowId: captureWorkflowId(item.id),
    taskQueue: ctx.config.temporal.taskQueue,
    args: [{ itemId: item.id, mode, actor: actor.username }] as [CaptureInput],
    typedSearchAttributes: await fondsOf(ctx, item),
  };
}

async function fondsOf(ctx: ApiContext, item: Item) {
  return inFonds((await ctx.db.fonds.findUniqueOrThrow({ where: { id: item.fondsId }, select: { code: true } })).code);
}

const CAPTURABLE = new Set(['registered', 'pending_initial_review']);

function requireCapturable(item: Item): void {
  if (!CAPTURABLE.has(item.lifecycleState))
    throw conflict(`the item is ${item.lifecycleState}; pages can be captured only while it is registered`);
}

function modeFor(actor: Actor): CaptureMode {
  return actor.roles.includes('employer') ? 'employer_upload' : 'window';
}

/** Asks a workstation to scan the item's pages; the capture workflow starts if it is not running yet. */
export async function orderScan(ctx: ApiContext, actor: Actor, item: Item, order: ScanOrder, finish: boolean) {
  requireCapturable(item);
  await ctx.db.item.update({ where: { id: item.id }, data: { captureMode: 'window' } });
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
/** Checks an uploaded page image can be read and stages it; a bad image is refused and nothing is stored. */
export async function stageUpload(ctx: ApiContext, actor: Actor, body: unknown, stagingId: string): Promise<StagedPage> {
  if (!Buffer.isBuffer(body) || body.length === 0)
    throw badRequest('the body must be the page image (Content-Type image/jpeg, image/png, image/tiff or image/x-portable-anymap)');
  const image = await openImage(body).catch((err: Error) => {
    throw badRequest(`the page image cannot be read: ${err.message}`, [{ field: 'body', problem: 'unreadable image' }]);
  });
  const stored = await ctx.store.put({
    bucket: ctx.config.s3.buckets.images,
    key: `staging/${stagingId}/upload-${randomUUID()}`,
    body,
    contentType: `image/${image.format}`,
  });
  return { bucket: stored.bucket, key: stored.key, versionId: stored.versionId, source: `upload:${actor.username}` };
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
    return { staged: 1, replaces };
  }
  const mode = modeFor(actor);
  await ctx.db.item.update({ where: { id: item.id }, data: { captureMode: mode } });
  const handle = await ctx.temporal.workflow.signalWithStart<CaptureWorkflow, [StagedPage[]]>(CAPTURE_WORKFLOW, {
    ...(await captureStart(ctx, item, mode, actor)),
    signal: pagesArrived,
    signalArgs: [[page]],
  });
  return { staged: 1, workflowId: handle.workflowId };
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
  const defects = await ctx.db.qualityDefect.findMany({ where: { itemId: item.id }, orderBy: { detectedAt: 'asc' } });
  return { lifecycleState: item.lifecycleState, capture, verification, defects };
}

export async function operatorIsBack(ctx: ApiContext, actor: Actor, item: Item) {
  await ctx.temporal.workflow.getHandle(captureWorkflowId(item.id)).signal(operatorReady, { actor: actor.username });
  return { resumed: true };
}

export async function reviewUpload(ctx: ApiContext, actor: Actor, item: Item, decision: { approved: boolean; reason?: string }) {
  await updateOrConflict(ctx.temporal.workflow.getHandle(captureWorkflowId(item.id)), initialReview, {
    actor: actor.username,
    ...decision,
  });
  return { recorded: true };
}

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
  if (review.outcome === 'pass') return { accepted: true };
  try {
    await ctx.temporal.workflow.start<VerifyWorkflow>(VERIFY_WORKFLOW, {
      workflowId: verifyWorkflowId(item.id),
      taskQueue: ctx.config.temporal.taskQueue,
      typedSearchAttributes: await fondsOf(ctx, item),
      args: [{ itemId: item.id, sentBack: { findings: review.findings ?? [], actor: actor.username } }],
    });
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) throw conflict('the item is already being verified');
    throw err;
  }
  return { accepted: true };
}

export async function pagesOf(ctx: ApiContext, item: Item) {
  const pages = await ctx.db.page.findMany({ where: { itemId: item.id }, orderBy: [{ pageNumber: 'asc' }, { createdAt: 'asc' }] });
  return pages.map((p) => ({
    pageNumber: p.pageNumber,
    current: p.supersededAt === null,
    bucket: p.bucket,
    key: p.key,
    versionId: p.versionId,
    size: Number(p.size),
    format: p.format,
    dpi: p.dpi,
    sha256: p.sha256,
    sm3: p.sm3,
    signed: Boolean(p.signature),
    source: p.source,
    signature: p.signature,
    signingKeyId: p.signingKeyId,
    fixityStatement: fixityStatement({
      itemId: item.id,
      pageNumber: p.pageNumber,
      bucket: p.bucket,
      key: p.key,
      size: Number(p.size),
      sha256: p.sha256,
      sm3: p.sm3,
    }),
    supersededAt: p.supersededAt?.toISOString() ?? null,
    analysis: p.analysis,
  }));
}

/** Re-reads every current page and checks its digests and its SM2 signature against what was fixed at capture. */
export async function fixityOf(ctx: ApiContext, item: Item) {
  const pages = await ctx.db.page.findMany({ where: { itemId: item.id, supersededAt: null }, orderBy: { pageNumber: 'asc' } });
  const keys = new Map((await ctx.db.signingKey.findMany()).map((k) => [k.id, k.publicKeyPem]));
  const results = [];
  for (const p of pages) {
    // The version fixed at capture must still read back the same, and no other version may have replaced it.
    const fixed = { bucket: p.bucket, key: p.key, size: Number(p.size), sha256: p.sha256, sm3: p.sm3 };
    const [recorded, current] = await Promise.all([
      ctx.store.verify({ ...fixed, versionId: p.versionId ?? undefined }),
      ctx.store.verify(fixed),
    ]);
    const problems = [...new Set([...recorded.problems, ...current.problems.map((m) => `current version: ${m}`)])];
    const pem = p.signingKeyId ? keys.get(p.signingKeyId) : undefined;
    const statement = fixityStatement({
      itemId: item.id,
      pageNumber: p.pageNumber,
      bucket: p.bucket,
      key: p.key,
      size: Number(p.size),
      sha256: p.sha256,
      sm3: p.sm3,
    });
    if (!p.signature || !pem) problems.push('no signature, or its key is unknown');
    else if (!verifySignature(pem, statement, p.signature)) problems.push('the SM2 signature does not match the recorded digests');
    results.push({ pageNumber: p.pageNumber, ok: problems.length === 0, problems });
  }
  return { itemId: item.id, ok: results.every((r) => r.ok), pages: results };
}
