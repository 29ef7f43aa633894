import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import type { Config } from '../config';
import type { Finding } from '../domain/capture';
import type { Db } from '../prisma/client';
import { checkPages, type PageRecord, type QualityRules } from './quality';

export function qualityRules(config: Config): QualityRules {
  return { maxSkewDegrees: config.quality.maxSkewDegrees };
}

/** Verification (质检): the automatic checks, their findings and alarm, their resolution, and the sampling draw. */
export function createVerificationActivities({ db, log, config }: { db: Db; log: Logger; config: Config }) {
  const rules = qualityRules(config);

  return {
    /** The automatic checks per page and per item; each failure is recorded with its defect type. */
    async checkItem({ itemId }: { itemId: string }): Promise<Finding[]> {
      const item = await db.item.findUniqueOrThrow({
        where: { id: itemId },
        include: { businessType: { include: { materials: true } }, handlingOffice: true },
      });
      const pages = await db.page.findMany({ where: { itemId, supersededAt: null }, orderBy: { pageNumber: 'asc' } });
      const findings = checkPages(item, pages as unknown as PageRecord[], rules);
      await record(db, itemId, findings, 'automatic check');
      return findings;
    },

    async recordFindings({
      itemId,
      findings,
      detectedBy,
    }: {
      itemId: string;
      findings: Finding[];
      detectedBy: string;
    }): Promise<Finding[]> {
      await record(db, itemId, findings, detectedBy);
      return findings;
    },

    /** The alarm: written to the audit trail and the log, and the item shows in the quality queue. */
    async raiseAlarm({ itemId, findings }: { itemId: string; findings: Finding[] }): Promise<void> {
      await db.auditEvent.create({
        data: {
          actor: 'quality check',
          action: 'verification.alarm',
          subject: `item:${itemId}`,
          outcome: 'failed',
          reason: findings.map((f) => f.detail).join('; '),
          details: { findings: findings.map((f) => ({ ...f })) },
        },
      });
      log.warn({ itemId, findings }, 'item failed verification');
    },

    async resolveFindings({
      itemId,
      resolution,
      actor,
      reason,
      pageNumbers,
    }: {
      itemId: string;
      resolution: 'rescanned' | 'overridden';
      actor: string;
      reason?: string;
      pageNumbers?: number[];
    }): Promise<void> {
      await db.qualityDefect.updateMany({
        where: {
          itemId,
          resolvedAt: null,
          ...(resolution === 'rescanned' ? { OR: [{ pageNumber: { in: pageNumbers ?? [] } }, { pageNumber: null }] } : {}),
        },
        data: { resolvedAt: new Date(), resolution, resolvedBy: actor, resolutionReason: reason },
      });
      if (resolution === 'overridden') {
        await db.auditEvent.create({
          data: { actor, action: 'verification.override', subject: `item:${itemId}`, outcome: 'done', reason },
        });
      }
    },

    /**
     * Chooses a configurable share of items passing verification for the second-level sampling check (抽检),
     * reproducibly. Drawn before the item becomes verified, so volume assembly never sees it unreviewed.
     */
    async chooseForSampling({ itemId }: { itemId: string }): Promise<boolean> {
      const draw = createHash('sha256').update(itemId).digest().readUInt32BE(0) / 0x1_0000_0000;
      const sampled = draw < config.quality.samplingShare;
      await db.item.update({
        where: { id: itemId },
        data: sampled ? { sampled: true, awaitingSampling: true } : { awaitingSampling: false },
      });
      return sampled;
    },

    /** A sampled item passed its sampling review: it may now be boxed. */
    async passSampling({ itemId }: { itemId: string }): Promise<void> {
      await db.item.update({ where: { id: itemId }, data: { awaitingSampling: false } });
    },
  };
}

async function record(db: Db, itemId: string, findings: Finding[], detectedBy: string): Promise<void> {
  if (!findings.length) return;
  await db.qualityDefect.createMany({
    data: findings.map((f) => ({ itemId, type: f.type, pageNumber: f.pageNumber ?? null, detail: f.detail, detectedBy })),
  });
}
