import { NativeConnection, Worker } from '@temporalio/worker';
import type { Config } from '../config';
import { temporalConnectionOptions } from '../config/temporal';
import { createActivities, type ActivityDeps } from '../activities';
import { WORKFLOW_BUNDLE_PATH } from './build-bundle';

export interface LantaiWorker {
  worker: Worker;
  run(): Promise<void>;
  shutdown(): Promise<void>;
}

/** A worker on Lantai's task queue with the prebuilt workflow bundle and activities built from their dependencies. */
export async function createWorker(
  config: Config,
  deps: ActivityDeps,
  { taskQueue = config.temporal.taskQueue, bundlePath = WORKFLOW_BUNDLE_PATH } = {},
): Promise<LantaiWorker> {
  const connection = await NativeConnection.connect(temporalConnectionOptions(config.temporal));
  const worker = await Worker.create({
    connection,
    namespace: config.temporal.namespace,
    taskQueue,
    workflowBundle: { codePath: bundlePath },
    activities: createActivities(deps),
  });
  let running: Promise<void> | undefined;
  return {
    worker,
    run() {
      running ??= worker.run().finally(() => connection.close());
      return running;
    },
    async shutdown() {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
    },
  };
}
