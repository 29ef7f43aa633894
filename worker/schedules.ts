import {
  Client,
  Connection,
  ScheduleAlreadyRunning,
  ScheduleNotFoundError,
  ScheduleOverlapPolicy,
  type ScheduleDescription,
} from '@temporalio/client';
import type { Logger } from 'pino';
import type { Config } from '../config';
import { temporalConnectionOptions } from '../config/temporal';
import type { InventoryOrder } from '../domain/inventory';
import { everyFonds } from '../catalogue/fonds';
import type { Db } from '../prisma/client';
import { APPRAISAL_WORKFLOW, type AppraisalInput } from '../contracts/appraisal';
import { INVENTORY_WORKFLOW } from '../contracts/inventory';
import { SEAL_CHAIN_CRON, SEAL_CHAIN_SCHEDULE_ID, SEAL_CHAIN_WORKFLOW } from '../contracts/audit-chain';

export interface ScheduleRequest {
  scheduleId: string;
  /** Five-field cron, read in `timeZone`. */
  cron: string;
  /** IANA time zone the cron is read in (the agency's, LANTAI_TIME_ZONE), so 02:00 is 02:00 at the agency. */
  timeZone: string;
  workflowType: string;
  args: unknown[];
  taskQueue: string;
  /** Each workflow started gets this id followed by the time it was scheduled for; the schedule id when absent. */
  workflowId?: string;
  /** Set when the schedule is created (Temporal keeps a schedule's memo as created). */
  memo?: Record<string, unknown>;
  /** Pause or resume it, with a note why; left as it is when absent. */
  paused?: boolean;
  note?: string;
}

// Overlap SKIP: a run still going when the next falls due (a large fonds, a slow store) is not joined by a second
// one doing the same work; the next simply comes at its time. Catch-up one day: after an outage the missed run is
// still taken the same day, but a long outage does not release a backlog of runs at once.
export const SCHEDULE_POLICIES = { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 day' } as const;
export const CATCHUP_WINDOW_MS = 86_400_000;

/**
 * Makes the schedule exist as asked: created when missing, updated when its cron, action, policies or (if given)
 * pause state differ, otherwise left alone. The cron text rides along as the spec's comment, because Temporal keeps
 * a cron only as the calendar it compiles to.
 */
export async function ensureSchedule(client: Client, request: ScheduleRequest): Promise<'created' | 'updated' | 'unchanged'> {
  const handle = client.schedule.getHandle(request.scheduleId);
  const spec = { cronExpressions: [`${request.cron} # ${request.cron}`], timezone: request.timeZone };
  const action = {
    type: 'startWorkflow' as const,
    workflowType: request.workflowType,
    workflowId: request.workflowId ?? request.scheduleId,
    taskQueue: request.taskQueue,
    args: request.args,
  };
  const current = await describeSchedule(client, request.scheduleId);
  if (!current) {
    try {
      await client.schedule.create({
        scheduleId: request.scheduleId,
        spec,
        action,
        policies: SCHEDULE_POLICIES,
        memo: request.memo,
        state: { paused: request.paused ?? false, note: request.note },
      });
      return 'created';
    } catch (err) {
      // Another process created it in between: make that one match instead.
      if (err instanceof ScheduleAlreadyRunning) return ensureSchedule(client, request);
      throw err;
    }
  }
  if (matches(current, request, action)) return 'unchanged';
  await handle.update((previous) => ({
    ...previous,
    spec,
    action,
    policies: SCHEDULE_POLICIES,
    state:
      request.paused === undefined
        ? { paused: previous.state.paused, note: previous.state.note }
        : { paused: request.paused, note: request.note },
  }));
  return 'updated';
}

export async function describeSchedule(client: Client, scheduleId: string): Promise<ScheduleDescription | undefined> {
  try {
    return await client.schedule.getHandle(scheduleId).describe();
  } catch (err) {
    if (err instanceof ScheduleNotFoundError) return undefined;
    throw err;
  }
}

/** The cron a schedule was given, as ensureSchedule recorded it. */
export function cronOf(description: ScheduleDescription): string | undefined {
  return description.spec.calendars?.[0]?.comment || undefined;
}

function matches(
  current: ScheduleDescription,
  request: ScheduleRequest,
  action: { workflowType: string; workflowId: string; taskQueue: string; args: unknown[] },
): boolean {
  return (
    cronOf(current) === request.cron &&
    (current.spec.timezone ?? 'UTC') === request.timeZone &&
    (current.spec.calendars?.length ?? 0) === 1 &&
    current.action.workflowType === action.workflowType &&
    current.action.workflowId === action.workflowId &&
    current.action.taskQueue === action.taskQueue &&
    JSON.stringify(current.action.args) === JSON.stringify(action.args) &&
    current.policies.overlap === SCHEDULE_POLICIES.overlap &&
    current.policies.catchupWindow === CATCHUP_WINDOW_MS &&
    (request.paused === undefined || current.state.paused === request.paused)
  );
}

export const inventoryScheduleId = (fondsCode: string) => `inventory-${fondsCode}`;

export interface InventorySchedule {
  cron: string;
  rehashCycle: number;
  paused?: boolean;
}

/** The schedule request of one fonds' periodic inventory (定期盘点). */
export function inventoryScheduleRequest(
  fondsCode: string,
  { taskQueue, timeZone }: { taskQueue: string; timeZone: string },
  schedule: InventorySchedule,
): ScheduleRequest {
  const order: InventoryOrder = {
    fonds: fondsCode,
    trigger: 'schedule',
    requestedBy: 'schedule',
    rehash: 'sample',
    rehashCycle: schedule.rehashCycle,
  };
  return {
    scheduleId: inventoryScheduleId(fondsCode),
    cron: schedule.cron,
    timeZone,
    workflowType: INVENTORY_WORKFLOW,
    args: [order],
    taskQueue,
    paused: schedule.paused,
    note: schedule.paused === undefined ? undefined : `${schedule.paused ? 'paused' : 'resumed'} by the archive manager`,
  };
}

/** The inventory settings a fonds' schedule holds. */
export function inventoryScheduleOf(description: ScheduleDescription): InventorySchedule & { paused: boolean } {
  const order = description.action.args?.[0] as Partial<InventoryOrder> | undefined;
  return { cron: cronOf(description) ?? '', rehashCycle: order?.rehashCycle ?? 1, paused: description.state.paused };
}

/**
 * Every fonds has its inventory schedule. A new fonds gets the installation's defaults (LANTAI_INVENTORY_CRON,
 * LANTAI_INVENTORY_REHASH_CYCLE); an existing schedule keeps the cron and cycle its archive manager chose, and is
 * only brought to this installation's task queue and policies.
 */
export async function ensureInventorySchedules(client: Client, db: Db, config: Config): Promise<Record<string, string>> {
  const outcomes: Record<string, string> = {};
  for (const fonds of await everyFonds(db)) {
    const current = await describeSchedule(client, inventoryScheduleId(fonds.code));
    const chosen = current ? inventoryScheduleOf(current) : undefined;
    const settings = { cron: chosen?.cron || config.inventory.cron, rehashCycle: chosen?.rehashCycle ?? config.inventory.rehashCycle };
    outcomes[fonds.code] = await ensureSchedule(
      client,
      inventoryScheduleRequest(fonds.code, { taskQueue: config.temporal.taskQueue, timeZone: config.timeZone }, settings),
    );
  }
  return outcomes;
}

export const appraisalScheduleId = (fondsCode: string) => `appraisal-${fondsCode}`;

/**
 * Every fonds opens an appraisal batch (鉴定) once a year (LANTAI_APPRAISAL_CRON), under the installation's outcome
 * rule; the committee is the fonds' appraisal members when the batch opens.
 */
export async function ensureAppraisalSchedules(client: Client, db: Db, config: Config): Promise<Record<string, string>> {
  const outcomes: Record<string, string> = {};
  for (const fonds of await everyFonds(db)) {
    const input: AppraisalInput = { fondsCode: fonds.code, rule: config.appraisal.rule, openedBy: 'schedule' };
    outcomes[fonds.code] = await ensureSchedule(client, {
      scheduleId: appraisalScheduleId(fonds.code),
      cron: config.appraisal.cron,
      timeZone: config.timeZone,
      workflowType: APPRAISAL_WORKFLOW,
      args: [input],
      taskQueue: config.temporal.taskQueue,
    });
  }
  return outcomes;
}

/** 审计链: the audit trail and the lifecycle history are sealed every minute. */
export async function ensureAuditChainSchedule(client: Client, config: Config): Promise<string> {
  return ensureSchedule(client, {
    scheduleId: SEAL_CHAIN_SCHEDULE_ID,
    cron: SEAL_CHAIN_CRON,
    timeZone: config.timeZone,
    workflowType: SEAL_CHAIN_WORKFLOW,
    args: [],
    taskQueue: config.temporal.taskQueue,
  });
}

/** The schedules of an installation, made sure of once when the worker starts. */
export async function ensureStartUpSchedules(config: Config, db: Db, log: Logger): Promise<void> {
  const connection = await Connection.connect(temporalConnectionOptions(config.temporal));
  try {
    const client = new Client({ connection, namespace: config.temporal.namespace });
    log.info(
      {
        inventory: await ensureInventorySchedules(client, db, config),
        appraisal: await ensureAppraisalSchedules(client, db, config),
        auditChain: await ensureAuditChainSchedule(client, config),
      },
      'schedules in place',
    );
  } finally {
    await connection.close();
  }
}
