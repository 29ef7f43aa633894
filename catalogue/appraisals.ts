import type { AppraisalDecisionKind, OutcomeRule } from '../domain/appraisal';
import type { RetentionPeriod } from '../domain/retention';
import type { AppraisalStatus, Db, Prisma } from '../prisma/client';
import type { ItemPage } from './lifecycle';
import { RETENTION_RUNS_OUT } from './retention';

/** An appraisal batch (鉴定批次) as the catalogue keeps it. */
export interface AppraisalBatch {
  id: string;
  fondsId: string;
  workflowId: string;
  status: AppraisalStatus;
  asOf: string;
  rule: OutcomeRule;
  members: string[];
  decidedAt: Date | null;
}

function batchOf(row: Prisma.AppraisalBatchGetPayload<object>): AppraisalBatch {
  return {
    id: row.id,
    fondsId: row.fondsId,
    workflowId: row.workflowId,
    status: row.status,
    asOf: row.asOf.toISOString().slice(0, 10),
    rule: row.rule as OutcomeRule,
    members: row.members,
    decidedAt: row.decidedAt,
  };
}

export async function appraisalBatch(db: Db, id: string): Promise<AppraisalBatch | undefined> {
  const row = await db.appraisalBatch.findUnique({ where: { id } });
  return row ? batchOf(row) : undefined;
}

/** The batch a workflow opened, once it has. */
export async function appraisalBatchOfWorkflow(db: Db, workflowId: string): Promise<AppraisalBatch | undefined> {
  const row = await db.appraisalBatch.findUnique({ where: { workflowId } });
  return row ? batchOf(row) : undefined;
}

/** The fonds' appraisal committee: its active users with the appraisal_member role, by username. */
export async function appraisalCommitteeOf(db: Db, fondsId: string): Promise<string[]> {
  const users = await db.user.findMany({
    where: { active: true, roles: { has: 'appraisal_member' }, fonds: { some: { fondsId } } },
    orderBy: { username: 'asc' },
    select: { username: true },
  });
  return users.map((u) => u.username);
}

/**
 * Opens a batch holding every item of the fonds in the archive room whose retention ran out by `asOf` and that is
 * in no other open batch. One opening at a time per fonds, so two batches never take the same item.
 */
export async function openAppraisalBatchRecord(
  db: Db,
  batch: { fondsId: string; workflowId: string; asOf: string; rule: OutcomeRule; members: string[]; openedBy: string },
): Promise<AppraisalBatch> {
  return db.$transaction(async (tx) => {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${`appraisal:${batch.fondsId}`}))`;
    const row = await tx.appraisalBatch.create({ data: { ...batch, asOf: new Date(batch.asOf) } });
    await tx.$executeRaw`
      INSERT INTO appraisal_entry (batch_id, item_id)
      SELECT ${row.id}::uuid, i.id FROM item i
      WHERE i.fonds_id = ${batch.fondsId}::uuid AND i.lifecycle_state = 'in_archive_room'
        AND ${RETENTION_RUNS_OUT} <= ${batch.asOf}::date
        AND NOT EXISTS (SELECT 1 FROM appraisal_entry e JOIN appraisal_batch b ON b.id = e.batch_id WHERE e.item_id = i.id AND b.status = 'open')`;
    return batchOf(row);
  });
}

export async function entryCount(db: Db, batchId: string): Promise<number> {
  return db.appraisalEntry.count({ where: { batchId } });
}

/** Pages of the batch's items, those with the given outcome and new period when asked. */
export function batchItems(
  db: Db,
  batchId: string,
  outcome: { outcome?: AppraisalDecisionKind | null; newPeriod?: RetentionPeriod | null } = {},
): ItemPage {
  return async (after, limit) => {
    const rows = await db.appraisalEntry.findMany({
      where: { batchId, ...outcome, ...(after ? { itemId: { gt: after } } : {}) },
      select: { itemId: true },
      orderBy: { itemId: 'asc' },
      take: limit,
    });
    return rows.map((r) => r.itemId);
  };
}

/** Of the given items, those in the batch. */
export async function itemsInBatch(db: Db, batchId: string, itemIds: string[]): Promise<Set<string>> {
  const entries = await db.appraisalEntry.findMany({ where: { batchId, itemId: { in: itemIds } }, select: { itemId: true } });
  return new Set(entries.map((e) => e.itemId));
}

/** The batch's items in a group by retention period and year (either or both may be left open). */
export async function itemsOfGroup(
  db: Db,
  batchId: string,
  group: { retentionPeriod?: RetentionPeriod; year?: number },
): Promise<string[]> {
  const period = group.retentionPeriod ?? null;
  const year = group.year ?? null;
  const rows = await db.$queryRaw<{ item_id: string }[]>`
    SELECT e.item_id FROM appraisal_entry e JOIN item i ON i.id = e.item_id
    WHERE e.batch_id = ${batchId}::uuid AND (${period}::text IS NULL OR i.retention_period::text = ${period}::text) AND (${year}::int IS NULL OR i.year = ${year}::int)`;
  return rows.map((r) => r.item_id);
}

export interface SettledEntry {
  itemId: string;
  outcome: AppraisalDecisionKind;
  newPeriod: RetentionPeriod | null;
  /** For a kept item, the day it comes back (YYYY-MM-DD). */
  until: string | null;
}

/** Records each entry's outcome, and on kept and permanent items their new date or permanence, together. */
export async function settleEntries(db: Db, batchId: string, settled: SettledEntry[]): Promise<void> {
  const column = <K extends keyof SettledEntry>(key: K) => settled.map((e) => e[key]);
  await db.$transaction([
    db.$executeRaw`UPDATE appraisal_entry e SET outcome = v.outcome::"AppraisalDecisionKind", new_period = v.period::"RetentionPeriod", kept_until = v.until::date
      FROM unnest(${column('itemId')}::uuid[], ${column('outcome')}::text[], ${column('newPeriod')}::text[], ${column('until')}::text[]) AS v(item_id, outcome, period, until)
      WHERE e.batch_id = ${batchId}::uuid AND e.item_id = v.item_id`,
    db.$executeRaw`UPDATE item i SET kept_until = CASE WHEN v.outcome = 'keep' THEN v.until::date ELSE i.kept_until END, made_permanent = i.made_permanent OR v.outcome = 'permanent', updated_at = now()
      FROM unnest(${column('itemId')}::uuid[], ${column('outcome')}::text[], ${column('until')}::text[]) AS v(item_id, outcome, until)
      WHERE i.id = v.item_id AND v.outcome <> 'destroy'`,
  ]);
}

/** The outcomes that send items back to the archive room, one for each new period. */
export async function returningOutcomes(
  db: Db,
  batchId: string,
): Promise<{ outcome: AppraisalDecisionKind | null; newPeriod: RetentionPeriod | null }[]> {
  const groups = await db.appraisalEntry.groupBy({
    by: ['outcome', 'newPeriod'],
    where: { batchId, outcome: { in: ['keep', 'permanent'] } },
    orderBy: [{ outcome: 'asc' }, { newPeriod: 'asc' }],
  });
  return groups.map(({ outcome, newPeriod }) => ({ outcome, newPeriod }));
}

export async function markBatchDecided(db: Db, batchId: string, decidedAt: Date): Promise<void> {
  await db.appraisalBatch.update({ where: { id: batchId }, data: { status: 'decided', decidedAt } });
}

/** The batch as the committee sees it: each item with its outcome, and how many decisions each member has recorded. */
export async function appraisalBatchReport(db: Db, id: string) {
  const batch = batchOf(await db.appraisalBatch.findUniqueOrThrow({ where: { id } }));
  const entries = await db.appraisalEntry.findMany({ where: { batchId: id } });
  const items = await db.item.findMany({
    where: { id: { in: entries.map((e) => e.itemId) } },
    select: { id: true, archivalCode: true, title: true, year: true, retentionPeriod: true, lifecycleState: true },
  });
  const decisions = await db.appraisalDecision.groupBy({ by: ['member'], where: { batchId: id }, _count: true });
  const entryOf = new Map(entries.map((e) => [e.itemId, e]));
  return {
    batch,
    decidedByMember: Object.fromEntries(batch.members.map((m) => [m, decisions.find((d) => d.member === m)?._count ?? 0])),
    items: items
      .sort((a, b) => (a.archivalCode ?? '').localeCompare(b.archivalCode ?? ''))
      .map((i) => {
        const e = entryOf.get(i.id)!;
        return { ...i, outcome: e.outcome, newPeriod: e.newPeriod, keptUntil: e.keptUntil?.toISOString().slice(0, 10) ?? null };
      }),
  };
}
