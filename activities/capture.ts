import { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import type { Config } from '../config';
import type { StackReport, StagedPage } from '../domain/capture';
import type { ImagingPool } from '../imaging';
import type { Db } from '../prisma/client';
import { caseAwaitingCapture, itemWithFonds, recordCaptureMode } from '../catalogue/captures';
import { nextPageNumber, pageFromSource } from '../catalogue/pages';
import type { ObjectStore } from '../store/object-store';
import type { Signer } from '../store/signing';
import { CAPTURE_WORKFLOW, captureWorkflowId, finishCapture, pagesArrived, type CaptureWorkflow } from '../contracts/capture';
import { untilCancelled } from './moves';
import type { PageFixer } from './page-fixer';
import { slipCaseNumber } from '../domain/slip';
import { inFonds } from '../contracts/search-attributes';

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

/** Collect (采集): staged pages prepared, stored and fixed; a scanned stack sorted into its cases by their slips. */
export function createCaptureActivities({ db, store, temporal, log, config, imaging, fixPage }: CaptureDeps) {
  return {
    /**
     * Prepares staged pages (deskew, crop), stores them under the item's code and page number, fixes them with
     * SHA-256, SM3 and an SM2 signature, and records them. A replacement page supersedes the old one, which stays
     * in the item's history. Idempotent per staged object, so a retry stores nothing twice.
     */
    async storePages({ itemId, pages }: { itemId: string; pages: StagedPage[] }): Promise<{ pageNumbers: number[] }> {
      const item = await itemWithFonds(db, itemId);
      const pageNumbers: number[] = [];
      for (const [i, staged] of pages.entries()) {
        Context.current().heartbeat({ done: i, of: pages.length });
        const source = `${staged.source} ${staged.bucket}/${staged.key}${staged.versionId ? `@${staged.versionId}` : ''}`;
        const already = await pageFromSource(db, itemId, source);
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
        const item = group.caseNumber ? await caseAwaitingCapture(db, group.caseNumber, fondsIds) : null;
        if (!item) {
          const reason = group.caseNumber
            ? `the slip names ${group.caseNumber}, which is no business case awaiting capture in these fonds`
            : 'no processing slip came before these pages';
          report.unlinked.push({ caseNumber: group.caseNumber, pages: group.pages.length, reason });
          continue;
        }
        await recordCaptureMode(db, item.id, 'batch');
        const handle = await temporal.workflow.signalWithStart<CaptureWorkflow, [StagedPage[]]>(CAPTURE_WORKFLOW, {
          workflowId: captureWorkflowId(item.id),
          taskQueue: config.temporal.taskQueue,
          typedSearchAttributes: inFonds(item.fondsCode),
          args: [{ itemId: item.id, mode: 'batch', actor }],
          signal: pagesArrived,
          signalArgs: [group.pages],
        });
        await untilCancelled(handle.executeUpdate(finishCapture, { args: [{ actor }] }));
        report.cases.push({ caseNumber: item.caseNumber, itemId: item.id, pages: group.pages.length });
      }
      log.info({ cases: report.cases.length, unlinked: report.unlinked.length }, 'scanned stack sorted');
      return report;
    },
  };
}
