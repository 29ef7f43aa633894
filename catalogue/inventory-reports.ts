import type { RehashPlan } from '../domain/inventory';
import type { Db } from '../prisma/client';
import { namedByFindings } from './inventory-tasks';

/** The run with its fonds' code, or undefined. */
export async function inventoryRunOfFonds(db: Db, id: string) {
  const run = await db.inventoryRun.findUnique({ where: { id }, include: { fonds: { select: { code: true } } } });
  return run ? { ...run, rehash: run.rehash as unknown as RehashPlan } : undefined;
}

/** The fonds' latest run still recorded as running. */
export async function runningInventoryRun(db: Db, fondsId: string) {
  return db.inventoryRun.findFirst({ where: { fondsId, status: 'running' }, orderBy: { sequence: 'desc' } });
}

export async function shelfScansById(db: Db, ids: string[]) {
  return db.shelfScan.findMany({ where: { id: { in: ids } }, select: { id: true, agencyId: true, closedAt: true } });
}

/** Up to `limit` of the run's findings by kind, each with its item's code, page number, box and task status. */
export async function runFindings(db: Db, runId: string, limit: number) {
  const findings = await db.inventoryFinding.findMany({
    where: { runId },
    orderBy: [{ kind: 'asc' }, { createdAt: 'asc' }, { id: 'asc' }],
    take: limit,
  });
  const { items, pages, boxes } = await namedByFindings(db, findings);
  const tasks = await db.archivistTask.findMany({
    where: { id: { in: findings.flatMap((f) => (f.taskId ? [f.taskId] : [])) } },
    select: { id: true, status: true },
  });
  const codeOf = new Map(items.map((i) => [i.id, i.archivalCode]));
  const pageOf = new Map(pages.map((p) => [p.id, p.pageNumber]));
  const boxOf = new Map(boxes.map((b) => [b.id, b.barcode]));
  const taskOf = new Map(tasks.map((t) => [t.id, t.status]));
  return findings.map((f) => ({
    id: f.id,
    kind: f.kind,
    itemId: f.itemId,
    archivalCode: f.itemId ? (codeOf.get(f.itemId) ?? null) : null,
    pageNumber: f.pageId ? (pageOf.get(f.pageId) ?? null) : null,
    box: f.boxId ? (boxOf.get(f.boxId) ?? null) : null,
    detail: f.detail,
    taskId: f.taskId,
    taskStatus: f.taskId ? (taskOf.get(f.taskId) ?? null) : null,
  }));
}

/**
 * Every fonds with when its last inventory completed (null when none has): a few runs a fonds a year, so one
 * grouped query over them stays cheap for monitoring to ask on every scrape.
 */
export async function lastCompletedInventories(db: Db): Promise<{ fonds: string; finishedAt: Date | null }[]> {
  return db.$queryRaw<{ fonds: string; finishedAt: Date | null }[]>`
    SELECT f.code AS fonds, max(r.finished_at) AS "finishedAt"
    FROM fonds f LEFT JOIN inventory_run r ON r.fonds_id = f.id AND r.status = 'completed'
    GROUP BY f.code ORDER BY f.code`;
}
