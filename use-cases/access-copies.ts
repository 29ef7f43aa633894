import type { Actor } from '../api/access';
import { deny } from '../api/authorise';
import type { ApiContext } from '../api/context';
import { conflict, notFound } from '../api/errors';
import { audit } from '../catalogue/audit';
import { liveGrantUntil, type ConsultationRecord } from '../catalogue/consultations';
import { currentPages } from '../catalogue/pages';
import { appendUse } from '../catalogue/use-register';
import { servesPages, servesPdf, USE_FORM_LABELS, type UseKind } from '../domain/consultation';
import { loadCjkFont } from '../documents';
import { stampedPdf, stampPage, type Stamp } from '../documents/access-copy';

/**
 * Refuses, audited, unless the caller is the requester and holds a running grant of this request to the item.
 * The grant's own expiry decides, so access ends on time even when the workflow that records the end is late.
 */
async function requireLiveGrant(ctx: ApiContext, actor: Actor, c: ConsultationRecord, itemId: string, requestId: string) {
  const subject = `consultation:${c.id}`;
  if (actor.id !== c.requesterId)
    await deny(ctx, actor, 'use_access_copy', subject, `access copies of request ${c.number} are served to its requester only`, requestId);
  if (!c.itemIds.includes(itemId)) throw notFound(`item ${itemId} on request ${c.number}`);
  const until = await liveGrantUntil(ctx.db, { consultationId: c.id, userId: actor.id, itemId });
  if (until) return;
  const why =
    c.status === 'awaiting_approval'
      ? `request ${c.number} is awaiting approval; nothing is served before it is approved`
      : c.status === 'refused'
        ? `request ${c.number} was refused: ${c.refusalReason}`
        : `the time limit of request ${c.number} ran out${c.expiresAt ? ` at ${c.expiresAt.toISOString()}` : ''}`;
  await deny(ctx, actor, 'use_access_copy', subject, why, requestId);
}

async function registerUse(
  ctx: ApiContext,
  actor: Actor,
  c: ConsultationRecord,
  itemId: string,
  kind: UseKind,
  requestId: string,
  pageNumber?: number,
) {
  await audit(ctx.db, {
    actorId: actor.id,
    actor: actor.username,
    action: kind === 'view_page' ? 'view_access_copy' : 'download_access_copy',
    subject: `item:${itemId}`,
    outcome: 'done',
    requestId,
    details: { consultation: c.number, ...(pageNumber ? { page: pageNumber } : {}) },
  });
  await appendUse(ctx.db, { consultationId: c.id, itemId, kind, pageNumber, actor: actor.username });
}

const stampFor = (ctx: ApiContext, c: ConsultationRecord): Stamp => ({
  requester: c.outsideUnit ? `${c.requesterName}（${c.outsideUnit}）` : c.requesterName,
  number: c.number,
  at: new Date(),
  timeZone: ctx.config.timeZone,
});

/** Page `n` of the item, read from the store and stamped for the requester; the stamped bytes are not kept. */
export async function accessPage(ctx: ApiContext, actor: Actor, c: ConsultationRecord, itemId: string, n: number, requestId: string) {
  if (!servesPages(c.form)) throw conflict(`request ${c.number} is for ${USE_FORM_LABELS[c.form]}; it serves no copies online`);
  await requireLiveGrant(ctx, actor, c, itemId, requestId);
  const page = (await currentPages(ctx.db, itemId)).find((p) => p.pageNumber === n && !p.destroyedAt);
  if (!page) throw notFound(`page ${n} of item ${itemId}`);
  const master = await ctx.store.get({ bucket: page.bucket, key: page.key, versionId: page.versionId ?? undefined });
  const { image } = await stampPage(master, stampFor(ctx, c), loadCjkFont(ctx.config.volumes.cjkFont));
  await registerUse(ctx, actor, c, itemId, 'view_page', requestId, n);
  return image;
}

/** Every current page of the item, stamped, as one PDF (a certified copy's access copy). */
export async function accessPdf(ctx: ApiContext, actor: Actor, c: ConsultationRecord, itemId: string, requestId: string) {
  if (!servesPdf(c.form)) throw conflict(`request ${c.number} is for ${USE_FORM_LABELS[c.form]}; a PDF copy is served for 复制/摘录 only`);
  await requireLiveGrant(ctx, actor, c, itemId, requestId);
  const pages = (await currentPages(ctx.db, itemId)).filter((p) => !p.destroyedAt);
  if (!pages.length) throw notFound(`pages of item ${itemId}`);
  const font = loadCjkFont(ctx.config.volumes.cjkFont);
  const stamp = stampFor(ctx, c);
  const stamped: Buffer[] = [];
  for (const page of pages) {
    const master = await ctx.store.get({ bucket: page.bucket, key: page.key, versionId: page.versionId ?? undefined });
    stamped.push((await stampPage(master, stamp, font)).image);
  }
  const pdf = await stampedPdf(stamped, stamp, font, `利用复制件 ${c.number}`);
  await registerUse(ctx, actor, c, itemId, 'download_pdf', requestId);
  return pdf;
}
