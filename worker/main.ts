import { Runtime, makeTelemetryFilterString } from '@temporalio/worker';
import { loadConfigOrExit } from '../config';
import { createLogger } from '../api/logger';
import { createDb } from '../prisma/client';
import { createWorker } from './worker';
import { ensureStartUpSchedules } from './schedules';
import { retireItemLifecycleWorkflows } from './upgrade';
import { ensureRecognition } from './recognition';

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const log = createLogger(config.logLevel).child({ component: 'worker' });
  Runtime.install({
    telemetryOptions: {
      logging: { filter: makeTelemetryFilterString({ core: 'WARN' }) },
      // The SDK's own figures: activity and workflow task failures, schedule-to-start and execution latencies.
      ...(config.workerMetrics ? { metrics: { prometheus: { bindAddress: config.workerMetrics, countersTotalSuffix: true } } } : {}),
    },
  });
  const db = createDb(config.postgres.url);
  const worker = await createWorker(config, { db, log });
  await ensureStartUpSchedules(config, db, log);
  await ensureRecognition(worker.temporal, config, log);
  void retireItemLifecycleWorkflows({ temporal: worker.temporal, db, log }).catch((err: Error) =>
    log.error({ err }, 'retiring the older item lifecycle workflows failed; it is tried again at the next start'),
  );
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void worker.shutdown());
  log.info({ taskQueues: worker.workers.map((w) => w.options.taskQueue), namespace: config.temporal.namespace }, 'worker polling');
  await worker.run();
  await db.$disconnect();
  log.info('worker stopped');
}

main().catch((err: Error) => {
  console.error(`worker failed: ${err.stack ?? err.message}`);
  process.exit(1);
});
