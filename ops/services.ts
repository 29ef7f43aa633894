import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import pg from 'pg';
import type { Config } from '../config';
import { SEARCH_ATTRIBUTE_TYPES } from '../contracts/search-attributes';
import { requireFreePort, run, startProcess, waitUntilReady, type Managed } from './process';

const PG_VERSION_DIRS = '/usr/lib/postgresql';

export function postgresBin(name: string): string {
  const versions = fs.existsSync(PG_VERSION_DIRS) ? fs.readdirSync(PG_VERSION_DIRS).sort((a, b) => Number(b) - Number(a)) : [];
  for (const v of versions) {
    const p = path.join(PG_VERSION_DIRS, v, 'bin', name);
    if (fs.existsSync(p)) return p;
  }
  return name;
}

/** PostgreSQL refuses to run as root; as root, the cluster runs as the `postgres` system user. */
function postgresUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const line = fs
    .readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('postgres:'));
  if (!line) throw new Error('running as root needs the postgres system user (apt-get install postgresql)');
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

function chownTree(dir: string, owner: { uid: number; gid: number } | undefined): void {
  if (!owner) return;
  fs.chownSync(dir, owner.uid, owner.gid);
}

/** The cluster directory; as root it lives where the postgres user can reach it, linked from the data directory. */
function clusterDir(config: Config, owner: { uid: number; gid: number } | undefined): string {
  const wanted = path.join(config.dataDir, 'postgres');
  if (!owner) return wanted;
  if (fs.existsSync(wanted)) return fs.realpathSync(wanted);
  const reachable = config.dataDir.split(path.sep).every((_, i, parts) => {
    const dir = parts.slice(0, i + 1).join(path.sep) || '/';
    return !fs.existsSync(dir) || (fs.statSync(dir).mode & 0o001) !== 0;
  });
  if (reachable) return wanted;
  const hidden = path.join('/var/lib/lantai', Buffer.from(config.dataDir).toString('base64url').slice(-48), 'postgres');
  fs.mkdirSync(path.dirname(hidden), { recursive: true });
  fs.symlinkSync(hidden, wanted);
  return hidden;
}

export async function startPostgres(config: Config, logDir: string): Promise<Managed> {
  await requireFreePort(config.postgres.port, 'PostgreSQL', 'LANTAI_PG_PORT');
  const owner = postgresUser();
  const dir = clusterDir(config, owner);
  const logFile = path.join(logDir, 'postgres.log');
  if (!fs.existsSync(path.join(dir, 'PG_VERSION'))) {
    fs.mkdirSync(path.dirname(dir), { recursive: true });
    fs.mkdirSync(dir, { mode: 0o700 });
    chownTree(dir, owner);
    const pwfile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'lantai-')), 'pw');
    fs.writeFileSync(pwfile, 'lantai\n', { mode: 0o600 });
    chownTree(path.dirname(pwfile), owner);
    chownTree(pwfile, owner);
    await run(
      postgresBin('initdb'),
      [
        '-D',
        dir,
        '-U',
        'lantai',
        '--pwfile',
        pwfile,
        '--auth-local=trust',
        '--auth-host=scram-sha-256',
        '--encoding=UTF8',
        '--locale=C.UTF-8',
      ],
      { ...owner },
    );
    fs.rmSync(path.dirname(pwfile), { recursive: true });
  }
  const proc = startProcess(
    'PostgreSQL',
    postgresBin('postgres'),
    ['-D', dir, '-p', String(config.postgres.port), '-c', 'listen_addresses=127.0.0.1', '-c', `unix_socket_directories=${dir}`],
    { logFile, ...owner, stopSignal: 'SIGINT' },
  );
  const admin = `postgresql://lantai:lantai@127.0.0.1:${config.postgres.port}/postgres`;
  await waitUntilReady(
    proc,
    async () => {
      const c = new pg.Client({ connectionString: admin });
      await c.connect();
      try {
        const { rowCount } = await c.query("SELECT 1 FROM pg_database WHERE datname = 'lantai'");
        if (!rowCount) await c.query('CREATE DATABASE lantai');
      } finally {
        await c.end();
      }
      return true;
    },
    { logFile },
  );
  return proc;
}

export async function startTemporal(config: Config, logDir: string, { ui = true } = {}): Promise<Managed> {
  await requireFreePort(config.temporal.port, 'Temporal', 'LANTAI_TEMPORAL_PORT');
  if (ui) await requireFreePort(config.temporal.uiPort, 'the Temporal UI', 'LANTAI_TEMPORAL_UI_PORT');
  const logFile = path.join(logDir, 'temporal.log');
  fs.mkdirSync(config.dataDir, { recursive: true });
  const args = [
    'server',
    'start-dev',
    '--ip',
    '127.0.0.1',
    '--port',
    String(config.temporal.port),
    '--db-filename',
    path.join(config.dataDir, 'temporal.db'),
    '--namespace',
    config.temporal.namespace,
    '--log-level',
    'warn',
    ...Object.entries(SEARCH_ATTRIBUTE_TYPES).flatMap(([name, type]) => ['--search-attribute', `${name}=${type}`]),
    ...(ui ? ['--ui-port', String(config.temporal.uiPort), '--ui-ip', '127.0.0.1', '--ui-disable-news-fetch'] : ['--headless']),
  ];
  const proc = startProcess('Temporal', path.join(config.toolsDir, 'bin', 'temporal'), args, { logFile });
  await waitUntilReady(
    proc,
    async () => {
      const conn = await Connection.connect({ address: config.temporal.address, connectTimeout: 1000 });
      try {
        await conn.workflowService.describeNamespace({ namespace: config.temporal.namespace });
        return true;
      } finally {
        await conn.close();
      }
    },
    { logFile },
  );
  return proc;
}

export async function startMinio(config: Config, logDir: string): Promise<Managed> {
  await requireFreePort(config.s3.port, 'MinIO', 'LANTAI_MINIO_PORT');
  await requireFreePort(config.s3.consolePort, 'the MinIO console', 'LANTAI_MINIO_CONSOLE_PORT');
  const logFile = path.join(logDir, 'minio.log');
  const dir = path.join(config.dataDir, 'minio');
  fs.mkdirSync(dir, { recursive: true });
  const proc = startProcess(
    'MinIO',
    path.join(config.toolsDir, 'bin', 'minio'),
    ['server', dir, '--address', `127.0.0.1:${config.s3.port}`, '--console-address', `127.0.0.1:${config.s3.consolePort}`, '--quiet'],
    {
      logFile,
      env: {
        ...process.env,
        MINIO_ROOT_USER: config.s3.accessKeyId,
        MINIO_ROOT_PASSWORD: config.s3.secretAccessKey,
        MINIO_BROWSER: 'on',
        MINIO_UPDATE: 'off',
      },
    },
  );
  await waitUntilReady(proc, async () => (await fetch(`${config.s3.endpoint}/minio/health/ready`)).ok, { logFile });
  return proc;
}
