import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { FindingKind } from '../../domain/inventory';
import type { Db } from '../../prisma/client';
import type { InventoryReport } from '../../contracts/inventory';
import { completeInventoryRun, failInventoryRun, inventoryRun, reportOf } from '../../catalogue/inventory-runs';
import {
  createFindingTasks,
  findingsWithoutTask,
  findingSubjects,
  openInventoryTasks,
  type FindingTask,
} from '../../catalogue/inventory-tasks';

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
  audit_chain_broken: 'Audit chain broken (审计链断裂)',
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
        await failInventoryRun(db, runId, error);
        return reportOf(db, runId, 0);
      }
      const run = (await inventoryRun(db, runId))!;
      let created = 0;
      for (;;) {
        const findings = await findingsWithoutTask(db, runId, TASKS_PER_TRANSACTION);
        if (findings.length === 0) break;
        const subjects = await findingSubjects(db, findings);
        // A problem still open from an earlier run keeps its task: the archivist gets one task per problem, not one per run.
        const open = await openInventoryTasks(db, run.fondsId, findings);
        const taskOf = new Map(open.map((t) => [problemKey(t), t.id]));
        const tasks: FindingTask[] = [];
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
        await createFindingTasks(
          db,
          runId,
          tasks,
          findings.map((f) => ({ findingId: f.id, taskId: taskOf.get(problemKey(f))! })),
        );
        created += tasks.length;
      }
      await completeInventoryRun(db, runId);
      const report = await reportOf(db, runId, created);
      log.info(
        { runId, fonds: run.fondsId, sequence: run.sequence, itemsChecked: report.itemsChecked, counts: report.counts },
        'inventory finished',
      );
      return report;
    },
  };
}

/** One problem, as a task tracks it: the kind and the item, or for a box or a stray barcode the kind and what was found. */
function problemKey(p: { kind: string; itemId: string | null; detail: string }): string {
  return p.itemId ? `${p.kind}/${p.itemId}` : `${p.kind}//${p.detail}`;
}
