import fs from 'node:fs';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { SEARCH_ATTRIBUTE_TYPES } from '../contracts/search-attributes';
import type { Config } from '../config';
import { temporalConnectionOptions } from '../config/temporal';
import { createDb } from '../prisma/client';
import { migrate } from '../prisma/migrate';
import { seedDemoAgency } from '../prisma/seed';
import { createObjectStore } from '../store/object-store';
import type { Managed } from './process';
import type { Unit } from './supervisor';
import { startMinio, startPostgres, startTemporal } from './services';

export interface Stack {
  /** The embedded services as started, each with how to start it again. */
  units: { unit: Unit; managed: Managed }[];
  stop(): Promise<void>;
}

const say = (line: string) => process.stdout.write(`[lantai] ${line}\n`);

/** Starts the embedded services the configuration asks for, then readies the catalogue and buckets. */
export async function startStack(
  config: Config,
  { ui = true, seed = true, demoPassword }: { ui?: boolean; seed?: boolean; demoPassword?: string } = {},
): Promise<Stack> {
  const logDir = path.join(config.dataDir, 'logs');
  fs.mkdirSync(logDir, { recursive: true });
  const units: Unit[] = [
    ...(config.postgres.embedded
      ? [{ name: 'PostgreSQL', logFile: path.join(logDir, 'postgres.log'), start: () => startPostgres(config, logDir) }]
      : []),
    ...(config.s3.embedded ? [{ name: 'MinIO', logFile: path.join(logDir, 'minio.log'), start: () => startMinio(config, logDir) }] : []),
    ...(config.temporal.embedded
      ? [{ name: 'Temporal', logFile: path.join(logDir, 'temporal.log'), start: () => startTemporal(config, logDir, { ui }) }]
      : []),
  ];
  const running: Stack['units'] = [];
  const stop = async () => {
    for (const { managed } of running.reverse()) await managed.stop();
  };
  try {
    const started = await Promise.allSettled(units.map((u) => u.start()));
    started.forEach((r, i) => r.status === 'fulfilled' && running.push({ unit: units[i]!, managed: r.value }));
    const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    say(`services up: ${units.map((u) => u.name).join(', ') || 'none embedded'} (logs in ${logDir})`);

    await checkTemporalNamespace(config);
    const { applied } = await migrate(config.postgres.ownerUrl, undefined, { appUrl: config.postgres.url });
    say(`catalogue migrated (${applied.length ? `applied ${applied.join(', ')}` : 'up to date'})`);
    if (seed) {
      const db = createDb(config.postgres.ownerUrl, { poolSize: 2 });
      try {
        await seedDemoAgency(db, { password: demoPassword });
      } finally {
        await db.$disconnect();
      }
      say('demo agency in place');
    }
    const buckets = await createObjectStore(config.s3).ensureBuckets();
    say(`buckets ready: ${buckets.map((b) => `${b.bucket} (versioning ${b.versioning}, object lock ${b.objectLock})`).join(', ')}`);
  } catch (err) {
    await stop();
    throw err;
  }
  return { units: [...running], stop };
}

/**
 * The namespace must exist; Lantai's search attributes are added when missing (a data directory from an older
 * Lantai lacks the newer ones), and an existing cluster that refuses is told which to create.
 */
async function checkTemporalNamespace(config: Config): Promise<void> {
  const { namespace, address } = config.temporal;
  const connection = await Connection.connect(temporalConnectionOptions(config.temporal));
  try {
    await connection.workflowService.describeNamespace({ namespace }).catch((err: Error) => {
      throw new Error(
        `Temporal at ${address} has no namespace '${namespace}' (${err.message}); create it and its search attributes as README.md describes`,
      );
    });
    const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
    const missing = Object.keys(SEARCH_ATTRIBUTE_TYPES).filter((name) => !(name in (customAttributes ?? {})));
    if (missing.length === 0) return;
    await connection.operatorService
      .addSearchAttributes({
        namespace,
        searchAttributes: Object.fromEntries(
          missing.map((name) => [name, temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD]),
        ),
      })
      .catch((err: Error) => {
        throw new Error(
          `Temporal namespace '${namespace}' lacks the search attributes ${missing.join(', ')} and they could not be added (${err.message}); create them as Keyword attributes as README.md describes`,
        );
      });
    say(`search attributes added: ${missing.join(', ')}`);
  } finally {
    await connection.close();
  }
}
