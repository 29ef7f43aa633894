import type { Finding } from '../domain/capture';
import type { Db } from '../prisma/client';
import { audit } from './audit';

/** The item with its business type's checklist, as the automatic checks read it. */
export function itemUnderCheck(db: Db, itemId: string) {
  return db.item.findUniqueOrThrow({
    where: { id: itemId },
    include: { businessType: { include: { materials: true } }, handlingOffice: true },
  });
}

/** Records each finding as an unresolved defect of the item. */
export async function recordDefects(db: Db, itemId: string, findings: Finding[], detectedBy: string): Promise<void> {
  if (!findings.length) return;
  await db.qualityDefect.createMany({
    data: findings.map((f) => ({ itemId, type: f.type, pageNumber: f.pageNumber ?? null, detail: f.detail, detectedBy })),
  });
}

/** The verification alarm in the audit trail: the item failed its checks, with every finding. */
export async function auditAlarm(db: Db, itemId: string, findings: Finding[]): Promise<void> {
  await audit(db, {
    actor: 'quality check',
    action: 'verification.alarm',
    subject: `item:${itemId}`,
    outcome: 'failed',
    reason: findings.map((f) => f.detail).join('; '),
    details: { findings: findings.map((f) => ({ ...f })) },
  });
}

export interface DefectResolution {
  itemId: string;
  resolution: 'rescanned' | 'overridden';
  actor: string;
  reason?: string;
  /** For a rescan: the pages replaced; their defects and those of the whole item are resolved. */
  pageNumbers?: number[];
}

/** Resolves the item's open defects: a rescan those of its pages replaced and of the whole item, an override all, audited. */
export async function resolveDefects(db: Db, { itemId, resolution, actor, reason, pageNumbers }: DefectResolution): Promise<void> {
  await db.qualityDefect.updateMany({
    where: {
      itemId,
      resolvedAt: null,
      ...(resolution === 'rescanned' ? { OR: [{ pageNumber: { in: pageNumbers ?? [] } }, { pageNumber: null }] } : {}),
    },
    data: { resolvedAt: new Date(), resolution, resolvedBy: actor, resolutionReason: reason },
  });
  if (resolution === 'overridden')
    await audit(db, { actor, action: 'verification.override', subject: `item:${itemId}`, outcome: 'done', reason });
}

/** Every defect found in the item, oldest first, resolved or not. */
export function defectsOf(db: Db, itemId: string) {
  return db.qualityDefect.findMany({ where: { itemId }, orderBy: { detectedAt: 'asc' } });
}

/** Marks whether the item was drawn for the sampling check; a drawn item may not be boxed until it passes. */
export async function recordSamplingDraw(db: Db, itemId: string, sampled: boolean): Promise<void> {
  await db.item.update({ where: { id: itemId }, data: sampled ? { sampled: true, awaitingSampling: true } : { awaitingSampling: false } });
}

/** The sampled item passed its sampling review: it may now be boxed. */
export async function recordSamplingPassed(db: Db, itemId: string): Promise<void> {
  await db.item.update({ where: { id: itemId }, data: { awaitingSampling: false } });
}
