import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import type { Config } from '../config';
import type { Finding } from '../domain/capture';
import type { Db } from '../prisma/client';
import { currentPages } from '../catalogue/pages';
import {
  auditAlarm,
  itemUnderCheck,
  recordDefects,
  recordSamplingDraw,
  recordSamplingPassed,
  resolveDefects,
  type DefectResolution,
} from '../catalogue/quality';
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
      const item = await itemUnderCheck(db, itemId);
      const pages = await currentPages(db, itemId);
      const findings = checkPages(item, pages as unknown as PageRecord[], rules);
      await recordDefects(db, itemId, findings, 'automatic check');
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
      await recordDefects(db, itemId, findings, detectedBy);
      return findings;
    },

    /** The alarm: written to the audit trail and the log, and the item shows in the quality queue. */
    async raiseAlarm({ itemId, findings }: { itemId: string; findings: Finding[] }): Promise<void> {
      await auditAlarm(db, itemId, findings);
      log.warn({ itemId, findings }, 'item failed verification');
    },

    async resolveFindings(resolution: DefectResolution): Promise<void> {
      await resolveDefects(db, resolution);
    },

    /**
     * Chooses a configurable share of items passing verification for the second-level sampling check (抽检),
     * reproducibly. Drawn before the item becomes verified, so volume assembly never sees it unreviewed.
     */
    async chooseForSampling({ itemId }: { itemId: string }): Promise<boolean> {
      const draw = createHash('sha256').update(itemId).digest().readUInt32BE(0) / 0x1_0000_0000;
      const sampled = draw < config.quality.samplingShare;
      await recordSamplingDraw(db, itemId, sampled);
      return sampled;
    },

    /** A sampled item passed its sampling review: it may now be boxed. */
    async passSampling({ itemId }: { itemId: string }): Promise<void> {
      await recordSamplingPassed(db, itemId);
    },
  };
}
