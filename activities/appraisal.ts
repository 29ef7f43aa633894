import { ApplicationFailure, Context } from '@temporalio/activity';
import type { Logger } from 'pino';
import { decidedByMember, decisionsOn, outstandingDecisions, recordMemberDecisions } from '../catalogue/appraisal-decisions';
import {
  appraisalBatch,
  appraisalBatchOfWorkflow,
  appraisalCommitteeOf,
  batchItems,
  entryCount,
  itemsInBatch,
  itemsOfGroup,
  markBatchDecided,
  openAppraisalBatchRecord,
  returningOutcomes,
  settleEntries,
  type AppraisalBatch,
  type SettledEntry,
} from '../catalogue/appraisals';
import { fondsByCode } from '../catalogue/fonds';
import { retainUntilDue } from '../catalogue/object-locks';
import type { Config } from '../config';
import {
  AppraisalError,
  type AppraisalBatchOpened,
  type AppraisalDecisionRequest,
  type AppraisalSettled,
  type OpenAppraisalInput,
} from '../contracts/appraisal';
import { StepError } from '../contracts/errors';
import { keptUntil, outcomeOf } from '../domain/appraisal';
import type { Db } from '../prisma/client';
import type { ObjectStore } from '../store/object-store';
import { currentTransition, moveSelected } from './moves';

export interface AppraisalDeps {
  db: Db;
  store: ObjectStore;
  log: Logger;
  config: Pick<Config, 'permanentLockYears'>;
}

// Entries settled per transaction.
const SETTLE_PAGE = 1000;

const refused = (message: string) => ApplicationFailure.nonRetryable(message, AppraisalError.DecisionRefused);

export function createAppraisalActivities({ db, store, log, config }: AppraisalDeps) {
  return {
    /**
     * Opens the batch: every item in the archive room whose retention ran out by `asOf` (counted from 1 January of
     * the year after formation, or the committee's earlier new date) goes under appraisal. Idempotent by workflow.
     */
    async openAppraisalBatch(input: OpenAppraisalInput): Promise<AppraisalBatchOpened> {
      const batch = (await appraisalBatchOfWorkflow(db, input.workflowId)) ?? (await createBatch(input));
      const items = await entryCount(db, batch.id);
      await moveSelected(
        db,
        { to: 'under_appraisal', actor: input.openedBy, reason: `appraisal batch ${batch.id}: retention ran out by ${batch.asOf}` },
        batchItems(db, batch.id),
      );
      log.info({ batchId: batch.id, items }, 'appraisal batch opened');
      return { batchId: batch.id, asOf: batch.asOf, items, members: batch.members, rule: batch.rule };
    },

    /** Records one member's decision on the listed items or on a group; a member decides each item once. */
    async recordAppraisalDecisions(
      input: AppraisalDecisionRequest & { batchId: string },
    ): Promise<{ recorded: number; outstanding: number }> {
      const itemIds = await selectedItems(input);
      const decided = await decidedByMember(db, input.batchId, input.member, itemIds);
      if (input.items && decided.size)
        throw refused(`${input.member} has already decided on ${decided.size} of these items; a decision is not changed once recorded`);
      const fresh = itemIds.filter((id) => !decided.has(id));
      await recordMemberDecisions(db, input.batchId, fresh, {
        member: input.member,
        decision: input.decision,
        newPeriod: input.newPeriod ?? null,
        reason: input.reason,
      });
      return { recorded: fresh.length, outstanding: await outstandingDecisions(db, input.batchId) };
    },

    /**
     * Applies the outcome rule to each item, a page of entries at a time: kept items get their new date, permanent
     * ones leave appraisal for good, and both go back to the archive room.
     */
    async settleAppraisal({ batchId }: { batchId: string }): Promise<AppraisalSettled> {
      const batch = (await appraisalBatch(db, batchId))!;
      const counts = { destroy: 0, keep: 0, permanent: 0 };
      const page = batchItems(db, batchId);
      for (let ids = await page(null, SETTLE_PAGE); ids.length; ids = await page(ids[ids.length - 1]!, SETTLE_PAGE)) {
        const byItem = await decisionsOn(db, batchId, ids);
        const settled = ids.map((itemId): SettledEntry => {
          const outcome = outcomeOf(byItem.get(itemId) ?? [], batch.members.length, batch.rule);
          if (!outcome)
            throw ApplicationFailure.nonRetryable(`item ${itemId} is not yet decided by every member`, AppraisalError.Incomplete);
          counts[outcome.outcome] += 1;
          return {
            itemId,
            outcome: outcome.outcome,
            newPeriod: outcome.newPeriod ?? null,
            until: outcome.newPeriod ? keptUntil(batch.asOf, outcome.newPeriod) : null,
          };
        });
        await settleEntries(db, batchId, settled);
        Context.current().heartbeat({ settled: counts });
      }
      await returnToArchiveRoom(batch);
      await markBatchDecided(db, batchId, batch.decidedAt ?? new Date());
      log.info({ batchId, ...counts }, 'appraisal batch decided');
      return { batchId, ...counts };
    },
  };

  /** Kept and permanent items go back to the archive room, a move for each new period (each has its own reason). */
  async function returnToArchiveRoom(batch: AppraisalBatch): Promise<void> {
    for (const { outcome, newPeriod } of await returningOutcomes(db, batch.id)) {
      const reason =
        outcome === 'keep'
          ? `appraisal batch ${batch.id}: kept for ${newPeriod}, until ${keptUntil(batch.asOf, newPeriod!)}`
          : `appraisal batch ${batch.id}: made permanent`;
      await moveSelected(
        db,
        { to: 'in_archive_room', actor: 'appraisal committee', reason },
        batchItems(db, batch.id, { outcome, newPeriod }),
        {
          transition: `${currentTransition('in_archive_room')}/${outcome}${newPeriod ? `-${newPeriod}` : ''}`,
          // Back in the archive room, the store itself keeps each page until the new date.
          beforeChunk: async (ids) => {
            await retainUntilDue(db, store, ids, { permanentYears: config.permanentLockYears });
          },
        },
      );
    }
  }

  async function createBatch(input: OpenAppraisalInput): Promise<AppraisalBatch> {
    const fonds = await fondsByCode(db, input.fondsCode);
    if (!fonds) throw ApplicationFailure.nonRetryable(`fonds ${input.fondsCode} is not in the catalogue`, StepError.UnknownFonds);
    const members = input.members?.length ? input.members : await appraisalCommitteeOf(db, fonds.id);
    if (members.length === 0)
      throw ApplicationFailure.nonRetryable(
        `fonds ${input.fondsCode} has no appraisal committee: give users the appraisal_member role in it`,
        AppraisalError.CommitteeMissing,
      );
    return openAppraisalBatchRecord(db, {
      fondsId: fonds.id,
      workflowId: input.workflowId,
      asOf: input.asOf ?? new Date().toISOString().slice(0, 10),
      rule: input.rule,
      members,
      openedBy: input.openedBy,
    });
  }

  async function selectedItems({ batchId, items, group }: AppraisalDecisionRequest & { batchId: string }): Promise<string[]> {
    if (items?.length) {
      const known = await itemsInBatch(db, batchId, items);
      const foreign = items.filter((id) => !known.has(id));
      if (foreign.length)
        throw refused(`${foreign.length} of the items are not in appraisal batch ${batchId}: ${foreign.slice(0, 5).join(', ')}`);
      return items;
    }
    const found = await itemsOfGroup(db, batchId, group ?? {});
    if (found.length === 0) throw refused(`no item of appraisal batch ${batchId} is in the group ${JSON.stringify(group ?? {})}`);
    return found;
  }
}
