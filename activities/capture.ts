import { createHash } from 'node:crypto';
import { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import type { Config } from '../config';
import type { Finding, StackReport, StagedPage } from '../domain/capture';
import type { ImagingPool } from '../imaging';
import type { ClassificationScheme, Db, Fonds, Item } from '../prisma/client';
import type { ObjectStore } from '../store/object-store';
import { fixityStatement, type Signer } from '../store/signing';
import { captureItem, finishCapture, pagesArrived } from '../workflows/capture';
import { checkPages, parseSlipPayload, type PageRecord, type QualityRules } from './quality';
import { untilCancelled } from './moves';
import { pageObjectKey } from './page-keys';
import { inFonds } from '../workflows/search-attributes';

export interface CaptureDeps {
  db: Db;
  store: ObjectStore;
  signer: Signer;
  temporal: Client;
  log: Logger;
  config: Config;
  imaging: ImagingPool;
  fixPage: PageFixer;
}

export function qualityRules(config: Config): QualityRules {
  return { maxSkewDegrees: config.quality.maxSkewDegrees };
}

export function createCaptureActivities({ db, store, temporal, log, config, imaging, fixPage }: CaptureDeps) {
  const rules = qualityRules(config);

  return {
    /**
     * Prepares staged pages (deskew, crop), stores them under the item's code and page number, fixes them with
     * SHA-256, SM3 and an SM2 signature, and records them. A replacement page supersedes the old one, which stays
     * in the item's history. Idempotent per staged object, so a retry stores nothing twice.
     */
    async storePages({ itemId, pages }: { itemId: string; pages: StagedPage[] }): Promise<{ pageNumbers: number[] }> {
      const item = await db.item.findUniqueOrThrow({ where: { id: itemId }, include: { fonds: { include: { scheme: true } } } });
      const pageNumbers: number[] = [];
      for (const [i, staged] of pages.entries()) {
        Context.current().heartbeat({ done: i, of: pages.length });
        const source = `${staged.source} ${staged.bucket}/${staged.key}${staged.versionId ? `@${staged.versionId}` : ''}`;
        const already = await db.page.findFirst({ where: { itemId, source } });
        if (already) {
          pageNumbers.push(already.pageNumber);
          continue;
        }
        const pageNumber = staged.replaces ?? (await nextPageNumber(db, itemId));
        await fixPage({ item, raw: await store.get(staged), source, pageNumber, deviceDpi: staged.dpi });
        pageNumbers.push(pageNumber);
      }
      log.info({ itemId, pages: pageNumbers.length }, 'pages stored and fixed');
      return { pageNumbers };
    },

    /** The automatic checks per page and per item; each failure is recorded with its defect type. */
    async checkItem({ itemId }: { itemId: string }): Promise<Finding[]> {
      const item = await db.item.findUniqueOrThrow({ where: { id: itemId }, include: { businessType: { include: { materials: true } }, handlingOffice: true } });
      const pages = await db.page.findMany({ where: { itemId, supersededAt: null }, orderBy: { pageNumber: 'asc' } });
      const findings = checkPages(item, pages as unknown as PageRecord[], rules);
      await record(db, itemId, findings, 'automatic check');
      return findings;
    },

    async recordFindings({ itemId, findings, detectedBy }: { itemId: string; findings: Finding[]; detectedBy: string }): Promise<Finding[]> {
      await record(db, itemId, findings, detectedBy);
      return findings;
    },

    /** The alarm: written to the audit trail and the log, and the item shows in the quality queue. */
    async raiseAlarm({ itemId, findings }: { itemId: string; findings: Finding[] }): Promise<void> {
      await db.auditEvent.create({ data: { actor: 'quality check', action: 'verification.alarm', subject: `item:${itemId}`, outcome: 'failed', reason: findings.map((f) => f.detail).join('; '), details: { findings: findings.map((f) => ({ ...f })) } } });
      log.warn({ itemId, findings }, 'item failed verification');
    },

    async resolveFindings({ itemId, resolution, actor, reason, pageNumbers }: { itemId: string; resolution: 'rescanned' | 'overridden'; actor: string; reason?: string; pageNumbers?: number[] }): Promise<void> {
      await db.qualityDefect.updateMany({
        where: { itemId, resolvedAt: null, ...(resolution === 'rescanned' ? { OR: [{ pageNumber: { in: pageNumbers ?? [] } }, { pageNumber: null }] } : {}) },
        data: { resolvedAt: new Date(), resolution, resolvedBy: actor, resolutionReason: reason },
      });
      if (resolution === 'overridden') {
        await db.auditEvent.create({ data: { actor, action: 'verification.override', subject: `item:${itemId}`, outcome: 'done', reason } });
      }
    },

    /**
     * Chooses a configurable share of items passing verification for the second-level sampling check (抽检),
     * reproducibly. Drawn before the item becomes verified, so volume assembly never sees it unreviewed.
     */
    async chooseForSampling({ itemId }: { itemId: string }): Promise<boolean> {
      const draw = createHash('sha256').update(itemId).digest().readUInt32BE(0) / 0x1_0000_0000;
      const sampled = draw < config.quality.samplingShare;
      await db.item.update({ where: { id: itemId }, data: sampled ? { sampled: true, awaitingSampling: true } : { awaitingSampling: false } });
      return sampled;
    },

    /** A sampled item passed its sampling review: it may now be boxed. */
    async passSampling({ itemId }: { itemId: string }): Promise<void> {
      await db.item.update({ where: { id: itemId }, data: { awaitingSampling: false } });
    },

    /**
     * Sorts a scanned stack by its processing slips: a page bearing a slip barcode starts a case, the pages after
     * it belong to that case, and each case's pages are handed to its capture. Pages before the first slip, or
     * under a slip naming no registered case in the session's fonds, are reported and not captured.
     */
    async sortStack({ pages, actor, fondsIds }: { pages: StagedPage[]; actor: string; fondsIds: string[] }): Promise<StackReport> {
      const groups: { caseNumber: string | null; pages: StagedPage[] }[] = [];
      for (const [i, page] of pages.entries()) {
        Context.current().heartbeat({ reading: i + 1, of: pages.length });
        const slip = (await imaging.decodeBarcodes(await store.get(page))).map((b) => slipCaseNumber(b.text)).find(Boolean);
        if (slip || groups.length === 0) groups.push({ caseNumber: slip ?? null, pages: [] });
        groups.at(-1)!.pages.push(page);
      }
      const report: StackReport = { cases: [], unlinked: [] };
      for (const group of groups) {
        const item = group.caseNumber
          ? await db.item.findFirst({ where: { caseNumber: group.caseNumber, fondsId: { in: fondsIds }, lifecycleState: { in: ['registered', 'pending_initial_review'] } }, include: { fonds: { select: { code: true } } } })
          : null;
        if (!item) {
          const reason = group.caseNumber ? `the slip names ${group.caseNumber}, which is no business case awaiting capture in these fonds` : 'no processing slip came before these pages';
          report.unlinked.push({ caseNumber: group.caseNumber, pages: group.pages.length, reason });
          continue;
        }
        await db.item.update({ where: { id: item.id }, data: { captureMode: 'batch' } });
        const handle = await temporal.workflow.signalWithStart(captureItem, {
          workflowId: `capture-${item.id}`, taskQueue: config.temporal.taskQueue, typedSearchAttributes: inFonds(item.fonds.code),
          args: [{ itemId: item.id, mode: 'batch', actor }], signal: pagesArrived, signalArgs: [group.pages],
        });
        await untilCancelled(handle.executeUpdate(finishCapture, { args: [{ actor }] }));
        report.cases.push({ caseNumber: item.caseNumber, itemId: item.id, pages: group.pages.length });
      }
      log.info({ cases: report.cases.length, unlinked: report.unlinked.length }, 'scanned stack sorted');
      return report;
    },
  };
}

export type PageFixer = ReturnType<typeof pageFixer>;

/**
 * Fixes one page: measured, deskewed and cropped, stored under the item's code and page number, digested
 * (SHA-256, SM3) and signed (SM2), recorded; a page of the same number is superseded and stays in the history.
 */
export function pageFixer({ db, store, signer, config, rules, imaging }: { db: Db; store: ObjectStore; signer: Signer; config: Config; rules: QualityRules; imaging: ImagingPool }) {
  return async ({ item, raw, source, pageNumber, deviceDpi }: { item: ItemWithFonds; raw: Buffer; source: string; pageNumber: number; deviceDpi?: number }): Promise<void> => {
    // Measured once, on the page as it came: deskew and crop do not change sharpness, ink or red marks.
    const analysis = await imaging.analysePage(raw);
    const prepared = await imaging.preparePage(raw, { deskew: true, crop: true, maxSkewToCorrect: rules.maxSkewDegrees });
    // The slip is read until it is found: most pages carry no barcode, and looking costs more than finding.
    const barcodes = (await slipAlreadyRead(db, item, pageNumber)) ? [] : await imaging.decodeBarcodes(raw);
    const key = pageObjectKey(item, pageNumber, prepared.format);
    const stored = await store.put({ bucket: config.s3.buckets.images, key, body: prepared.image, contentType: `image/${prepared.format}` });
    const signature = signer.sign(fixityStatement({ itemId: item.id, pageNumber, bucket: stored.bucket, key: stored.key, size: stored.size, sha256: stored.sha256, sm3: stored.sm3 }));
    await db.$transaction(async (tx) => {
      await tx.page.updateMany({ where: { itemId: item.id, pageNumber, supersededAt: null }, data: { supersededAt: new Date() } });
      await tx.page.create({
        data: {
          itemId: item.id, pageNumber, bucket: stored.bucket, key: stored.key, versionId: stored.versionId, size: stored.size,
          format: prepared.format, dpi: analysis.dpi ?? deviceDpi ?? prepared.dpi ?? null, sha256: stored.sha256, sm3: stored.sm3,
          signature, signingKeyId: signer.keyId, source,
          analysis: {
            skewDegrees: analysis.skewDegrees, rotationApplied: prepared.rotationApplied, sharpness: analysis.sharpness, blurred: analysis.blurred,
            blank: analysis.blank, inkRatio: analysis.inkRatio, redRatio: analysis.redRatio, redMarkPresent: analysis.redMarkPresent,
            colour: analysis.colour, width: prepared.width, height: prepared.height,
            barcodes: barcodes.map((b) => ({ format: b.format, text: b.text })),
          },
        },
      });
    });
  };
}

/**
 * An update is answered by a workflow task, which a worker that is shutting down no longer takes: waiting on it
 * must give way to the activity's cancellation, or the worker's shutdown would wait on itself. Retried later, the
 * activity finds the move already made or makes it.
 */
/** A slip barcode carries the business case number, plainly (Code 128) or as `caseNumber` in a QR payload. */
function slipCaseNumber(text: string): string | undefined {
  const fields = parseSlipPayload(text);
  if (fields) return fields.caseNumber;
  const plain = text.trim();
  return /^[\p{L}\p{N}._/-]{4,64}$/u.test(plain) ? plain : undefined;
}

async function slipAlreadyRead(db: Db, item: Item, replacing: number): Promise<boolean> {
  const pages = await db.page.findMany({ where: { itemId: item.id, supersededAt: null, pageNumber: { not: replacing } }, select: { analysis: true } });
  return pages.some((p) => ((p.analysis as { barcodes?: { text: string }[] } | null)?.barcodes ?? []).some((b) => b.text.includes(item.caseNumber)));
}

export type ItemWithFonds = Item & { fonds: Fonds & { scheme: ClassificationScheme } };

export async function nextPageNumber(db: Db, itemId: string): Promise<number> {
  const last = await db.page.aggregate({ where: { itemId }, _max: { pageNumber: true } });
  return (last._max.pageNumber ?? 0) + 1;
}

async function record(db: Db, itemId: string, findings: Finding[], detectedBy: string): Promise<void> {
  if (!findings.length) return;
  await db.qualityDefect.createMany({ data: findings.map((f) => ({ itemId, type: f.type, pageNumber: f.pageNumber ?? null, detail: f.detail, detectedBy })) });
}
