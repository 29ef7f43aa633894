import { ApplicationFailure } from '@temporalio/activity';
import type { Logger } from 'pino';
import { keptUntil, outcomeOf, type AppraisalDecisionKind, type OutcomeRule } from '../domain/appraisal';
import type { RetentionPeriod } from '../domain/retention';
import { retainUntilDue } from '../catalogue/object-locks';
import type { Db } from '../prisma/client';
import type { ObjectStore } from '../store/object-store';
import type { MoveActivities } from './moves';

export interface AppraisalDeps {
  db: Db;
  store: ObjectStore;
  log: Logger;
  moves: MoveActivities;
}

export interface OpenAppraisalInput {
  workflowId: string;
  fondsCode: string;
  /** Retention counted up to this day (YYYY-MM-DD); today when omitted. */
  asOf?: string;
  /** The committee's usernames; the fonds' appraisal members when omitted. */
  members?: string[];
  rule: OutcomeRule;
  openedBy: string;
}

export interface AppraisalBatchOpened {
  batchId: string;
  asOf: string;
  items: number;
  members: string[];
  rule: OutcomeRule;
}

/** Items of a batch one member decides together: listed, or a group by retention period and year. */
export interface AppraisalSelection {
  items?: string[];
  group?: { retentionPeriod?: RetentionPeriod; year?: number };
}

export interface AppraisalDecisionRequest extends AppraisalSelection {
  member: string;
  decision: AppraisalDecisionKind;
  newPeriod?: RetentionPeriod;
  reason: string;
}

export interface AppraisalSettled {
  batchId: string;
  destroy: number;
  keep: number;
  permanent: number;
}

const refused = (message: string) => ApplicationFailure.nonRetryable(message, 'AppraisalDecisionRefused');

export function createAppraisalActivities({ db, store, log, moves }: AppraisalDeps) {
  return {
    /**
     * Opens the batch: every item in the archive room whose retention ran out by `asOf` (counted from 1 January of
     * the year after formation, or the committee's earlier new date) goes under appraisal. Idempotent by workflow.
     */
    async openAppraisalBatch(input: OpenAppraisalInput): Promise<AppraisalBatchOpened> {
      let batch = await db.appraisalBatch.findUnique({ where: { workflowId: input.workflowId } });
      if (!batch) batch = await createBatch(input);
      const entries = await db.appraisalEntry.findMany({ where: { batchId: batch.id }, select: { itemId: true } });
      if (entries.length) await moves.moveItems({ itemIds: entries.map((e) => e.itemId), to: 'under_appraisal', actor: input.openedBy, reason: `appraisal batch ${batch.id}: retention ran out by ${isoDate(batch.asOf)}` });
      log.info({ batchId: batch.id, items: entries.length }, 'appraisal batch opened');
      return { batchId: batch.id, asOf: isoDate(batch.asOf), items: entries.length, members: batch.members, rule: batch.rule as OutcomeRule };
    },

    /** Records one member's decision on the listed items or on a group; a member decides each item once. */
    async recordAppraisalDecisions(input: AppraisalDecisionRequest & { batchId: string }): Promise<{ recorded: number; outstanding: number }> {
      const itemIds = await selectedItems(input);
      const already = await db.appraisalDecision.findMany({ where: { batchId: input.batchId, member: input.member, itemId: { in: itemIds } }, select: { itemId: true } });
      if (input.items && already.length) throw refused(`${input.member} has already decided on ${already.length} of these items; a decision is not changed once recorded`);
      const decided = new Set(already.map((d) => d.itemId));
      const fresh = itemIds.filter((id) => !decided.has(id));
      await db.appraisalDecision.createMany({
        data: fresh.map((itemId) => ({ batchId: input.batchId, itemId, member: input.member, decision: input.decision, newPeriod: input.newPeriod ?? null, reason: input.reason })),
        skipDuplicates: true,
      });
      return { recorded: fresh.length, outstanding: await outstanding(input.batchId) };
    },

    /** Applies the outcome rule to each item: kept items get their new date, permanent ones leave appraisal for good. */
    async settleAppraisal({ batchId }: { batchId: string }): Promise<AppraisalSettled> {
      const batch = await db.appraisalBatch.findUniqueOrThrow({ where: { id: batchId } });
      const decisions = await db.appraisalDecision.findMany({ where: { batchId } });
      const byItem = new Map<string, typeof decisions>();
      for (const d of decisions) byItem.set(d.itemId, [...(byItem.get(d.itemId) ?? []), d]);
      const entries = await db.appraisalEntry.findMany({ where: { batchId } });
      const counts = { destroy: 0, keep: 0, permanent: 0 };
      const asOf = isoDate(batch.asOf);
      const returning: { itemId: string; reason: string }[] = [];
      for (const entry of entries) {
        const outcome = outcomeOf(byItem.get(entry.itemId) ?? [], batch.members.length, batch.rule as OutcomeRule);
        if (!outcome) throw ApplicationFailure.nonRetryable(`item ${entry.itemId} is not yet decided by every member`, 'AppraisalIncomplete');
        counts[outcome.outcome] += 1;
        const until = outcome.newPeriod ? keptUntil(asOf, outcome.newPeriod) : null;
        await db.$transaction([
          db.appraisalEntry.update({ where: { batchId_itemId: { batchId, itemId: entry.itemId } }, data: { outcome: outcome.outcome, newPeriod: outcome.newPeriod ?? null, keptUntil: until ? new Date(until) : null } }),
          ...(outcome.outcome === 'keep' ? [db.item.update({ where: { id: entry.itemId }, data: { keptUntil: new Date(until!) } })] : []),
          ...(outcome.outcome === 'permanent' ? [db.item.update({ where: { id: entry.itemId }, data: { madePermanent: true } })] : []),
        ]);
        if (outcome.outcome === 'keep') returning.push({ itemId: entry.itemId, reason: `appraisal batch ${batchId}: kept for ${outcome.newPeriod}, until ${until}` });
        if (outcome.outcome === 'permanent') returning.push({ itemId: entry.itemId, reason: `appraisal batch ${batchId}: made permanent` });
      }
      await retainUntilDue(db, store, returning.map((r) => r.itemId));
      for (const { itemId, reason } of returning) await moves.moveItem({ itemId, to: 'in_archive_room', actor: 'appraisal committee', reason });
      await db.appraisalBatch.update({ where: { id: batchId }, data: { status: 'decided', decidedAt: batch.decidedAt ?? new Date() } });
      log.info({ batchId, ...counts }, 'appraisal batch decided');
      return { batchId, ...counts };
    },
  };

  async function createBatch(input: OpenAppraisalInput) {
    const fonds = await db.fonds.findUnique({ where: { code: input.fondsCode } });
    if (!fonds) throw ApplicationFailure.nonRetryable(`fonds ${input.fondsCode} is not in the catalogue`, 'UnknownFonds');
    const members = input.members?.length ? input.members : await committeeOf(fonds.id);
    if (members.length === 0) throw ApplicationFailure.nonRetryable(`fonds ${input.fondsCode} has no appraisal committee: give users the appraisal_member role in it`, 'AppraisalCommitteeMissing');
    const asOf = input.asOf ?? new Date().toISOString().slice(0, 10);
    return db.$transaction(async (tx) => {
      // One opening at a time per fonds, so two batches never take the same item.
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${`appraisal:${fonds.id}`}))`;
      const due = await tx.$queryRaw<{ id: string }[]>`
        SELECT i.id FROM item i
        WHERE i.fonds_id = ${fonds.id}::uuid AND i.lifecycle_state = 'in_archive_room' AND NOT i.made_permanent AND i.retention_period <> 'Y'
          AND COALESCE(i.kept_until, make_date(i.year + 1 + substr(i.retention_period::text, 2)::int, 1, 1)) <= ${asOf}::date
          AND NOT EXISTS (SELECT 1 FROM appraisal_entry e JOIN appraisal_batch b ON b.id = e.batch_id WHERE e.item_id = i.id AND b.status = 'open')
        ORDER BY i.archival_code NULLS LAST, i.id`;
      const batch = await tx.appraisalBatch.create({ data: { fondsId: fonds.id, workflowId: input.workflowId, asOf: new Date(asOf), rule: input.rule, members, openedBy: input.openedBy } });
      await tx.appraisalEntry.createMany({ data: due.map((d) => ({ batchId: batch.id, itemId: d.id })) });
      return batch;
    });
  }

  async function committeeOf(fondsId: string): Promise<string[]> {
    const users = await db.user.findMany({ where: { active: true, roles: { has: 'appraisal_member' }, fonds: { some: { fondsId } } }, orderBy: { username: 'asc' } });
    return users.map((u) => u.username);
  }

  async function selectedItems({ batchId, items, group }: AppraisalDecisionRequest & { batchId: string }): Promise<string[]> {
    if (items?.length) {
      const entries = await db.appraisalEntry.findMany({ where: { batchId, itemId: { in: items } }, select: { itemId: true } });
      const known = new Set(entries.map((e) => e.itemId));
      const foreign = items.filter((id) => !known.has(id));
      if (foreign.length) throw refused(`${foreign.length} of the items are not in appraisal batch ${batchId}: ${foreign.slice(0, 5).join(', ')}`);
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
