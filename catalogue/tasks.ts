import type { Db, TaskStatus } from '../prisma/client';

/** An archivist's task (任务), with its fonds' code and, for an item's task, the item's archival code. */
export interface ArchivistTask {
  id: string;
  fondsId: string;
  fondsCode: string;
  kind: string;
  itemId: string | null;
  archivalCode: string | null;
  source: string;
  title: string;
  detail: string;
  status: TaskStatus;
  createdAt: Date;
  resolvedBy: string | null;
  resolvedAt: Date | null;
  resolution: string | null;
}

/** Up to `limit` tasks of the fonds with the status, oldest first. */
export async function tasksOf(db: Db, fondsIds: string[], status: 'open' | 'resolved', limit: number): Promise<ArchivistTask[]> {
  const tasks = await db.archivistTask.findMany({
    where: { fondsId: { in: fondsIds }, status },
    orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
    take: limit,
    include: { fonds: { select: { code: true } } },
  });
  const items = await db.item.findMany({
    where: { id: { in: tasks.flatMap((t) => (t.itemId ? [t.itemId] : [])) } },
    select: { id: true, archivalCode: true },
  });
  const codeOf = new Map(items.map((i) => [i.id, i.archivalCode]));
  return tasks.map(({ fonds, ...t }) => ({ ...t, fondsCode: fonds.code, archivalCode: t.itemId ? (codeOf.get(t.itemId) ?? null) : null }));
}

export async function findTask(db: Db, id: string): Promise<ArchivistTask | undefined> {
  const task = await db.archivistTask.findUnique({ where: { id }, include: { fonds: { select: { code: true } } } });
  if (!task) return undefined;
  const item = task.itemId ? await db.item.findUnique({ where: { id: task.itemId }, select: { archivalCode: true } }) : null;
  const { fonds, ...t } = task;
  return { ...t, fondsCode: fonds.code, archivalCode: item?.archivalCode ?? null };
}

/** Resolves the task if it is still open; false when it was resolved already. */
export async function resolveOpenTask(db: Db, id: string, resolution: { resolvedBy: string; resolution: string }): Promise<boolean> {
  const resolved = await db.archivistTask.updateMany({
    where: { id, status: 'open' },
    data: { status: 'resolved', resolvedAt: new Date(), ...resolution },
  });
  return resolved.count === 1;
}

/** Open archivist tasks by kind (inventory findings, overdue approvals, failed destructions…) and fonds code. */
export async function openTaskCounts(db: Db): Promise<{ fonds: string; kind: string; n: number }[]> {
  return db.$queryRaw<{ fonds: string; kind: string; n: number }[]>`
    SELECT f.code AS fonds, t.kind, count(*)::int AS n
    FROM archivist_task t JOIN fonds f ON f.id = t.fonds_id
    WHERE t.status = 'open' GROUP BY f.code, t.kind`;
}
