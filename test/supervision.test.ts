import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { UnitStatus } from '../ops/supervisor';
import { eventually } from './helpers';

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

/** `./lantai start` as an operator runs it, in a data directory and on ports of its own. */
async function startLantai() {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lantai-supervised-'));
  fs.chmodSync(dataDir, 0o755);
  const ports = { api: await freePort(), pg: await freePort(), temporal: await freePort(), ui: await freePort(), minio: await freePort() };
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    LANTAI_DATA: dataDir,
    LANTAI_API_PORT: String(ports.api),
    LANTAI_PG_PORT: String(ports.pg),
    LANTAI_TEMPORAL_PORT: String(ports.temporal),
    LANTAI_TEMPORAL_UI_PORT: String(ports.ui),
    LANTAI_MINIO_PORT: String(ports.minio),
    LANTAI_MINIO_CONSOLE_PORT: String(await freePort()),
    LANTAI_DEMO_ITEMS: 'false',
    LANTAI_LOG_LEVEL: 'warn',
  };
  for (const name of ['DATABASE_URL', 'TEMPORAL_ADDRESS', 'S3_ENDPOINT']) delete env[name];
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'ops/start.ts'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const status = () => {
    try {
      return (JSON.parse(fs.readFileSync(path.join(dataDir, 'status.json'), 'utf8')) as { units: Record<string, UnitStatus> }).units;
    } catch {
      return undefined;
    }
  };
  const health = async () => (await fetch(`http://127.0.0.1:${ports.api}/health`).catch(() => undefined))?.status;
  return {
    dataDir,
    child,
    output: () => output,
    status,
    health,
    exited,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('./lantai start supervises what it starts', () => {
  let lantai: Awaited<ReturnType<typeof startLantai>>;
  beforeAll(async () => {
    lantai = await startLantai();
    await eventually(() => Promise.resolve(lantai.output().includes('Lantai is running') ? true : undefined), {
      timeoutMs: 240_000,
      what: 'Lantai running',
    }).catch((err: Error) => {
      throw new Error(`${err.message}\n${lantai.output()}`);
    });
  }, 300_000);
  afterAll(async () => {
    await lantai?.stop();
    if (lantai) fs.rmSync(lantai.dataDir, { recursive: true, force: true });
  }, 60_000);

  it.each(['Worker', 'API', 'PostgreSQL', 'MinIO', 'Temporal'])(
    'starts %s again after kill -9, and the API answers 200 once it is back',
    async (name) => {
      const before = lantai.status()![name]!;
      expect(before.state).toBe('running');
      process.kill(before.pid!, 'SIGKILL');
      const after = await eventually(
        () => {
          const s = lantai.status()?.[name];
          return Promise.resolve(s?.state === 'running' && s.pid !== before.pid && s.restarts === before.restarts + 1 ? s : undefined);
        },
        { timeoutMs: 120_000, what: `${name} restarted` },
      );
      expect(alive(after.pid!)).toBe(true);
      expect(lantai.output()).toMatch(new RegExp(`${name} stopped unexpectedly \\(signal SIGKILL\\); restarting in`));
      await eventually(async () => ((await lantai.health()) === 200 ? true : undefined), {
        timeoutMs: 120_000,
        what: 'health 200',
      });
    },
    300_000,
  );

  it('stops everything on SIGTERM, keeping the data directory', async () => {
    const pids = Object.values(lantai.status()!).map((s) => s.pid!);
    expect(await lantai.stop()).toBe(0);
    for (const pid of pids) expect(alive(pid)).toBe(false);
    expect(Object.values(lantai.status()!).every((s) => s.state === 'stopped')).toBe(true);
    expect(fs.existsSync(path.join(lantai.dataDir, 'postgres'))).toBe(true);
  }, 120_000);
});
