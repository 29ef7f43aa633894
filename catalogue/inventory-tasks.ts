import { InventoryError } from '../contracts/inventory';
import type { FindingKind } from '../domain/inventory';
import type { Db } from '../prisma/client';

export interface FindingTask {
  id: string;
  fondsId: string;
  kind: string;
  itemId: string | null;
  source: string;
  title: string;
  detail: string;
}

/** Up to `limit` of the run's findings that have no task yet, oldest first. */
export async function findingsWithoutTask(db: Db, runId: string, limit: number) {
  return db.inventoryFinding.findMany({ where: { runId, taskId: null }, orderBy: { createdAt: 'asc' }, take: limit });
}

/**
 * The open tasks from inventories about any of these problems (an item's, or for a box or stray barcode, its detail):
 * the fonds' own, and for a break in the 审计链, which is the installation's and not a fonds', any fonds' task.
 */
export async function openInventoryTasks(
  db: Db,
  fondsId: string,
  problems: { kind: FindingKind; itemId: string | null; detail: string }[],
) {
  return db.archivistTask.findMany({
    where: {
      status: 'open',
      source: { startsWith: 'inventory_run:' },
      OR: problems.map((f) => ({
        kind: f.kind,
        itemId: f.itemId,
        ...(f.itemId ? {} : { detail: f.detail }),
        ...(f.kind === 'audit_chain_broken' ? {} : { fondsId }),
      })),
    },
  });
}

/**
 * Creates the tasks and links each finding to its task, together. Another attempt that linked any of the findings
 * first makes it fail, named InventoryTasksRaced (retryable), with nothing written.
 */
export async function createFindingTasks(db: Db, runId: string, tasks: FindingTask[], links: { findingId: string; taskId: string }[]) {
  await db.$transaction(async (tx) => {
    await tx.archivistTask.createMany({ data: tasks });
    const linked =
      await tx.$executeRaw`UPDATE inventory_finding SET task_id = v.task FROM unnest(${links.map((l) => l.findingId)}::uuid[], ${links.map((l) => l.taskId)}::uuid[]) AS v(id, task)
      WHERE inventory_finding.id = v.id AND inventory_finding.task_id IS NULL`;
    if (linked !== links.length)
      throw Object.assign(new Error(`findings of inventory run ${runId} were given tasks by another attempt`), {
        name: InventoryError.TasksRaced,
      });
  });
}

/** What each finding is about, in the archive's words: the item's code and page, or the box's barcode. */
export async function findingSubjects(
  db: Db,
  findings: { id: string; kind: FindingKind; itemId: string | null; pageId: string | null; boxId: string | null; detail: string }[],
): Promise<Map<string, string>> {
  const { items, pages, boxes } = await namedByFindings(db, findings);
  const code = new Map(items.map((i) => [i.id, i.archivalCode ?? `case ${i.caseNumber}`]));
  const pageNumber = new Map(pages.map((p) => [p.id, p.pageNumber]));
  const boxCode = new Map(boxes.map((b) => [b.id, b.barcode]));
  return new Map(
    findings.map((f) => {
      if (f.itemId) return [f.id, `${code.get(f.itemId) ?? f.itemId}${f.pageId ? ` page ${pageNumber.get(f.pageId) ?? '?'}` : ''}`];
      if (f.boxId) return [f.id, boxCode.get(f.boxId) ?? f.boxId];
      // The broken entry, as the finding's detail names it first.
      if (f.kind === 'audit_chain_broken') return [f.id, f.detail.split(':')[0]!];
      return [f.id, /"(.*?)"/.exec(f.detail)?.[1] ?? ''];
    }),
  );
}

/** The items (code, case number), pages (number) and boxes (barcode) a list of findings names, three queries in all. */
export async function namedByFindings(db: Db, findings: { itemId: string | null; pageId: string | null; boxId: string | null }[]) {
  const ids = (pick: (f: (typeof findings)[number]) => string | null) => findings.flatMap((f) => pick(f) ?? []);
  const [items, pages, boxes] = await Promise.all([
    db.item.findMany({ where: { id: { in: ids((f) => f.itemId) } }, select: { id: true, archivalCode: true, caseNumber: true } }),
    db.page.findMany({ where: { id: { in: ids((f) => f.pageId) } }, select: { id: true, pageNumber: true } }),
    db.box.findMany({ where: { id: { in: ids((f) => f.boxId) } }, select: { id: true, barcode: true } }),
  ]);
  return { items, pages, boxes };
}
