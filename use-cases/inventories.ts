import { randomUUID } from 'node:crypto';
import type { Actor } from '../api/access';
import type { ApiContext } from '../api/context';
import { badRequest, conflict, notFound } from '../api/errors';
import { audit } from '../catalogue/audit';
import { chainCheckOfInventoryRun } from '../catalogue/audit-chain-checks';
import { inventoryRunOfFonds, runFindings, runningInventoryRun, shelfScansById } from '../catalogue/inventory-reports';
import { findingCounts, openInventoryRunRecord, withdrawInventoryRun } from '../catalogue/inventory-runs';
import { INVENTORY_WORKFLOW, inventoryQuery, inventoryWorkflowId, type InventoryWorkflow } from '../contracts/inventory';
import { inFonds } from '../contracts/search-attributes';
import type { InventoryOrder } from '../domain/inventory';
import { describeSchedule, ensureSchedule, inventoryScheduleId, inventoryScheduleOf, inventoryScheduleRequest } from '../worker/schedules';
import { startOrWithdraw } from './commit-point';
import { workflowRunning } from './updates';

const FINDINGS_SHOWN = 1000;

interface Fonds {
  id: string;
  code: string;
  agencyId: string;
}

export interface InventoryRequest {
  rehash: 'all' | 'sample';
  shelfScans: string[];
}

export interface ScheduleChange {
  cron: string;
  rehashCycle?: number;
  paused?: boolean;
}

async function rehashCycleOf(ctx: ApiContext, fondsCode: string): Promise<number> {
  const schedule = await describeSchedule(ctx.temporal, inventoryScheduleId(fondsCode));
  return schedule ? inventoryScheduleOf(schedule).rehashCycle : ctx.config.inventory.rehashCycle;
}

/** Opens a run of the fonds now and starts its inventory step, judging the shelves by closed shelf scans of its agency. */
export async function startInventory(ctx: ApiContext, actor: Actor, fonds: Fonds, request: InventoryRequest, requestId: string) {
  const scans = await shelfScansById(ctx.db, request.shelfScans);
  const unknown = request.shelfScans.filter((id) => !scans.some((s) => s.id === id && s.agencyId === fonds.agencyId));
  if (unknown.length)
    throw badRequest(`shelfScans: ${unknown.join(', ')} are not shelf scans of this agency`, [
      { field: 'shelfScans', problem: 'unknown shelf scan' },
    ]);
  const open = scans.filter((s) => s.closedAt === null);
  if (open.length)
    throw conflict(`shelf scan ${open.map((s) => s.id).join(', ')} is still open: close it before judging the shelves by it`);
  const running = await runningInventoryRun(ctx.db, fonds.id);
  if (running && (await workflowRunning(ctx.temporal, running.workflowId)))
    throw conflict(`inventory ${running.id} of fonds ${fonds.code} is still running`, { runId: running.id });

  const workflowId = inventoryWorkflowId(fonds.code, randomUUID());
  const order: InventoryOrder = {
    fonds: fonds.code,
    trigger: 'on_demand',
    requestedBy: actor.username,
    rehash: request.rehash,
    rehashCycle: await rehashCycleOf(ctx, fonds.code),
    shelfScanIds: request.shelfScans,
  };
  const runId = (await openInventoryRunRecord(ctx.db, workflowId, order))!;
  await startOrWithdraw<InventoryWorkflow>(
    ctx,
    INVENTORY_WORKFLOW,
    {
      workflowId,
      taskQueue: ctx.config.temporal.taskQueue,
      args: [{ runId }],
      typedSearchAttributes: inFonds(fonds.code),
    },
    () => withdrawInventoryRun(ctx.db, runId),
  );
  await audit(ctx.db, {
    actorId: actor.id,
    actor: actor.username,
    action: 'inventory.start',
    subject: `inventory_run:${runId}`,
    outcome: 'done',
    requestId,
    details: { fonds: fonds.code, rehash: request.rehash, shelfScans: request.shelfScans },
  });
  return inventoryView(ctx, runId);
}

/** The run, or a 404. */
export async function findInventoryRun(ctx: ApiContext, id: string) {
  const run = await inventoryRunOfFonds(ctx.db, id);
  if (!run) throw notFound(`inventory ${id}`);
  return run;
}

export async function inventoryView(ctx: ApiContext, id: string) {
  const run = await findInventoryRun(ctx, id);
  const findings = await runFindings(ctx.db, id, FINDINGS_SHOWN);
  const chainCheck = await chainCheckOfInventoryRun(ctx.db, id);
  const live =
    run.status === 'running'
      ? await ctx.temporal.workflow
          .getHandle(run.workflowId)
          .query(inventoryQuery)
          .catch(() => null)
      : null;
  return {
    id: run.id,
    fonds: run.fonds.code,
    sequence: run.sequence,
    workflowId: run.workflowId,
    trigger: run.trigger,
    requestedBy: run.requestedBy,
    status: run.status,
    stage: live?.stage ?? null,
    error: run.error,
    rehash: run.rehash,
    progress: {
      itemsTotal: run.itemsTotal,
      itemsChecked: run.itemsChecked,
      objectsChecked: run.objectsChecked,
      objectsRehashed: run.objectsRehashed,
      bytesRehashed: Number(run.bytesRehashed),
    },
    shelfScans: run.shelfScanIds,
    shelvesJudged: run.shelvesJudged,
    findingCount: run.findingCount,
    counts: await findingCounts(ctx.db, id),
    findings,
    auditChainCheck: chainCheck && {
      id: chainCheck.id,
      status: chainCheck.status,
      intact: chainCheck.intact,
      linksChecked: chainCheck.linksChecked,
      problemCount: chainCheck.problemCount,
    },
    startedAt: run.startedAt.toISOString(),
    finishedAt: run.finishedAt?.toISOString() ?? null,
  };
}

export async function scheduleView(ctx: ApiContext, fondsCode: string) {
  const description = await describeSchedule(ctx.temporal, inventoryScheduleId(fondsCode));
  if (!description)
    throw notFound(`the inventory schedule of fonds ${fondsCode} (the worker creates it when it starts; PUT creates it now)`);
  return {
    fonds: fondsCode,
    scheduleId: description.scheduleId,
    ...inventoryScheduleOf(description),
    overlap: description.policies.overlap,
    catchupWindowMs: description.policies.catchupWindow,
    nextRuns: description.info.nextActionTimes.slice(0, 5).map((d) => d.toISOString()),
    recentRuns: description.info.recentActions.map((a) => ({
      workflowId: a.action.workflow.workflowId,
      scheduledAt: a.scheduledAt.toISOString(),
      takenAt: a.takenAt.toISOString(),
    })),
  };
}

/** Sets the fonds' inventory schedule, audited; the re-hash cycle stays as it was when not given. */
export async function changeSchedule(ctx: ApiContext, actor: Actor, fonds: Fonds, change: ScheduleChange, requestId: string) {
  const rehashCycle = change.rehashCycle ?? (await rehashCycleOf(ctx, fonds.code));
  const outcome = await ensureSchedule(
    ctx.temporal,
    inventoryScheduleRequest(
      fonds.code,
      { taskQueue: ctx.config.temporal.taskQueue, timeZone: ctx.config.timeZone },
      { cron: change.cron, rehashCycle, paused: change.paused },
    ),
  );
  await audit(ctx.db, {
    actorId: actor.id,
    actor: actor.username,
    action: 'inventory_schedule.change',
    subject: `fonds:${fonds.code}`,
    outcome: 'done',
    requestId,
    details: { ...change, rehashCycle, outcome },
  });
  return scheduleView(ctx, fonds.code);
}
