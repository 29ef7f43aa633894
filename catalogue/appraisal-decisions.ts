import type { AppraisalDecisionKind } from '../domain/appraisal';
import type { RetentionPeriod } from '../domain/retention';
import type { Db } from '../prisma/client';

/** The committee members' decisions (鉴定意见) on the items of a batch. */

/** Of the given items, those the member has already decided on. */
export async function decidedByMember(db: Db, batchId: string, member: string, itemIds: string[]): Promise<Set<string>> {
  const rows = await db.appraisalDecision.findMany({
    where: { batchId, member, itemId: { in: itemIds } },
    select: { itemId: true },
  });
  return new Set(rows.map((d) => d.itemId));
}

export interface MemberDecisionRecord {
  member: string;
  decision: AppraisalDecisionKind;
  newPeriod: RetentionPeriod | null;
  reason: string;
}

/** Records one member's decision on each item; an item the member already decided keeps that decision. */
export async function recordMemberDecisions(db: Db, batchId: string, itemIds: string[], decision: MemberDecisionRecord): Promise<void> {
  await db.appraisalDecision.createMany({
    data: itemIds.map((itemId) => ({ batchId, itemId, ...decision })),
    skipDuplicates: true,
  });
}

/** Decisions the committee still owes: every member on every item, less those recorded. */
export async function outstandingDecisions(db: Db, batchId: string): Promise<number> {
  const batch = await db.appraisalBatch.findUniqueOrThrow({ where: { id: batchId }, select: { members: true } });
  const items = await db.appraisalEntry.count({ where: { batchId } });
  const decided = await db.appraisalDecision.count({ where: { batchId, member: { in: batch.members } } });
  return items * batch.members.length - decided;
}

/** The members' decisions on the given items, by item. */
export async function decisionsOn(db: Db, batchId: string, itemIds: string[]): Promise<Map<string, MemberDecisionRecord[]>> {
  const decisions = await db.appraisalDecision.findMany({ where: { batchId, itemId: { in: itemIds } } });
  const byItem = new Map<string, MemberDecisionRecord[]>();
  for (const d of decisions) byItem.set(d.itemId, [...(byItem.get(d.itemId) ?? []), d]);
  return byItem;
}

/** The reasons the members gave for destroying each item, joined, by item. */
export async function destroyReasons(db: Db, batchId: string): Promise<Map<string, string>> {
  const decisions = await db.appraisalDecision.findMany({ where: { batchId, decision: 'destroy' }, orderBy: { id: 'asc' } });
  const reasons = new Map<string, string>();
  for (const d of decisions) reasons.set(d.itemId, reasons.has(d.itemId) ? `${reasons.get(d.itemId)}; ${d.reason}` : d.reason);
  return reasons;
}
