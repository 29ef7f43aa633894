import { ApplicationFailure, Context } from '@temporalio/activity';
import type { Logger } from 'pino';
import { audit } from '../catalogue/audit';
import type { Config } from '../config';
import { agencyDate } from '../documents/time';
import { destructionCertificateToPdf, destructionListToPdf, loadCjkFont, type DestructionLine } from '../documents';
import { isApproved, isRejected, type DestructionApproval } from '../domain/destruction';
import type { Db } from '../prisma/client';
import { destroyReasons } from '../catalogue/appraisal-decisions';
import {
  destructionList,
  entryCounts,
  escalateList,
  listForDocuments,
  listedItems,
  recordApprovals,
  recordDocuments,
  setListStatus,
} from '../catalogue/destruction-lists';
import type { ObjectStore } from '../store/object-store';
import type { MoveActivities } from './moves';
import type { StoredDocument } from './volume';
import { DestructionError, destructionDocumentKey, type DestructionOutcome, type HoldCheckStage } from '../contracts/destruction';
import { checkPage, finishPage, takeOffHeld, type PageTally } from './destruction-page';

export interface DestructionDeps {
  db: Db;
  store: ObjectStore;
  config: Config;
  log: Logger;
  moves: MoveActivities;
}

// Entries checked for holds at once.
const HOLD_CHECK_PAGE = 1000;

export function createDestructionActivities({ db, store, config, log, moves }: DestructionDeps) {
  /** Takes held items (冻结) off the list, recording the hold as the reason. */
  async function removeHeldItems({
    listId,
    stage,
  }: {
    listId: string;
    stage: HoldCheckStage;
  }): Promise<{ removed: number; listed: number }> {
    const tally = { removed: 0 };
    let listed = 0;
    // A page of entries at a time: a list may name hundreds of thousands of items.
    for (let after: string | null = null; ;) {
      const itemIds = await listedItems(db, listId, after, HOLD_CHECK_PAGE);
      if (itemIds.length === 0) break;
      after = itemIds.at(-1)!;
      listed += (await takeOffHeld(db, listId, itemIds, stage, tally)).length;
    }
    if (tally.removed) log.info({ listId, stage, removed: tally.removed }, 'held items taken off the destruction list');
    return { removed: tally.removed, listed };
  }

  return {
    removeHeldItems,

    /** Records one approval or rejection on the list; the list is approved once the head and both witnesses agree. */
    async recordApproval({ listId, approval }: { listId: string; approval: DestructionApproval }): Promise<void> {
      const { approvals } = await destructionList(db, listId);
      if (approvals.some((a) => a.username === approval.username)) return;
      const next = [...approvals, approval];
      await recordApprovals(db, listId, next, isRejected(next) ? 'rejected' : isApproved(next) ? 'approved' : 'proposed');
      await audit(db, {
        actor: approval.username,
        action: `destruction_${approval.decision}`,
        subject: `destruction_list:${listId}`,
        outcome: 'done',
        reason: approval.comment ?? undefined,
        details: { role: approval.role },
      });
    },

    /** An approval waited too long: the archive manager gets a task and the audit trail says who is awaited. */
    async escalateApproval({
      listId,
      escalation,
      waitingFor,
    }: {
      listId: string;
      escalation: number;
      waitingFor: string[];
    }): Promise<void> {
      const list = await destructionList(db, listId);
      if (list.escalations >= escalation) return;
      const detail = `destruction list ${listId} still waits for ${waitingFor.join(', ')} (escalation ${escalation})`;
      await escalateList(db, list, escalation, detail);
      await audit(db, {
        actor: 'lantai',
        action: 'destruction_approval_escalated',
        subject: `destruction_list:${listId}`,
        outcome: 'done',
        reason: detail,
      });
      log.warn({ listId, escalation, waitingFor }, 'destruction approval overdue, escalated');
    },

    /**
     * Destroys the items still listed, a page of them at a time (`checkPage`, then `finishPage`): each item's stored versions are all
     * deleted unless Object Lock protects one, then its tombstone is written and it becomes `destroyed`. Only entries
     * of this list are ever touched, and a retry skips what is done.
     */
    async destroyListedItems({ listId, actor }: { listId: string; actor: string }): Promise<DestructionOutcome> {
      const list = await destructionList(db, listId);
      if (list.status !== 'approved' && list.status !== 'executing')
        throw ApplicationFailure.nonRetryable(`destruction list ${listId} is ${list.status}, not approved`, DestructionError.NotApproved);
      await setListStatus(db, listId, 'executing');
      const tally = { destroyed: 0, failed: 0, removed: 0, unsettled: 0 };
      const add = (page: PageTally) => {
        for (const k of ['destroyed', 'failed', 'removed', 'unsettled'] as const) tally[k] += page[k];
        Context.current().heartbeat(tally);
      };
      // The next page is checked while this one is deleted and recorded: the store and the catalogue work at once.
      let finishing: Promise<PageTally> | undefined;
      try {
        // By item id, so items left listed after a passing failure wait for the retry instead of holding up the rest.
        for (let after: string | null = null; ;) {
          const itemIds = await listedItems(db, listId, after, config.destruction.itemsPerPage);
          if (itemIds.length === 0) break;
          after = itemIds.at(-1)!;
          const checked = await checkPage({ db, store }, { listId, itemIds });
          if (finishing) add(await finishing);
          finishing = finishPage({ db, store, log, moves }, checked, actor);
          // Its failure is met when it is awaited; until then it must not count as unhandled.
          finishing.catch(() => undefined);
        }
      } finally {
        // Settled even when checking failed: a page half deleted is recorded before the retry.
        if (finishing) add(await finishing);
      }
      if (tally.unsettled)
        throw ApplicationFailure.retryable(
          `${tally.unsettled} item(s) of destruction list ${listId} could not be deleted yet`,
          DestructionError.Unsettled,
        );
      return { destroyed: tally.destroyed, failed: tally.failed, removed: tally.removed };
    },

    /** The destruction list (销毁清册) and certificate (销毁证明) as PDF, kept under an Object Lock legal hold: permanently. */
    async produceDestructionDocuments({ listId }: { listId: string }): Promise<StoredDocument[]> {
      const { list, items } = await listForDocuments(db, listId);
      const reasons = await destroyReasons(db, list.batchId);
      const entryOf = new Map(list.entries.map((e) => [e.itemId, e]));
      const lines: DestructionLine[] = items.map((item) => {
        const entry = entryOf.get(item.id)!;
        return {
          archivalCode: item.archivalCode,
          title: item.title,
          year: item.year,
          retentionPeriod: item.retentionPeriod,
          pages: item.pages.filter((p) => p.supersededAt === null).length,
          bytes: Number(entry.bytesFound ?? 0),
          gone: ((entry.objectsGone ?? []) as { pageNumber: number; key: string }[]).map(({ pageNumber, key }) => ({ pageNumber, key })),
          appraisalReason: reasons.get(item.id) ?? '',
          status: entry.status,
          note: entry.reason,
        };
      });
      const executedAt = list.executedAt ?? new Date();
      const document = {
        listId,
        fondsCode: list.fonds.code,
        fondsName: list.fonds.name,
        batchId: list.batchId,
        proposedBy: list.proposedBy,
        method: list.method,
        place: list.place,
        date: agencyDate(executedAt, config.timeZone),
        lines,
        approvals: list.approvals.map((a) => ({ ...a, name: a.displayName })),
        timeZone: config.timeZone,
      };
      const font = loadCjkFont(config.volumes.cjkFont);
      const made: [string, Promise<Buffer>][] = [
        ['destruction-list.pdf', destructionListToPdf(document, font)],
        ['destruction-certificate.pdf', destructionCertificateToPdf({ ...document, executedAt: executedAt.toISOString() }, font)],
      ];
      const documents: StoredDocument[] = [];
      for (const [name, rendering] of made) {
        const stored = await store.put({
          bucket: config.s3.buckets.packages,
          key: destructionDocumentKey(listId, name),
          body: await rendering,
          contentType: 'application/pdf',
          legalHold: true,
        });
        documents.push({
          name,
          bucket: stored.bucket,
          key: stored.key,
          size: stored.size,
          sha256: stored.sha256,
          contentType: 'application/pdf',
        });
      }
      await recordDocuments(db, listId, documents, executedAt);
      return documents;
    },

    async finishDestruction({ listId }: { listId: string }): Promise<DestructionOutcome> {
      const { destroyed, failed, removed } = await entryCounts(db, listId);
      const outcome = { destroyed, failed, removed };
      await setListStatus(db, listId, outcome.failed ? 'executed_with_failures' : 'executed');
      await audit(db, {
        actor: 'lantai',
        action: 'destruction_executed',
        subject: `destruction_list:${listId}`,
        outcome: outcome.failed ? 'failed' : 'done',
        details: outcome,
      });
      return outcome;
    },
  };
}
