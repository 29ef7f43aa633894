import { temporal } from '@temporalio/proto';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { lastCompletedInventories } from '../catalogue/inventory-reports';
import { countsOfEveryFonds } from '../catalogue/lifecycle-counts';
import { storedBytesByBucket } from '../catalogue/pages';
import { openTaskCounts } from '../catalogue/tasks';
import type { ApiContext } from '../api/context';
import { health } from './status';

/** What people are waiting to do, as steps mirror it into LantaiWaitingOn. */
const WAITING_ON = ['initial_review', 'operator', 'quality_decision', 'sampling_review', 'destruction_approval'] as const;
const QUEUE_TYPES = {
  workflow: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
  activity: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY,
} as const;
// A figure that does not come within this is left out of the scrape rather than holding it up.
const COLLECT_TIMEOUT_MS = 3000;

function within<T>(work: Promise<T>): Promise<T> {
  return Promise.race([
    work,
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no answer within ${COLLECT_TIMEOUT_MS} ms`)), COLLECT_TIMEOUT_MS)),
  ]);
}

export type Metrics = ReturnType<typeof createMetrics>;

/**
 * The API's Prometheus metrics, in a registry of its own: its HTTP requests as they are served, and, at each scrape,
 * what /health sees of each dependency, the catalogue's kept lifecycle counts (never a count over the item table),
 * the step workflows waiting on people, the worker's task queue (pollers and backlog) and each fonds' last inventory.
 * A figure whose source is down is left out of that scrape; `lantai_dependency_up` says which is down.
 */
export function createMetrics(ctx: ApiContext) {
  const registers = [new Registry()];
  const [registry] = registers as [Registry];
  collectDefaultMetrics({ register: registry });
  const requests = new Counter({
    name: 'lantai_http_requests_total',
    help: 'HTTP requests answered, by method, route template and status',
    labelNames: ['method', 'route', 'status'],
    registers,
  });
  const serverErrors = new Counter({
    name: 'lantai_http_server_errors_total',
    help: 'HTTP requests answered with a 5xx status, by method and route template',
    labelNames: ['method', 'route', 'status'],
    registers,
  });
  const duration = new Histogram({
    name: 'lantai_http_request_duration_seconds',
    help: 'Time to answer an HTTP request, by method and route template',
    labelNames: ['method', 'route'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers,
  });

  new Gauge({
    name: 'lantai_dependency_up',
    help: 'Whether a dependency answers as /health checks it (1) or not (0): postgres, temporal, objectStore',
    labelNames: ['dependency'],
    registers,
    async collect() {
      const { checks } = await health(ctx);
      for (const [dependency, check] of Object.entries(checks)) this.set({ dependency }, check.ok ? 1 : 0);
    },
  });
  new Gauge({
    name: 'lantai_items',
    help: 'Items by fonds and lifecycle state, from the counts the catalogue keeps as items move',
    labelNames: ['fonds', 'state'],
    registers,
    async collect() {
      this.reset();
      const counts = await within(countsOfEveryFonds(ctx.db)).catch(() => []);
      for (const f of counts) for (const [state, n] of Object.entries(f.byState)) this.set({ fonds: f.code, state }, n);
    },
  });
  new Gauge({
    name: 'lantai_inventory_last_completed_timestamp_seconds',
    help: "When each fonds' last inventory completed (Unix time; 0 when none has)",
    labelNames: ['fonds'],
    registers,
    async collect() {
      this.reset();
      const runs = await within(lastCompletedInventories(ctx.db)).catch(() => []);
      for (const r of runs) this.set({ fonds: r.fonds }, r.finishedAt ? r.finishedAt.getTime() / 1000 : 0);
    },
  });
  new Gauge({
    name: 'lantai_workflows_waiting_on_people',
    help: 'Running step workflows waiting on a person, by what they wait for (LantaiWaitingOn)',
    labelNames: ['on'],
    registers,
    async collect() {
      this.reset();
      await Promise.all(
        WAITING_ON.map(async (on) => {
          const query = `ExecutionStatus = 'Running' AND LantaiWaitingOn = '${on}'`;
          const counted = await within(ctx.temporal.workflow.count(query)).catch(() => undefined);
          if (counted) this.set({ on }, counted.count);
        }),
      );
    },
  });
  new Gauge({
    name: 'lantai_workflows_ended_unfinished',
    help: 'Step workflows that failed, timed out or were terminated in the last 24 hours, by how they ended',
    labelNames: ['status'],
    registers,
    async collect() {
      this.reset();
      const since = new Date(Date.now() - 86_400_000).toISOString();
      await Promise.all(
        ['Failed', 'TimedOut', 'Terminated'].map(async (status) => {
          const counted = await within(ctx.temporal.workflow.count(`ExecutionStatus = '${status}' AND CloseTime > '${since}'`)).catch(
            () => undefined,
          );
          if (counted) this.set({ status }, counted.count);
        }),
      );
    },
  });
  new Gauge({
    name: 'lantai_open_tasks',
    help: "Archivists' open tasks by fonds and kind: inventory findings, approval_overdue, destruction_failed, …",
    labelNames: ['fonds', 'kind'],
    registers,
    async collect() {
      this.reset();
      const counts = await within(openTaskCounts(ctx.db)).catch(() => []);
      for (const c of counts) this.set({ fonds: c.fonds, kind: c.kind }, c.n);
    },
  });
  // Storage used is a scan of every page row: taken at most every ten minutes, and the last figure served between.
  let stored: { at: number; figures: Promise<{ bucket: string; bytes: number }[]> } | undefined;
  new Gauge({
    name: 'lantai_storage_bytes',
    help: 'Bytes of the page versions the catalogue records as stored, by bucket (refreshed every 10 minutes)',
    labelNames: ['bucket'],
    registers,
    async collect() {
      if (!stored || Date.now() - stored.at > 600_000) {
        const figures = storedBytesByBucket(ctx.db);
        stored = { at: Date.now(), figures };
        figures.catch(() => (stored = undefined));
      }
      const figures = await within(stored.figures).catch(() => undefined);
      if (!figures) return;
      this.reset();
      for (const f of figures) this.set({ bucket: f.bucket }, f.bytes);
    },
  });
  const taskQueue = ctx.config.temporal.taskQueue;
  const describeQueue = (type: keyof typeof QUEUE_TYPES) =>
    within(
      ctx.temporal.workflowService.describeTaskQueue({
        namespace: ctx.config.temporal.namespace,
        taskQueue: { name: taskQueue, kind: temporal.api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
        taskQueueType: QUEUE_TYPES[type],
        reportStats: true,
      }),
    ).catch(() => undefined);
  const described = new Map<string, ReturnType<typeof describeQueue>>();
  // Pollers and backlog come from one describe call per queue type; the two gauges of a scrape share it.
  const describeOnce = (type: keyof typeof QUEUE_TYPES) => {
    let call = described.get(type);
    if (!call) {
      call = describeQueue(type);
      described.set(type, call);
      void call.finally(() => setTimeout(() => described.delete(type), 1000));
    }
    return call;
  };
  new Gauge({
    name: 'lantai_task_queue_pollers',
    help: "Workers polling Lantai's task queue in the last minutes, by queue and task type (workflow, activity)",
    labelNames: ['task_queue', 'type'],
    registers,
    async collect() {
      this.reset();
      for (const type of Object.keys(QUEUE_TYPES) as (keyof typeof QUEUE_TYPES)[]) {
        const d = await describeOnce(type);
        if (d) this.set({ task_queue: taskQueue, type }, d.pollers?.length ?? 0);
      }
    },
  });
  new Gauge({
    name: 'lantai_task_queue_backlog',
    help: "Tasks waiting for a worker on Lantai's task queue (Temporal's approximate backlog), by task type",
    labelNames: ['task_queue', 'type'],
    registers,
    async collect() {
      this.reset();
      for (const type of Object.keys(QUEUE_TYPES) as (keyof typeof QUEUE_TYPES)[]) {
        const backlog = (await describeOnce(type))?.stats?.approximateBacklogCount;
        if (backlog !== undefined && backlog !== null) this.set({ task_queue: taskQueue, type }, Number(backlog));
      }
    },
  });

  return {
    registry,
    /** Records one answered request under its route template (never the raw path, which would name every item). */
    observe(method: string, route: string, status: number, seconds: number): void {
      requests.inc({ method, route, status: String(status) });
      duration.observe({ method, route }, seconds);
      if (status >= 500) serverErrors.inc({ method, route, status: String(status) });
    },
  };
}
