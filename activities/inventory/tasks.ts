import { randomUUID } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/activity';
import type { Logger } from 'pino';
import type { FindingKind } from '../../domain/inventory';
import type { Db } from '../../prisma/client';
import { InventoryError, type InventoryReport } from '../../contracts/inventory';
import { reportOf } from './run';

const TASKS_PER_TRANSACTION = 500;

const TASK_TITLES: Record<FindingKind, string> = {
  object_missing: 'Stored page image missing (存储对象缺失)',
  size_mismatch: 'Stored page image has another size (存储对象大小不符)',
  digest_mismatch: 'Stored page image altered: its digest differs (摘要不符)',
  metadata_incomplete: 'Metadata incomplete (元数据不完整)',
  box_misplaced: 'Box on another shelf than recorded (档案盒错架)',
  box_not_on_shelf: 'Box not found on its shelf (档案盒不在架)',
  item_misplaced: 'Item in another box than recorded (档案错盒)',
  item_not_in_box: 'Item not found in its box (档案不在盒)',
  unknown_barcode: 'Unknown barcode on the shelves (未知条码)',
};

/** The end of a run: its findings become archivists' tasks (盘点结果 → 任务). */
export function createInventoryTasks({ db, log }: { db: Db; log: Logger }) {
  return {
    /**
     * Ends the run: each finding becomes an archivist's task (once: only findings without one), and the run is
     * completed; or, given the error that stopped it, failed.
     */
    async finishInventoryRun({ runId, error }: { runId: string; error?: string }): Promise<InventoryReport> {
      if (error !== undefined) {
        await db.inventoryRun.updateMany({
          where: { id: runId, status: 'running' },
          data: { status: 'failed', error, finishedAt: new Date() },
        });
        return reportOf(db, runId, 0);
      }
      const run = await db.inventoryRun.findUniqueOrThrow({ where: { id: runId } });
      let created = 0;
      for (;;) {
        const findings = await db.inventoryFinding.findMany({
          where: { runId, taskId: null },
          orderBy: { createdAt: 'asc' },
          take: TASKS_PER_TRANSACTION,
        });
        if (findings.length === 0) break;
        const subjects = await subjectsOf(findings);
        // A problem still open from an earlier run keeps its task: the archivist gets one task per problem, not one per run.
        const open = await db.archivistTask.findMany({
          where: {
            fondsId: run.fondsId,
            status: 'open',
            source: { startsWith: 'inventory_run:' },
            OR: findings.map((f) => ({ kind: f.kind, itemId: f.itemId, ...(f.itemId ? {} : { detail: f.detail }) })),
          },
        });
        const taskOf = new Map(open.map((t) => [problemKey(t), t.id]));
        const tasks: { id: string; fondsId: string; kind: string; itemId: string | null; source: string; title: string; detail: string }[] =
          [];
        for (const f of findings) {
          if (taskOf.has(problemKey(f))) continue;
          const task = {
            id: randomUUID(),
            fondsId: run.fondsId,
            kind: f.kind,
            itemId: f.itemId,
            source: `inventory_run:${runId}`,
            title: `${TASK_TITLES[f.kind]}: ${subjects.get(f.id) ?? ''}`.replace(/: $/, ''),
            detail: f.detail,
          };
          tasks.push(task);
          taskOf.set(problemKey(f), task.id);
        }
        await db.$transaction(async (tx) => {
          await tx.archivistTask.createMany({ data: tasks });
          const linked =
            await tx.$executeRaw`UPDATE inventory_finding SET task_id = v.task FROM unnest(${findings.map((f) => f.id)}::uuid[], ${findings.map((f) => taskOf.get(problemKey(f))!)}::uuid[]) AS v(id, task)
            WHERE inventory_finding.id = v.id AND inventory_finding.task_id IS NULL`;
          if (linked !== findings.length)
            throw ApplicationFailure.retryable(
              `findings of inventory run ${runId} were given tasks by another attempt`,
              InventoryError.TasksRaced,
            );
        });
        created += tasks.length;
      }
      const findingCount = await db.inventoryFinding.count({ where: { runId } });
      await db.inventoryRun.updateMany({
        where: { id: runId, status: 'running' },
        data: { status: 'completed', finishedAt: new Date(), findingCount },
      });
      const report = await reportOf(db, runId, created);
      log.info(
        { runId, fonds: run.fondsId, sequence: run.sequence, itemsChecked: report.itemsChecked, counts: report.counts },
        'inventory finished',
      );
      return report;
    },
  };

  /** What each finding is about, in the archive's words: the item's code and page, or the box's barcode. */
  async function subjectsOf(
    findings: { id: string; itemId: string | null; pageId: string | null; boxId: string | null; detail: string }[],
  ): Promise<Map<string, string>> {
    const items = await db.item.findMany({
      where: { id: { in: findings.flatMap((f) => (f.itemId ? [f.itemId] : [])) } },
      select: { id: true, archivalCode: true, caseNumber: true },
    });
    const pages = await db.page.findMany({
      where: { id: { in: findings.flatMap((f) => (f.pageId ? [f.pageId] : [])) } },
      select: { id: true, pageNumber: true },
    });
    const boxes = await db.box.findMany({
      where: { id: { in: findings.flatMap((f) => (f.boxId ? [f.boxId] : [])) } },
      select: { id: true, barcode: true },
    });
    const code = new Map(items.map((i) => [i.id, i.archivalCode ?? `case ${i.caseNumber}`]));
    const pageNumber = new Map(pages.map((p) => [p.id, p.pageNumber]));
    const boxCode = new Map(boxes.map((b) => [b.id, b.barcode]));
    return new Map(
      findings.map((f) => {
        if (f.itemId) return [f.id, `${code.get(f.itemId) ?? f.itemId}${f.pageId ? ` page ${pageNumber.get(f.pageId) ?? '?'}` : ''}`];
        if (f.boxId) return [f.id, boxCode.get(f.boxId) ?? f.boxId];
        return [f.id, /"(.*?)"/.exec(f.detail)?.[1] ?? ''];
      }),
    );
  }
}

/** One problem, as a task tracks it: the kind and the item, or for a box or a stray barcode the kind and what was found. */
function problemKey(p: { kind: string; itemId: string | null; detail: string }): string {
  return p.itemId ? `${p.kind}/${p.itemId}` : `${p.kind}//${p.detail}`;
}
