import { temporal } from '@temporalio/proto';
import { defineAbilityFor, type Actor } from '../api/access';
import { authorisedItem, deny } from '../api/authorise';
import type { ApiContext } from '../api/context';
import { forbidden, notFound } from '../api/errors';
import { audit } from '../catalogue/audit';
import { failedPages, pageImageRef, pageTextOf, recognitionCounts, retryFailed } from '../catalogue/recognition';
import { RECOGNITION_WORKFLOW_ID, wakeRecognition, type RecognisedLine } from '../contracts/recognition';
import { checkPageLink, type LinkCheck, type PageLink } from '../store/page-links';

/** 全文识别 as the API shows it: how far the archive has got, the pages that failed, one page's text. */

async function requireRecognition(ctx: ApiContext, actor: Actor, action: 'read' | 'recognise', requestId: string) {
  if (defineAbilityFor(actor).can(action, 'Recognition')) return;
  await deny(
    ctx,
    actor,
    action,
    'recognition',
    action === 'read'
      ? 'recognition is followed by archivists, the archive manager and auditors'
      : 'archivists and the archive manager send pages to be read again',
    requestId,
  );
}

/** OCR workers polling their queue now, or null when Temporal does not say. */
async function ocrWorkers(ctx: ApiContext): Promise<number | null> {
  try {
    const d = await ctx.temporal.workflowService.describeTaskQueue({
      namespace: ctx.config.temporal.namespace,
      taskQueue: { name: ctx.config.ocr.taskQueue, kind: temporal.api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
      taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY,
    });
    return d.pollers?.length ?? 0;
  } catch {
    return null;
  }
}

export async function recognitionStatus(ctx: ApiContext, actor: Actor, requestId: string) {
  await requireRecognition(ctx, actor, 'read', requestId);
  const [counts, workers, failed] = await Promise.all([recognitionCounts(ctx.db), ocrWorkers(ctx), failedPages(ctx.db, 20)]);
  const perMinute = counts.lastTenMinutes / 10;
  return {
    pages: { waiting: counts.waiting, recognised: counts.recognised, failed: counts.failed },
    pagesPerMinute: Math.round(perMinute * 10) / 10,
    /** At the last ten minutes' rate; null when nothing was read in them. */
    minutesLeft: counts.waiting === 0 ? 0 : perMinute > 0 ? Math.ceil(counts.waiting / perMinute) : null,
    oldestWaitingSince: counts.oldestWaitingSince?.toISOString() ?? null,
    ocrWorkers: workers,
    taskQueue: ctx.config.ocr.taskQueue,
    failedPages: failed.map((p) => ({
      itemId: p.itemId,
      archivalCode: p.item.archivalCode,
      caseNumber: p.item.caseNumber,
      pageNumber: p.pageNumber,
      reason: p.recognitionError ?? '',
    })),
  };
}

/** Puts failed pages (all, or one item's) back to wait, and wakes the recognition workflow. */
export async function retryRecognition(ctx: ApiContext, actor: Actor, body: { itemId?: string }, requestId: string) {
  await requireRecognition(ctx, actor, 'recognise', requestId);
  if (body.itemId) await authorisedItem(ctx, actor, body.itemId, 'read', requestId);
  const pages = await retryFailed(ctx.db, body.itemId);
  await ctx.temporal.workflow
    .getHandle(RECOGNITION_WORKFLOW_ID)
    .signal(wakeRecognition)
    .catch((err: Error) => ctx.log.warn({ err }, 'recognition workflow not woken; it looks again at its next poll'));
  await audit(ctx.db, {
    actorId: actor.id,
    actor: actor.username,
    action: 'retry_recognition',
    subject: body.itemId ? `item:${body.itemId}` : 'recognition',
    outcome: 'done',
    requestId,
    details: { pages },
  });
  return { pagesWaitingAgain: pages };
}

/** A current page's recognised text, lines and boxes; audited, as the page's content. */
export async function pageText(ctx: ApiContext, actor: Actor, itemId: string, pageNumber: number, requestId: string) {
  const item = await authorisedItem(ctx, actor, itemId, 'read', requestId);
  const page = await pageTextOf(ctx.db, item.id, pageNumber);
  if (!page || page.destroyedAt) throw notFound(`page ${pageNumber} of item ${itemId}`);
  await audit(ctx.db, {
    actorId: actor.id,
    actor: actor.username,
    action: 'read_page_text',
    subject: `item:${item.id}`,
    outcome: 'done',
    requestId,
    details: { pageNumber },
  });
  const text = page.text;
  return {
    pageNumber: page.pageNumber,
    state: page.recognition,
    stateLabel: { pending: '等待识别', recognised: '已识别', failed: '识别失败' }[page.recognition],
    reason: page.recognitionError,
    engine: text?.engine ?? null,
    recognisedAt: text?.recognisedAt.toISOString() ?? null,
    confidence: text?.confidence ?? null,
    text: text?.text ?? null,
    lines: (text?.lines as unknown as RecognisedLine[] | undefined) ?? [],
  };
}

/**
 * A page's plaintext image for an OCR worker holding a link the recognition workflow made (store/page-links.ts):
 * the signed link is the permission, as a presigned URL is, and names one page for a few minutes. A refused link
 * is audited like any denial.
 */
export async function pageImageForRecognition(ctx: ApiContext, link: PageLink, requestId: string) {
  const keyring = ctx.store.keyring;
  const check: LinkCheck = keyring ? checkPageLink(keyring, link) : { ok: false, reason: 'this API has no keyring' };
  if (!check.ok) {
    await audit(ctx.db, {
      actor: 'ocr-worker',
      action: 'read_page_image',
      subject: `page:${link.pageId}`,
      outcome: 'denied',
      reason: check.reason,
      requestId,
    });
    throw forbidden(`链接无效：${check.reason}`);
  }
  const page = await pageImageRef(ctx.db, link.pageId);
  if (!page) throw notFound(`page ${link.pageId}`);
  try {
    const image = await ctx.store.get({ bucket: page.bucket, key: page.key, versionId: page.versionId ?? undefined });
    return { image, contentType: `image/${page.format}` };
  } catch (err) {
    if ((err as Error).name === 'ObjectNotFoundError') throw notFound(`the stored image of page ${link.pageId}`);
    throw err;
  }
}
