import { z } from 'zod';
import { cronProblem } from '../domain/cron';
import { changeSchedule, findInventoryRun, inventoryView, scheduleView, startInventory } from '../use-cases/inventories';
import type { ApiContext } from './context';
import { badRequest } from './errors';
import { route, type Route } from './route';
import { RunView, ScheduleView } from './views/inventory';
import { fondsFor, requireInFonds } from './authorise';
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
        const fonds = await fondsFor(ctx, actor, body.fonds, 'inventory', req.id as string);
        const view = await startInventory(ctx, actor, fonds, body, req.id as string);
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
      async handle({ req, actor, params }) {
        const run = await findInventoryRun(ctx, params.id);
        await requireInFonds(ctx, actor, 'read', run.fondsId, `inventory_run:${params.id}`, req.id as string);
        return inventoryView(ctx, params.id);
      },
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
      async handle({ req, actor, params, body }) {
        const fonds = await fondsFor(ctx, actor, params.code, 'schedule_inventory', req.id as string);
        const problem = cronProblem(body.cron);
        if (problem) throw badRequest(`cron: ${problem}`, [{ field: 'cron', problem }]);
        return changeSchedule(ctx, actor, fonds, body, req.id as string);
      },
    }),
  ];
}
