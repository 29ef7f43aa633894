import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { findingCounts, openInventoryRunRecord } from '../catalogue/inventory-runs';
import { cronProblem } from '../domain/cron';
import type { InventoryOrder, RehashPlan } from '../domain/inventory';
import { describeSchedule, ensureSchedule, inventoryScheduleId, inventoryScheduleOf, inventoryScheduleRequest } from '../worker/schedules';
import { INVENTORY_WORKFLOW, inventoryQuery, inventoryWorkflowId, type InventoryWorkflow } from '../contracts/inventory';
import type { Actor } from './access';
import { audit } from '../catalogue/audit';
import type { ApiContext } from './context';
import { badRequest, conflict, notFound } from './errors';
import { route, type Route } from './route';
import { inFonds } from '../contracts/search-attributes';
import { fondsFor, requireInFonds } from './authorise';

const FINDINGS_SHOWN = 1000;

const InventoryRequest = z.object({
  fonds: z.string().min(1),
  rehash: z
    .enum(['all', 'sample'])
    .default('sample')
    .describe("'all' re-hashes every stored object; 'sample' the share due in the fonds' re-hash cycle"),
  shelfScans: z.array(z.uuid()).max(100).default([]).describe('closed shelf-scan sessions to judge the paper holdings by'),
});

const ScheduleChange = z.object({
  cron: z.string().trim().min(1).max(100).describe('five-field cron in UTC, e.g. "0 2 * * 0" for Sundays at 02:00'),
  rehashCycle: z
    .number()
    .int()
    .min(1)
    .max(520)
    .optional()
    .describe('every stored object is re-hashed once in this many runs; 1 = every run'),
  paused: z.boolean().optional(),
});

async function rehashCycleOf(ctx: ApiContext, fondsCode: string): Promise<number> {
  const schedule = await describeSchedule(ctx.temporal, inventoryScheduleId(fondsCode));
  return schedule ? inventoryScheduleOf(schedule).rehashCycle : ctx.config.inventory.rehashCycle;
}

async function startInventory(ctx: ApiContext, actor: Actor, request: z.infer<typeof InventoryRequest>, requestId: string) {
  const fonds = await fondsFor(ctx, actor, request.fonds, 'inventory', requestId);
  const scans = await ctx.db.shelfScan.findMany({ where: { id: { in: request.shelfScans } } });
  const unknown = request.shelfScans.filter((id) => !scans.some((s) => s.id === id && s.agencyId === fonds.agencyId));
  if (unknown.length)
    throw badRequest(`shelfScans: ${unknown.join(', ')} are not shelf scans of this agency`, [
      { field: 'shelfScans', problem: 'unknown shelf scan' },
    ]);
  const open = scans.filter((s) => s.closedAt === null);
  if (open.length)
    throw conflict(`shelf scan ${open.map((s) => s.id).join(', ')} is still open: close it before judging the shelves by it`);
  const running = await ctx.db.inventoryRun.findFirst({ where: { fondsId: fonds.id, status: 'running' }, orderBy: { sequence: 'desc' } });
  if (running && (await workflowRunning(ctx, running.workflowId)))
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
  await ctx.temporal.workflow.start<InventoryWorkflow>(INVENTORY_WORKFLOW, {
    workflowId,
    taskQueue: ctx.config.temporal.taskQueue,
    args: [{ runId }],
    typedSearchAttributes: inFonds(fonds.code),
  });
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

async function workflowRunning(ctx: ApiContext, workflowId: string): Promise<boolean> {
  try {
    return (await ctx.temporal.workflow.getHandle(workflowId).describe()).status.name === 'RUNNING';
  } catch (err) {
    if ((err as Error).name === 'WorkflowNotFoundError') return false;
    throw err;
  }
}

export async function inventoryView(ctx: ApiContext, id: string, actor?: Actor, requestId = '') {
  const run = await ctx.db.inventoryRun.findUnique({ where: { id }, include: { fonds: { select: { code: true } } } });
  if (!run) throw notFound(`inventory ${id}`);
  if (actor) await requireInFonds(ctx, actor, 'read', run.fondsId, `inventory_run:${id}`, requestId);
  const findings = await ctx.db.inventoryFinding.findMany({
    where: { runId: id },
    orderBy: [{ kind: 'asc' }, { createdAt: 'asc' }, { id: 'asc' }],
    take: FINDINGS_SHOWN,
  });
  const items = await ctx.db.item.findMany({
    where: { id: { in: findings.flatMap((f) => (f.itemId ? [f.itemId] : [])) } },
    select: { id: true, archivalCode: true },
  });
  const pages = await ctx.db.page.findMany({
    where: { id: { in: findings.flatMap((f) => (f.pageId ? [f.pageId] : [])) } },
    select: { id: true, pageNumber: true },
  });
  const boxes = await ctx.db.box.findMany({
    where: { id: { in: findings.flatMap((f) => (f.boxId ? [f.boxId] : [])) } },
    select: { id: true, barcode: true },
  });
  const tasks = await ctx.db.archivistTask.findMany({
    where: { id: { in: findings.flatMap((f) => (f.taskId ? [f.taskId] : [])) } },
    select: { id: true, status: true },
  });
  const codeOf = new Map(items.map((i) => [i.id, i.archivalCode]));
  const pageOf = new Map(pages.map((p) => [p.id, p.pageNumber]));
  const boxOf = new Map(boxes.map((b) => [b.id, b.barcode]));
  const taskOf = new Map(tasks.map((t) => [t.id, t.status]));
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
    rehash: run.rehash as unknown as RehashPlan,
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
    findings: findings.map((f) => ({
      id: f.id,
      kind: f.kind,
      itemId: f.itemId,
      archivalCode: f.itemId ? (codeOf.get(f.itemId) ?? null) : null,
      pageNumber: f.pageId ? (pageOf.get(f.pageId) ?? null) : null,
      box: f.boxId ? (boxOf.get(f.boxId) ?? null) : null,
      detail: f.detail,
      taskId: f.taskId,
      taskStatus: f.taskId ? (taskOf.get(f.taskId) ?? null) : null,
    })),
    startedAt: run.startedAt.toISOString(),
    finishedAt: run.finishedAt?.toISOString() ?? null,
  };
}

async function scheduleView(ctx: ApiContext, fondsCode: string) {
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

async function changeSchedule(ctx: ApiContext, actor: Actor, code: string, change: z.infer<typeof ScheduleChange>, requestId: string) {
  const fonds = await fondsFor(ctx, actor, code, 'schedule_inventory', requestId);
  const problem = cronProblem(change.cron);
  if (problem) throw badRequest(`cron: ${problem}`, [{ field: 'cron', problem }]);
  const rehashCycle = change.rehashCycle ?? (await rehashCycleOf(ctx, fonds.code));
  const outcome = await ensureSchedule(
    ctx.temporal,
    inventoryScheduleRequest(fonds.code, ctx.config.temporal.taskQueue, { cron: change.cron, rehashCycle, paused: change.paused }),
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

const RunView = z
  .object({
    id: z.string(),
    fonds: z.string(),
    status: z.enum(['running', 'completed', 'failed']),
    counts: z.record(z.string(), z.number()),
    findings: z.array(z.object({ kind: z.string(), detail: z.string() }).loose()),
  })
  .loose();
const ScheduleView = z
  .object({
    fonds: z.string(),
    scheduleId: z.string(),
    cron: z.string(),
    rehashCycle: z.number(),
    paused: z.boolean(),
    overlap: z.string().optional(),
    catchupWindowMs: z.number(),
    nextRuns: z.array(z.string()),
  })
  .loose();

export function inventoryRoutes(ctx: ApiContext): Route[] {
  const codeParam = z.object({ code: z.string().min(1).max(8) });
  return [
    route({
      method: 'post',
      path: '/inventories',
      tag: 'inventory',
      auth: true,
      summary:
        'Run an inventory (盘点) of a fonds now: stored objects, digests (all, or the share due), metadata, and the shelves by the given shelf scans',
      body: InventoryRequest,
      errors: [409],
      response: { status: 202, description: 'Inventory started; its progress', schema: RunView },
      async handle({ req, res, actor, body }) {
        const view = await startInventory(ctx, actor, body, req.id as string);
        res.status(202).json(view);
        return view;
      },
    }),
    route({
      method: 'get',
      path: '/inventories/:id',
      tag: 'inventory',
      auth: true,
      summary: "An inventory's report: progress, counts per kind of finding, and each finding with its item and archivist's task",
      params: z.object({ id: z.uuid() }),
      errors: [404],
      response: { status: 200, description: 'The inventory', schema: RunView },
      handle: ({ req, actor, params }) => inventoryView(ctx, params.id, actor, req.id as string),
    }),
    route({
      method: 'get',
      path: '/fonds/:code/inventory-schedule',
      tag: 'inventory',
      auth: true,
      summary: "The fonds' inventory schedule: cron (UTC), re-hash cycle, paused, next and recent runs",
      params: codeParam,
      errors: [404],
      response: { status: 200, description: 'The schedule', schema: ScheduleView },
      async handle({ req, actor, params }) {
        const fonds = await fondsFor(ctx, actor, params.code, 'inventory', req.id as string);
        return scheduleView(ctx, fonds.code);
      },
    }),
    route({
      method: 'put',
      path: '/fonds/:code/inventory-schedule',
      tag: 'inventory',
      auth: true,
      summary:
        "Set the fonds' inventory schedule (archive manager): cron, re-hash cycle, paused; a run still going when the next is due is not overlapped, and a run missed by an outage is caught up within a day",
      params: codeParam,
      body: ScheduleChange,
      response: { status: 200, description: 'The schedule as it now is', schema: ScheduleView },
      handle: ({ req, actor, params, body }) => changeSchedule(ctx, actor, params.code, body, req.id as string),
    }),
  ];
}
