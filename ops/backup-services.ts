import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../config';
import { BackupRefused } from './backup-manifest';
import { lantaiPidFile, run, runningPid, type Managed } from './process';
import { postgresBin, startMinio, startPostgres } from './services';

/**
 * The catalogue and the object store for a backup or a restore: those of a running Lantai, or, when it is stopped,
 * its embedded PostgreSQL and MinIO started for the command alone and stopped after it.
 */
export async function servicesForCommand(
  config: Config,
  { whileRunning }: { whileRunning: 'use' | 'refuse' },
): Promise<{ started: string[]; stop(): Promise<void> }> {
  const pid = runningPid(lantaiPidFile(config));
  if (pid) {
    if (whileRunning === 'refuse')
      throw new BackupRefused(`Lantai is running (pid ${pid}); stop it (Ctrl-C on ./lantai start) before restoring into it`);
    return { started: [], stop: () => Promise.resolve() };
  }
  const logDir = path.join(config.dataDir, 'logs');
  fs.mkdirSync(logDir, { recursive: true });
  const started: Managed[] = [];
  const stop = async () => {
    for (const m of started.reverse()) await m.stop();
  };
  try {
    if (config.postgres.embedded) started.push(await startPostgres(config, logDir));
    if (config.s3.embedded) started.push(await startMinio(config, logDir));
  } catch (err) {
    await stop();
    throw err;
  }
  return { started: started.map((m) => m.name), stop };
}

/** pg_dump's custom format: one consistent snapshot of the whole catalogue, compressed, restorable table by table. */
export async function dumpCatalogue(config: Config, file: string): Promise<void> {
  await run(postgresBin('pg_dump'), ['--format=custom', '--no-owner', `--file=${file}`, `--dbname=${config.postgres.ownerUrl}`]);
}

/** Restores a dump into an empty database in one transaction: it is all there afterwards, or nothing is. */
export async function restoreCatalogue(config: Config, file: string): Promise<void> {
  await run(postgresBin('pg_restore'), [
    '--no-owner',
    '--no-privileges',
    '--exit-on-error',
    '--single-transaction',
    `--dbname=${config.postgres.ownerUrl}`,
    file,
  ]);
}

/** The embedded Temporal server's SQLite database, whose workflow histories are Temporal's whole state. */
export function temporalDbOf(config: Config): string {
  return path.join(config.dataDir, 'temporal.db');
}

// SQLite's online backup: a consistent copy even while the Temporal server writes (Python 3 is always installed).
const SQLITE_BACKUP = `
import sqlite3, sys
src = sqlite3.connect(sys.argv[1], timeout=60)
dst = sqlite3.connect(sys.argv[2])
src.backup(dst)
dst.close()
src.close()
`;

export async function copyTemporalDb(from: string, to: string): Promise<void> {
  await run('python3', ['-c', SQLITE_BACKUP, from, to]);
}

/** Puts the Temporal database back in place of a stopped server's, its journal files with it. */
export function placeTemporalDb(from: string, config: Config): void {
  const target = temporalDbOf(config);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  for (const extra of ['-wal', '-shm', '-journal']) fs.rmSync(target + extra, { force: true });
  fs.copyFileSync(from, target);
}
