import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { UnitStatus } from '../ops/supervisor';

/** The parts `./lantai start` supervises, by the names its status file gives them. */
export const PARTS = ['Worker', 'API', 'PostgreSQL', 'MinIO', 'Temporal', 'OCR'] as const;
export type Part = (typeof PARTS)[number];

export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

export interface SupervisedLantai {
  dataDir: string;
  child: ChildProcess;
  ports: { api: number; pg: number; temporal: number; minio: number };
  apiUrl: string;
  databaseUrl: string;
  output(): string;
  status(): Record<string, UnitStatus> | undefined;
  health(): Promise<number | undefined>;
  exited: Promise<number | null>;
  /** Resolves once `./lantai start` says it is running; rejects with its output if it exits first or takes too long. */
  running(timeoutMs?: number): Promise<void>;
  stop(): Promise<number | null>;
}

/** `./lantai start` as an operator runs it, in a data directory and on ports of its own. */
export async function startSupervised(extraEnv: Record<string, string> = {}): Promise<SupervisedLantai> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lantai-supervised-'));
  fs.chmodSync(dataDir, 0o755);
  const ports = { api: await freePort(), pg: await freePort(), temporal: await freePort(), minio: await freePort() };
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    LANTAI_DATA: dataDir,
    LANTAI_API_PORT: String(ports.api),
    LANTAI_PG_PORT: String(ports.pg),
    LANTAI_TEMPORAL_PORT: String(ports.temporal),
    LANTAI_TEMPORAL_UI_PORT: String(await freePort()),
    LANTAI_MINIO_PORT: String(ports.minio),
    LANTAI_MINIO_CONSOLE_PORT: String(await freePort()),
    LANTAI_DEMO_ITEMS: 'false',
    LANTAI_LOG_LEVEL: 'warn',
    ...extraEnv,
  };
  for (const name of ['DATABASE_URL', 'TEMPORAL_ADDRESS', 'S3_ENDPOINT']) delete env[name];
  const root = path.resolve(__dirname, '..');
  const child = spawn(process.execPath, ['--import', 'tsx', 'ops/start.ts'], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const apiUrl = `http://127.0.0.1:${ports.api}`;
  return {
    dataDir,
    child,
    ports,
    apiUrl,
    databaseUrl: `postgresql://lantai:lantai@127.0.0.1:${ports.pg}/lantai`,
    output: () => output,
    exited,
    status() {
      try {
        return (JSON.parse(fs.readFileSync(path.join(dataDir, 'status.json'), 'utf8')) as { units: Record<string, UnitStatus> }).units;
      } catch {
        return undefined;
      }
    },
    health: async () => (await fetch(`${apiUrl}/health`).catch(() => undefined))?.status,
    async running(timeoutMs = 300_000) {
      const deadline = Date.now() + timeoutMs;
      while (!output.includes('Lantai is running')) {
        if (child.exitCode !== null || Date.now() > deadline)
          throw new Error(`./lantai start did not come up (exit ${child.exitCode}):\n${output}`);
        await new Promise((r) => setTimeout(r, 250));
      }
    },
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}
