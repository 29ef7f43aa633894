import { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import { caseAwaitingCapture, recordCaptureMode } from '../catalogue/captures';
import type { Config } from '../config';
import { CAPTURE_WORKFLOW, captureWorkflowId, finishCapture, pagesArrived, type CaptureWorkflow } from '../contracts/capture';
import { inFonds } from '../contracts/search-attributes';
import type { StackReport, StagedPage } from '../domain/capture';
import { slipCaseNumber } from '../domain/slip';
import type { ImagingPool } from '../imaging';
import type { Db } from '../prisma/client';
import type { ObjectStore } from '../store/object-store';
import { untilCancelled } from './moves';

export interface StackSortingDeps {
  db: Db;
  store: ObjectStore;
  temporal: Client;
  log: Logger;
  config: Config;
  imaging: ImagingPool;
}

/** The end of a scan session (事后扫描): its stack sorted into business cases by their processing slips. */
export function createStackSortingActivities({ db, store, temporal, log, config, imaging }: StackSortingDeps) {
  return {
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
