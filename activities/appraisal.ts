import { ApplicationFailure, Context } from '@temporalio/activity';
import type { Logger } from 'pino';
import { keptUntil, outcomeOf, type OutcomeRule } from '../domain/appraisal';
import {
  AppraisalError,
  type AppraisalBatchOpened,
  type AppraisalDecisionRequest,
  type AppraisalSettled,
  type OpenAppraisalInput,
} from '../contracts/appraisal';
import { StepError } from '../contracts/errors';
import { retainUntilDue } from '../catalogue/object-locks';
import { RETENTION_RUNS_OUT } from '../catalogue/retention';
import type { ItemPage } from '../catalogue/lifecycle';
import type { Db, Prisma } from '../prisma/client';
import type { ObjectStore } from '../store/object-store';
import { currentTransition, moveSelected } from './moves';

export interface AppraisalDeps {
  db: Db;
  store: ObjectStore;
  log: Logger;
}

// Entries settled per transaction.
const SETTLE_PAGE = 1000;

const refused = (message: string) => ApplicationFailure.nonRetryable(message, AppraisalError.DecisionRefused);

export function createAppraisalActivities({ db, store, log }: AppraisalDeps) {
  return {
    /**
     * Opens the batch: every item in the archive room whose retention ran out by `asOf` (counted from 1 January of
     * the year after formation, or the committee's earlier new date) goes under appraisal. Idempotent by workflow.
     */
    async openAppraisalBatch(input: OpenAppraisalInput): Promise<AppraisalBatchOpened> {
      let batch = await db.appraisalBatch.findUnique({ where: { workflowId: input.workflowId } });
      if (!batch) batch = await createBatch(input);
      const items = await db.appraisalEntry.count({ where: { batchId: batch.id } });
      await moveSelected(
        db,
        {
          to: 'under_appraisal',
          actor: input.openedBy,
          reason: `appraisal batch ${batch.id}: retention ran out by ${isoDate(batch.asOf)}`,
        },
        entriesOf(batch.id),
      );
      log.info({ batchId: batch.id, items }, 'appraisal batch opened');
      return { batchId: batch.id, asOf: isoDate(batch.asOf), items, members: batch.members, rule: batch.rule as OutcomeRule };
    },

    /** Records one member's decision on the listed items or on a group; a member decides each item once. */
    async recordAppraisalDecisions(
      input: AppraisalDecisionRequest & { batchId: string },
    ): Promise<{ recorded: number; outstanding: number }> {
      const itemIds = await selectedItems(input);
      const already = await db.appraisalDecision.findMany({
        where: { batchId: input.batchId, member: input.member, itemId: { in: itemIds } },
        select: { itemId: true },
      });
      if (input.items && already.length)
        throw refused(`${input.member} has already decided on ${already.length} of these items; a decision is not changed once recorded`);
      const decided = new Set(already.map((d) => d.itemId));
      const fresh = itemIds.filter((id) => !decided.has(id));
      await db.appraisalDecision.createMany({
        data: fresh.map((itemId) => ({
          batchId: input.batchId,
          itemId,
          member: input.member,
          decision: input.decision,
          newPeriod: input.newPeriod ?? null,
          reason: input.reason,
        })),
        skipDuplicates: true,
      });
      return { recorded: fresh.length, outstanding: await outstanding(input.batchId) };
    },

    /**
     * Applies the outcome rule to each item, a page of entries at a time: kept items get their new date, permanent
     * ones leave appraisal for good, and both go back to the archive room.
     */
    async settleAppraisal({ batchId }: { batchId: string }): Promise<AppraisalSettled> {
      const batch = await db.appraisalBatch.findUniqueOrThrow({ where: { id: batchId } });
      const asOf = isoDate(batch.asOf);
      const counts = { destroy: 0, keep: 0, permanent: 0 };
      const page = entriesOf(batchId);
      for (let ids = await page(null, SETTLE_PAGE); ids.length; ids = await page(ids[ids.length - 1]!, SETTLE_PAGE)) {
        const decisions = await db.appraisalDecision.findMany({ where: { batchId, itemId: { in: ids } } });
        const byItem = new Map<string, typeof decisions>();
        for (const d of decisions) byItem.set(d.itemId, [...(byItem.get(d.itemId) ?? []), d]);
        const settled = ids.map((itemId) => {
          const outcome = outcomeOf(byItem.get(itemId) ?? [], batch.members.length, batch.rule as OutcomeRule);
          if (!outcome)
            throw ApplicationFailure.nonRetryable(`item ${itemId} is not yet decided by every member`, AppraisalError.Incomplete);
          counts[outcome.outcome] += 1;
          return {
            itemId,
            outcome: outcome.outcome,
            newPeriod: outcome.newPeriod ?? null,
            until: outcome.newPeriod ? keptUntil(asOf, outcome.newPeriod) : null,
          };
        });
        const column = <K extends keyof (typeof settled)[number]>(key: K) => settled.map((e) => e[key]);
        await db.$transaction([
          db.$executeRaw`UPDATE appraisal_entry e SET outcome = v.outcome::"AppraisalDecisionKind", new_period = v.period::"RetentionPeriod", kept_until = v.until::date
            FROM unnest(${column('itemId')}::uuid[], ${column('outcome')}::text[], ${column('newPeriod')}::text[], ${column('until')}::text[]) AS v(item_id, outcome, period, until)
            WHERE e.batch_id = ${batchId}::uuid AND e.item_id = v.item_id`,
          db.$executeRaw`UPDATE item i SET kept_until = CASE WHEN v.outcome = 'keep' THEN v.until::date ELSE i.kept_until END, made_permanent = i.made_permanent OR v.outcome = 'permanent', updated_at = now()
            FROM unnest(${column('itemId')}::uuid[], ${column('outcome')}::text[], ${column('until')}::text[]) AS v(item_id, outcome, until)
            WHERE i.id = v.item_id AND v.outcome <> 'destroy'`,
        ]);
        Context.current().heartbeat({ settled: counts });
      }
      // Kept and permanent items go back to the archive room, a move for each new period (each has its own reason).
      const returning = await db.appraisalEntry.groupBy({
        by: ['outcome', 'newPeriod'],
        where: { batchId, outcome: { in: ['keep', 'permanent'] } },
        orderBy: [{ outcome: 'asc' }, { newPeriod: 'asc' }],
      });
      for (const { outcome, newPeriod } of returning) {
        const reason =
          outcome === 'keep'
            ? `appraisal batch ${batchId}: kept for ${newPeriod}, until ${keptUntil(asOf, newPeriod!)}`
            : `appraisal batch ${batchId}: made permanent`;
        await moveSelected(
          db,
          { to: 'in_archive_room', actor: 'appraisal committee', reason },
          entriesOf(batchId, { outcome, newPeriod }),
          {
            transition: `${currentTransition('in_archive_room')}/${outcome}${newPeriod ? `-${newPeriod}` : ''}`,
            // Back in the archive room, the store itself keeps each page until the new date.
            beforeChunk: async (ids) => {
              await retainUntilDue(db, store, ids);
            },
          },
        );
      }
      await db.appraisalBatch.update({ where: { id: batchId }, data: { status: 'decided', decidedAt: batch.decidedAt ?? new Date() } });
      log.info({ batchId, ...counts }, 'appraisal batch decided');
      return { batchId, ...counts };
    },
  };

  /** Pages of the batch's items, those with the given outcome when asked. */
  function entriesOf(batchId: string, where: Prisma.AppraisalEntryWhereInput = {}): ItemPage {
    return async (after, limit) => {
      const rows = await db.appraisalEntry.findMany({
        where: { batchId, ...where, ...(after ? { itemId: { gt: after } } : {}) },
        select: { itemId: true },
        orderBy: { itemId: 'asc' },
        take: limit,
      });
      return rows.map((r) => r.itemId);
    };
  }

  async function createBatch(input: OpenAppraisalInput) {
    const fonds = await db.fonds.findUnique({ where: { code: input.fondsCode } });
    if (!fonds) throw ApplicationFailure.nonRetryable(`fonds ${input.fondsCode} is not in the catalogue`, StepError.UnknownFonds);
    const members = input.members?.length ? input.members : await committeeOf(fonds.id);
    if (members.length === 0)
      throw ApplicationFailure.nonRetryable(
        `fonds ${input.fondsCode} has no appraisal committee: give users the appraisal_member role in it`,
        AppraisalError.CommitteeMissing,
      );
    const asOf = input.asOf ?? new Date().toISOString().slice(0, 10);
    return db.$transaction(async (tx) => {
      // One opening at a time per fonds, so two batches never take the same item.
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${`appraisal:${fonds.id}`}))`;
      const batch = await tx.appraisalBatch.create({
        data: {
          fondsId: fonds.id,
          workflowId: input.workflowId,
          asOf: new Date(asOf),
          rule: input.rule,
          members,
          openedBy: input.openedBy,
        },
      });
      await tx.$executeRaw`
        INSERT INTO appraisal_entry (batch_id, item_id)
        SELECT ${batch.id}::uuid, i.id FROM item i
        WHERE i.fonds_id = ${fonds.id}::uuid AND i.lifecycle_state = 'in_archive_room' AND ${RETENTION_RUNS_OUT} <= ${asOf}::date
          AND NOT EXISTS (SELECT 1 FROM appraisal_entry e JOIN appraisal_batch b ON b.id = e.batch_id WHERE e.item_id = i.id AND b.status = 'open')`;
      return batch;
    });
  }

  async function committeeOf(fondsId: string): Promise<string[]> {
    const users = await db.user.findMany({
      where: { active: true, roles: { has: 'appraisal_member' }, fonds: { some: { fondsId } } },
      orderBy: { username: 'asc' },
    });
    return users.map((u) => u.username);
  }

  async function selectedItems({ batchId, items, group }: AppraisalDecisionRequest & { batchId: string }): Promise<string[]> {
    if (items?.length) {
      const entries = await db.appraisalEntry.findMany({ where: { batchId, itemId: { in: items } }, select: { itemId: true } });
      const known = new Set(entries.map((e) => e.itemId));
      const foreign = items.filter((id) => !known.has(id));
      if (foreign.length)
        throw refused(`${foreign.length} of the items are not in appraisal batch ${batchId}: ${foreign.slice(0, 5).join(', ')}`);
      return items;
    }
    const period = group?.retentionPeriod ?? null;
    const year = group?.year ?? null;
    const rows = await db.$queryRaw<{ item_id: string }[]>`
      SELECT e.item_id FROM appraisal_entry e JOIN item i ON i.id = e.item_id
      WHERE e.batch_id = ${batchId}::uuid AND (${period}::text IS NULL OR i.retention_period::text = ${period}::text) AND (${year}::int IS NULL OR i.year = ${year}::int)`;
    if (rows.length === 0) throw refused(`no item of appraisal batch ${batchId} is in the group ${JSON.stringify(group ?? {})}`);
    return rows.map((r) => r.item_id);
  }

  async function outstanding(batchId: string): Promise<number> {
    const batch = await db.appraisalBatch.findUniqueOrThrow({ where: { id: batchId }, select: { members: true } });
    const items = await db.appraisalEntry.count({ where: { batchId } });
    const decided = await db.appraisalDecision.count({ where: { batchId, member: { in: batch.members } } });
    return items * batch.members.length - decided;
  }
}

function isoDate(d: Date): string {
  return d.toISOString().slice(0, 10);
}
