import type { DestructionApproval } from '../domain/destruction';
import type { Db, Prisma } from '../prisma/client';

export type EntryStatus = 'listed' | 'removed' | 'destroyed' | 'failed';

export async function destructionList(db: Db, listId: string) {
  const list = await db.destructionList.findUniqueOrThrow({ where: { id: listId } });
  return { ...list, approvals: list.approvals as unknown as DestructionApproval[] };
}

/** Up to `limit` items still listed, after `after` in id order (from the start when null). */
export async function listedItems(db: Db, listId: string, after: string | null, limit: number): Promise<string[]> {
  const entries = await db.destructionEntry.findMany({
    where: { listId, status: 'listed', ...(after ? { itemId: { gt: after } } : {}) },
    orderBy: { itemId: 'asc' },
    take: limit,
    select: { itemId: true },
  });
  return entries.map((e) => e.itemId);
}

export async function recordApprovals(
  db: Db,
  listId: string,
  approvals: DestructionApproval[],
  status: 'proposed' | 'approved' | 'rejected',
): Promise<void> {
  await db.destructionList.update({ where: { id: listId }, data: { approvals: approvals as unknown as Prisma.InputJsonValue, status } });
}

/** Records the list's escalation and gives the archive manager a task about it, together. */
export async function escalateList(db: Db, list: { id: string; fondsId: string }, escalation: number, detail: string): Promise<void> {
  await db.$transaction([
    db.destructionList.update({ where: { id: list.id }, data: { escalations: escalation } }),
    db.archivistTask.create({
      data: {
        fondsId: list.fondsId,
        kind: 'approval_overdue',
        source: `destruction_list:${list.id}`,
        title: `Destruction list waits for approval`,
        detail,
      },
    }),
  ]);
}

export async function setListStatus(db: Db, listId: string, status: 'executing' | 'executed' | 'executed_with_failures'): Promise<void> {
  await db.destructionList.update({ where: { id: listId }, data: { status } });
}

/** Every entry of the list with its item and the item's pages, by archival code, as the destruction documents show them. */
export async function listForDocuments(db: Db, listId: string) {
  const list = await db.destructionList.findUniqueOrThrow({ where: { id: listId }, include: { fonds: true, entries: true } });
  const items = await db.item.findMany({
    where: { id: { in: list.entries.map((e) => e.itemId) } },
    include: { pages: true },
    orderBy: [{ archivalCode: 'asc' }],
  });
  return { list: { ...list, approvals: list.approvals as unknown as DestructionApproval[] }, items };
}

/** The documents kept of the destruction (as stored), and when it was carried out. */
export async function recordDocuments(db: Db, listId: string, documents: object[], executedAt: Date): Promise<void> {
  await db.destructionList.update({ where: { id: listId }, data: { documents, executedAt } });
}

/** How many of the list's entries have each status. */
export async function entryCounts(db: Db, listId: string): Promise<Record<EntryStatus, number>> {
  const counts = await db.destructionEntry.groupBy({ by: ['status'], where: { listId }, _count: true });
  const count = (status: EntryStatus) => counts.find((c) => c.status === status)?._count ?? 0;
  return { listed: count('listed'), removed: count('removed'), destroyed: count('destroyed'), failed: count('failed') };
}

export async function findDestructionList(db: Db, id: string) {
  return db.destructionList.findUnique({ where: { id } });
}

/**
 * Records a proposed list of the items the committee decided to destroy, still under appraisal and not on another
 * list that may yet run; one proposal at a time per batch. With the fonds' code. Undefined, with nothing recorded, when no such item is left.
 */
export async function proposeDestructionList(
  db: Db,
  list: {
    id: string;
    fondsId: string;
    batchId: string;
    workflowId: string;
    proposedBy: string;
    method: string;
    place: string;
    scheduledFor: Date | null;
  },
): Promise<{ items: number; fondsCode: string } | undefined> {
  return db.$transaction(async (tx) => {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${`destruction:${list.batchId}`}))`;
    const items = await tx.$queryRaw<{ item_id: string }[]>`
      SELECT e.item_id FROM appraisal_entry e JOIN item i ON i.id = e.item_id
      WHERE e.batch_id = ${list.batchId}::uuid AND e.outcome = 'destroy' AND i.lifecycle_state = 'under_appraisal'
        AND NOT EXISTS (SELECT 1 FROM destruction_entry d JOIN destruction_list l ON l.id = d.list_id
                        WHERE d.item_id = e.item_id AND l.status <> 'rejected' AND d.status IN ('listed', 'destroyed'))`;
    if (items.length === 0) return undefined;
    await tx.destructionList.create({ data: list });
    await tx.destructionEntry.createMany({ data: items.map((i) => ({ listId: list.id, itemId: i.item_id })) });
    const fonds = await tx.fonds.findUniqueOrThrow({ where: { id: list.fondsId }, select: { code: true } });
    return { items: items.length, fondsCode: fonds.code };
  });
}

/** Takes back a proposed list whose destruction step never started: its items can go on another list. */
export async function withdrawDestructionList(db: Db, listId: string): Promise<void> {
  await db.$transaction([db.destructionEntry.deleteMany({ where: { listId } }), db.destructionList.deleteMany({ where: { id: listId } })]);
}

/** The list with each entry's item code and title. */
export async function destructionListReport(db: Db, id: string) {
  const list = await db.destructionList.findUniqueOrThrow({ where: { id }, include: { entries: true } });
  const items = await db.item.findMany({
    where: { id: { in: list.entries.map((e) => e.itemId) } },
    select: { id: true, archivalCode: true, title: true, lifecycleState: true },
  });
  return { list, itemOf: new Map(items.map((i) => [i.id, i])) };
}
