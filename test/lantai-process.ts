import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { freePort } from '../bench/supervised';
import { eventually } from './helpers';

const PORTS = [
  'LANTAI_API_PORT',
  'LANTAI_PG_PORT',
  'LANTAI_TEMPORAL_PORT',
  'LANTAI_TEMPORAL_UI_PORT',
  'LANTAI_MINIO_PORT',
  'LANTAI_MINIO_CONSOLE_PORT',
] as const;

async function choosePorts(env: NodeJS.ProcessEnv): Promise<void> {
  for (const name of PORTS) env[name] = String(await freePort());
}

/** The environment of a Lantai of the test's own: its data directory and ports, embedded services, no demo items. */
export async function ownLantaiEnv(dataDir: string): Promise<NodeJS.ProcessEnv> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    LANTAI_DATA: dataDir,
    LANTAI_DEMO_ITEMS: 'false',
    LANTAI_LOG_LEVEL: 'warn',
  };
  for (const name of ['DATABASE_URL', 'TEMPORAL_ADDRESS', 'S3_ENDPOINT', 'S3_BUCKET_PREFIX']) delete env[name];
  await choosePorts(env);
  return env;
}

const ROOT = path.resolve(__dirname, '..');

/** An `ops/<command>.ts` run to its end as `./lantai <command>` runs it; its exit code and everything it printed. */
export function lantaiCommand(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', `ops/${command}.ts`, ...args], {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.once('exit', (code) => resolve({ code, output }));
  });
}

/**
 * `./lantai start` in the given environment, resolved once it says it is running. A port found free a moment ago
 * may be taken by another program (or by one of Temporal's own) before a service binds it: then the environment
 * gets other ports, and it starts once more.
 */
export async function startLantai(env: NodeJS.ProcessEnv): Promise<Awaited<ReturnType<typeof startOnce>>> {
  try {
    return await startOnce(env);
  } catch (err) {
    if (!/already in use/.test((err as Error).message)) throw err;
    await choosePorts(env);
    return startOnce(env);
  }
}

async function startOnce(env: NodeJS.ProcessEnv) {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'ops/start.ts'], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  await eventually(
    () => {
      if (child.exitCode !== null) throw new Error(`./lantai start exited with ${child.exitCode}:\n${output}`);
      return Promise.resolve(output.includes('Lantai is running') ? true : undefined);
    },
    { timeoutMs: 240_000, what: 'Lantai running' },
  ).catch((err: Error) => {
    child.kill('SIGTERM');
    throw new Error(`${err.message}\n${output}`);
  });
  return {
    url: `http://127.0.0.1:${env.LANTAI_API_PORT}`,
    output: () => output,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}

export function emptyDir(dir: string): void {
  for (const entry of fs.readdirSync(dir)) fs.rmSync(path.join(dir, entry), { recursive: true, force: true });
}
