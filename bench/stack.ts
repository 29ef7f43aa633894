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

export interface BenchStackOptions {
  /** A data directory to use and keep (created when missing) instead of a throw-away one. */
  dataDir?: string;
  /** Start a worker (the default); a benchmark that runs no workflow leaves it out. */
  worker?: boolean;
}

/**
 * A benchmark's own services (PostgreSQL, MinIO, Temporal, unless the environment points elsewhere) in a throw-away
 * data directory on its own ports (LANTAI_BENCH_PG_PORT, LANTAI_BENCH_TEMPORAL_PORT, LANTAI_BENCH_MINIO_PORT choose
 * others, so two benchmarks can run side by side), with a worker running; `close` stops everything, each step on its
 * own, and removes the data directory unless it was given.
 */
export async function benchStack(
  defaults: { pg: number; temporal: number; minio: number },
  env: Record<string, string> = {},
  options: BenchStackOptions = {},
) {
  const chosen = (name: string, fallback: number) => Number(process.env[`LANTAI_BENCH_${name}_PORT`] ?? fallback);
  const ports = { pg: chosen('PG', defaults.pg), temporal: chosen('TEMPORAL', defaults.temporal), minio: chosen('MINIO', defaults.minio) };
  const kept = options.dataDir !== undefined;
  const dataDir = kept ? path.resolve(options.dataDir!) : fs.mkdtempSync(path.join(os.tmpdir(), 'lantai-bench-'));
  fs.mkdirSync(dataDir, { recursive: true });
  // Readable by the postgres system user, so the cluster lives inside it.
  fs.chmodSync(dataDir, 0o755);
  const serviceEnv = {
    ...process.env,
    LANTAI_DATA: dataDir,
    LANTAI_PG_PORT: String(ports.pg),
    LANTAI_TEMPORAL_PORT: String(ports.temporal),
    LANTAI_MINIO_PORT: String(ports.minio),
    LANTAI_MINIO_CONSOLE_PORT: String(ports.minio + 1),
    LANTAI_LOG_LEVEL: 'error',
    ...env,
  };
  const config = loadConfig(serviceEnv);
  const stack = await startStack(config, { ui: false });
  const log = pino({ level: 'error' });
  Runtime.install({ telemetryOptions: { logging: { filter: makeTelemetryFilterString({ core: 'ERROR' }) } } });
  const db = createDb(config.postgres.url);
  const store = createObjectStore(config.s3);
  const connection = await Connection.connect(temporalConnectionOptions(config.temporal));
  const temporal = new Client({ connection, namespace: config.temporal.namespace });
  if (options.worker !== false) await buildWorkflowBundle();
  const worker = options.worker === false ? undefined : await createWorker(config, { db, log });
  void worker?.run();
  return {
    config,
    db,
    store,
    temporal,
    log,
    /** The environment the services were configured from, for a Lantai process of the benchmark's own. */
    env: serviceEnv,
    close: async (): Promise<void> => {
      // Each step on its own: a failing shutdown must not leave the services running.
      for (const step of [
        () => worker?.shutdown() ?? Promise.resolve(),
        () => connection.close(),
        () => db.$disconnect(),
        () => stack.stop(),
      ]) {
        await step().catch((err: Error) => console.error(`cleanup: ${err.message}`));
      }
      if (!kept) fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
