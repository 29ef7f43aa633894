import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { Runtime, makeTelemetryFilterString } from '@temporalio/worker';
import pino from 'pino';
import { loadConfig } from '../config';
import { temporalConnectionOptions } from '../config/temporal';
import { startStack } from '../ops/stack';
import { createDb } from '../prisma/client';
import { createObjectStore } from '../store/object-store';
import { buildWorkflowBundle } from '../worker/build-bundle';
import { createWorker } from '../worker/worker';

/**
 * A benchmark's own services (PostgreSQL, MinIO, Temporal, unless the environment points elsewhere) in a throw-away
 * data directory on its own ports (LANTAI_BENCH_PG_PORT, LANTAI_BENCH_TEMPORAL_PORT, LANTAI_BENCH_MINIO_PORT choose
 * others, so two benchmarks can run side by side), with a worker running; `close` stops everything, each step on its own.
 */
export async function benchStack(defaults: { pg: number; temporal: number; minio: number }, env: Record<string, string> = {}) {
  const chosen = (name: string, fallback: number) => Number(process.env[`LANTAI_BENCH_${name}_PORT`] ?? fallback);
  const ports = { pg: chosen('PG', defaults.pg), temporal: chosen('TEMPORAL', defaults.temporal), minio: chosen('MINIO', defaults.minio) };
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lantai-bench-'));
  fs.chmodSync(dataDir, 0o755);
  const config = loadConfig({
    ...process.env, LANTAI_DATA: dataDir, LANTAI_PG_PORT: String(ports.pg), LANTAI_TEMPORAL_PORT: String(ports.temporal),
    LANTAI_MINIO_PORT: String(ports.minio), LANTAI_MINIO_CONSOLE_PORT: String(ports.minio + 1), LANTAI_LOG_LEVEL: 'error', ...env,
  });
  const stack = await startStack(config, { ui: false });
  const log = pino({ level: 'error' });
  Runtime.install({ telemetryOptions: { logging: { filter: makeTelemetryFilterString({ core: 'ERROR' }) } } });
  const db = createDb(config.postgres.url);
  const store = createObjectStore(config.s3);
  const connection = await Connection.connect(temporalConnectionOptions(config.temporal));
  const temporal = new Client({ connection, namespace: config.temporal.namespace });
  await buildWorkflowBundle();
  const worker = await createWorker(config, { db, log });
  void worker.run();
  return {
    config, db, store, temporal, log,
    close: async (): Promise<void> => {
      // Each step on its own: a failing shutdown must not leave the services running.
      for (const step of [() => worker.shutdown(), () => connection.close(), () => db.$disconnect(), () => stack.stop()]) {
        await step().catch((err: Error) => console.error(`cleanup: ${err.message}`));
      }
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
