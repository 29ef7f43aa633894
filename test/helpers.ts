import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { Client, Connection } from '@temporalio/client';
import { Runtime, makeTelemetryFilterString } from '@temporalio/worker';
import pino from 'pino';
import { createApp, listenApi } from '../api/app';
import type { ApiContext } from '../api/context';
import { loadConfig, type Config } from '../config';
import { temporalConnectionOptions } from '../config/temporal';
import { createDb, type Db } from '../prisma/client';
import { DEMO_PASSWORD_DEFAULT } from '../prisma/seed';
import { signIn, type SecretKeeper } from '../ops/sign-in-client';
import { type ObjectStore } from '../store/object-store';
import { sealedObjectStore } from '../store/sealed-store';
import { createWorker, type LantaiWorker, type WorkerOptions } from '../worker/worker';

export const log = pino({ level: process.env.LANTAI_LOG_LEVEL ?? 'warn' });

let runtimeInstalled = false;
function quietTemporalRuntime(): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  Runtime.install({
    logger: {
      log: () => undefined,
      trace: () => undefined,
      debug: () => undefined,
      info: () => undefined,
      warn: () => undefined,
      error: (m: string) => log.error(m),
    },
    telemetryOptions: { logging: { filter: makeTelemetryFilterString({ core: 'ERROR' }) } },
  });
}

/**
 * The test stack's configuration (from `./lantai test`), with a task queue of this test file's own; no item is
 * drawn for the sampling check unless a test asks for it, so outcomes do not depend on the draw.
 */
export function testConfig(): Config {
  const config = loadConfig(process.env);
  return {
    ...config,
    temporal: { ...config.temporal, taskQueue: `test-${randomBytes(4).toString('hex')}` },
    quality: { ...config.quality, samplingShare: 0 },
  };
}

export interface Harness {
  config: Config;
  db: Db;
  temporal: Client;
  connection: Connection;
  /** The store as the worker and the API see it: page images sealed with SM4, opened on reading. */
  store: ObjectStore;
  startWorker(options?: WorkerOptions): Promise<LantaiWorker>;
  /** Stops every worker started so far, as a crash or a redeploy would, mid-way through whatever they run. */
  stopWorkers(): Promise<void>;
  close(): Promise<void>;
}

/** The test stack's services; with `postgresUrl`, a catalogue database of the test's own instead of the shared one. */
export async function harness({ postgresUrl }: { postgresUrl?: string } = {}): Promise<Harness> {
  quietTemporalRuntime();
  const shared = testConfig();
  const config = postgresUrl ? { ...shared, postgres: { ...shared.postgres, url: postgresUrl } } : shared;
  const db = createDb(config.postgres.url, { poolSize: 4 });
  const connection = await Connection.connect(temporalConnectionOptions(config.temporal));
  const temporal = new Client({ connection, namespace: config.temporal.namespace });
  const workers: LantaiWorker[] = [];
  return {
    config,
    db,
    temporal,
    connection,
    store: sealedObjectStore(config, db),
    async startWorker(options: WorkerOptions = {}) {
      const w = await createWorker(config, { db, log }, options);
      workers.push(w);
      void w.run();
      return w;
    },
    async stopWorkers() {
      for (const w of workers.splice(0)) await w.shutdown();
    },
    async close() {
      for (const w of workers) await w.shutdown();
      // The client connection stays open: a call still retrying in the background (a query to a workflow whose
      // worker has gone) would otherwise fire into a closed channel during a later test file. Jest runs with
      // --forceExit, so the open connection holds nothing up.
      await db.$disconnect();
    },
  };
}

/**
 * The real API on an ephemeral port, wired to the harness's real services (https with the config's certificate);
 * the OCR workers of the test are told to reach it there.
 */
export async function startApi(h: Harness): Promise<{ url: string; ctx: ApiContext; close(): Promise<void> }> {
  const ctx: ApiContext = { config: h.config, db: h.db, temporal: h.temporal, store: h.store, log };
  const server = await listenApi(createApp(ctx), { host: '127.0.0.1', port: 0, tls: h.config.api.tls });
  const { port } = server.address() as AddressInfo;
  const url = `${h.config.api.tls ? 'https' : 'http'}://127.0.0.1:${port}`;
  h.config.api.url = url;
  return {
    url,
    ctx,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The usual set-up of an API test: real services, a worker (unless `worker: false`), the API, and logged-in users. */
export async function apiHarness({
  users = [],
  worker = {},
  quality = {},
  postgresUrl,
}: { users?: string[]; worker?: WorkerOptions | false; quality?: Partial<Config['quality']>; postgresUrl?: string } = {}) {
  const h = await harness({ postgresUrl });
  h.config.quality = { ...h.config.quality, ...quality };
  if (worker) await h.startWorker(worker);
  const api = await startApi(h);
  const client = apiClient(api.url, h.config.postgres.url);
  const tokens: Record<string, string> = {};
  for (const u of users) tokens[u] = await client.login(u);
  return {
    h,
    api,
    client,
    tokens,
    async close() {
      await api.close();
      await h.close();
    },
  };
}

export interface Reply<T = Record<string, unknown>> {
  status: number;
  body: T;
  headers: Headers;
}

/**
 * Sign-ins of the demo users who need a second factor, kept for the test run (in its data directory) by catalogue:
 * the TOTP secret the first sign-in enrolled through the API, and the token that sign-in completed. A later test
 * file reuses the token while the API still takes it as having passed its second factor, so the suite does not
 * wait for fresh TOTP time steps (each is good for one sign-in).
 */
function signInsKept(catalogue: string) {
  const file = path.join(loadConfig(process.env).dataDir, 'test-sign-ins.json');
  type Kept = Record<string, { secret?: string; token?: string }>;
  const read = (): Kept => (fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as Kept) : {});
  const keep = (username: string, entry: { secret?: string; token?: string }) => {
    const all = read();
    all[`${catalogue}#${username}`] = { ...all[`${catalogue}#${username}`], ...entry };
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, JSON.stringify(all), { mode: 0o600 });
  };
  const secrets: SecretKeeper = { get: (u) => read()[`${catalogue}#${u}`]?.secret, set: (u, secret) => keep(u, { secret }) };
  return { token: (username: string) => read()[`${catalogue}#${username}`]?.token, keep, secrets };
}

/** A client of the API at `url`; `catalogue` names the catalogue it serves, under which its sign-ins are kept. */
export function apiClient(url: string, catalogue = loadConfig(process.env).postgres.url) {
  const call = async <T = Record<string, unknown>>(
    method: string,
    path: string,
    { token, body, headers }: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
  ): Promise<Reply<T>> => {
    const res = await fetch(`${url}${path}`, {
      method,
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
      body: body === undefined ? undefined : typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as T, headers: res.headers };
  };
  return {
    call,
    /** Signs a user in through the real path, completing the second factor where their roles need one. */
    async login(username: string, password = DEMO_PASSWORD_DEFAULT): Promise<string> {
      const kept = signInsKept(catalogue);
      const earlier = kept.token(username);
      if (earlier) {
        const me = await call<{ secondFactor?: string }>('GET', '/me', { token: earlier });
        if (me.status === 200 && me.body.secondFactor === 'verified') return earlier;
      }
      const token = await signIn((method, p, t, body) => call(method, p, { token: t, body }), username, password, kept.secrets);
      const me = await call<{ secondFactor?: string }>('GET', '/me', { token });
      if (me.body.secondFactor === 'verified') kept.keep(username, { token });
      return token;
    },
  };
}

/** A unique business case for tests: valid index data, case number never seen before. */
export function caseFor(overrides: Record<string, unknown> = {}) {
  return {
    fonds: 'J001',
    caseNumber: `T-${Date.now()}-${randomBytes(3).toString('hex')}`,
    businessType: 'GL02',
    citizenId: '440304198506151237',
    personName: '林晓',
    clerk: '王经办',
    handledOn: '2024-05-09',
    handlingOffice: 'BS01',
    ...overrides,
  };
}

/** Polls until `probe` returns a value that is not undefined, or fails with the last value seen. */
export async function eventually<T>(probe: () => Promise<T | undefined>, { timeoutMs = 60_000, what = 'condition' } = {}): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

export async function itemState(db: Db, itemId: string, wanted: string, timeoutMs = 60_000): Promise<string> {
  return eventually(
    async () => {
      const item = await db.item.findUniqueOrThrow({ where: { id: itemId } });
      return item.lifecycleState === wanted ? item.lifecycleState : undefined;
    },
    { timeoutMs, what: `item ${itemId} to become ${wanted}` },
  );
}

/**
 * A worker in a process of its own on the given task queue, ready once it polls; `kill` stops it outright (SIGKILL),
 * as a power cut would, and resolves when it is gone.
 */
export async function killableWorker(taskQueue: string, env: Record<string, string> = {}): Promise<{ kill(): Promise<void> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/fixtures/worker-process.ts'], {
    cwd: path.resolve(__dirname, '..'),
    env: { ...process.env, ...env, TEMPORAL_TASK_QUEUE: taskQueue },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('polling') && resolve());
    child.once('exit', (code) => reject(new Error(`the worker process exited with ${code}`)));
  });
  return {
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}
