import fs from 'node:fs';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import type { Config } from '../config';
import { temporalConnectionOptions } from '../config/temporal';
import { createDb } from '../prisma/client';
import { migrate } from '../prisma/migrate';
import { seedDemoAgency } from '../prisma/seed';
import { createObjectStore } from '../store/object-store';
import type { Managed } from './process';
import { startMinio, startPostgres, startTemporal } from './services';

export interface Stack {
  services: Managed[];
  stop(): Promise<void>;
}

const say = (line: string) => process.stdout.write(`[lantai] ${line}\n`);

/** Starts the embedded services the configuration asks for, then readies the catalogue and buckets. */
export async function startStack(config: Config, { ui = true, seed = true, demoPassword }: { ui?: boolean; seed?: boolean; demoPassword?: string } = {}): Promise<Stack> {
  const logDir = path.join(config.dataDir, 'logs');
  fs.mkdirSync(logDir, { recursive: true });
  const services: Managed[] = [];
  const stop = async () => {
    for (const s of services.reverse()) await s.stop();
  };
  try {
    const starting: Promise<Managed>[] = [];
    if (config.postgres.embedded) starting.push(startPostgres(config, logDir));
    if (config.s3.embedded) starting.push(startMinio(config, logDir));
    if (config.temporal.embedded) starting.push(startTemporal(config, logDir, { ui }));
    const started = await Promise.allSettled(starting);
    for (const r of started) if (r.status === 'fulfilled') services.push(r.value);
    const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    say(`services up: ${services.map((s) => s.name).join(', ') || 'none embedded'} (logs in ${logDir})`);

    await checkTemporalNamespace(config);
    const { applied } = await migrate(config.postgres.url);
    say(`catalogue migrated (${applied.length ? `applied ${applied.join(', ')}` : 'up to date'})`);
    if (seed) {
      const db = createDb(config.postgres.url, { poolSize: 2 });
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
  return { services, stop };
}

async function checkTemporalNamespace(config: Config): Promise<void> {
  const connection = await Connection.connect(temporalConnectionOptions(config.temporal));
  try {
    await connection.workflowService.describeNamespace({ namespace: config.temporal.namespace });
  } catch (err) {
    throw new Error(`Temporal at ${config.temporal.address} has no namespace '${config.temporal.namespace}' (${(err as Error).message}); create it and its search attributes as README.md describes`);
  } finally {
    await connection.close();
  }
}
