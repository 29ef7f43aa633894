/**
 * A million-item archive, built and measured: the items registered through the API's batch route by several
 * business-system clients at once, their pages (catalogue rows) and later states written by a bulk loader of this
 * benchmark's own (bench/archive-loader.ts), then the latencies through the API of the lifecycle counts and of one
 * item's history, each beside the same query straight in SQL.
 *   npm run bench:archive -- [--items 1000000] [--clients 4] [--keep <dir> | --reuse <dir>] [--calls 1000]
 * --keep keeps the data directory (services stopped at the end); --reuse measures an archive kept before, unchanged.
 * Starts its own PostgreSQL, MinIO and Temporal, and the API as a process of its own, as `./lantai start` runs it.
 */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import argon2 from 'argon2';
import pg from 'pg';
import { startProcess, waitUntilReady } from '../ops/process';
import type { Db } from '../prisma/client';
import { DEMO_PASSWORD_DEFAULT } from '../prisma/seed';
import { archiveCases } from './archive-cases';
import { loadArchive, type LoadPhase } from './archive-loader';
import { rawRegistrationRate, registerThroughApi } from './archive-registration';
import { describe, measure } from './latency';
import { benchStack } from './stack';

const { values } = parseArgs({
  options: {
    items: { type: 'string', default: '1000000' },
    clients: { type: 'string', default: '4' },
    keep: { type: 'string' },
    reuse: { type: 'string' },
    calls: { type: 'string', default: '1000' },
  },
});
const ITEMS = Number(values.items);
const CLIENTS = Number(values.clients);
const CALLS = Number(values.calls);
const PORTS = { pg: 56942, temporal: 7843, minio: 9692 };
const MARKER = 'bench-archive.json';
const REGISTRAR = 'bench-registrar';
const TARGETS = { counts: 50, history: 20, buildMinutes: 15 };

const say = (line: string) => process.stdout.write(`${line}\n`);

interface Built {
  items: number;
  builtAt: string;
  today: string;
  minutes: number;
  registrationRate: number;
  phases: LoadPhase[];
}

async function main(): Promise<void> {
  const dataDir = values.reuse ?? values.keep;
  if (values.keep && values.reuse) throw new Error('--keep builds an archive and --reuse measures one kept before: give one of them');
  if (values.keep && fs.existsSync(values.keep) && fs.readdirSync(values.keep).length)
    throw new Error(`--keep ${values.keep}: the directory is not empty; give a new one, or --reuse it`);
  const built = values.reuse ? readMarker(values.reuse) : undefined;
  if (!values.reuse && !(ITEMS >= 1)) throw new Error('--items must be a whole number of items');

  say(
    `machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, load ${os.loadavg()[0]!.toFixed(1)}`,
  );
  const t0 = performance.now();
  const apiPort = await freePort();
  const stack = await benchStack(PORTS, { LANTAI_API_PORT: String(apiPort) }, { dataDir, worker: false });
  const sql = new pg.Client({ connectionString: stack.config.postgres.ownerUrl });
  await sql.connect();
  const api = startProcess('API', process.execPath, ['--import', 'tsx', 'api/main.ts'], {
    cwd: path.resolve(__dirname, '..'),
    env: stack.env,
    logFile: path.join(stack.config.dataDir, 'logs', 'bench-api.log'),
  });
  const base = `http://127.0.0.1:${apiPort}`;
  try {
    await waitUntilReady(api, async () => (await fetch(`${base}/health`)).ok, {
      logFile: path.join(stack.config.dataDir, 'logs', 'bench-api.log'),
    });
    const servicesSeconds = (performance.now() - t0) / 1000;
    say(`services and API up in ${servicesSeconds.toFixed(0)} s (data directory ${stack.config.dataDir})`);

    const archive =
      built ??
      (await build(stack.db, sql, base, {
        bucket: stack.config.s3.buckets.images,
        databaseUrl: stack.config.postgres.url,
        startedAt: t0,
        servicesSeconds,
      }));
    if (!built && values.keep) fs.writeFileSync(path.join(stack.config.dataDir, MARKER), `${JSON.stringify(archive, null, 2)}\n`);
    if (built)
      say(
        `reusing the archive of ${built.items} items built ${built.builtAt} in ${built.minutes.toFixed(1)} min (registration ${built.registrationRate.toFixed(0)} cases/s)`,
      );
    await measureArchive(sql, base);
  } finally {
    await sql.end().catch(() => undefined);
    await api.stop();
    await stack.close();
    if (values.keep) say(`archive kept in ${path.resolve(values.keep)} (services stopped); measure it again with --reuse ${values.keep}`);
  }
}

async function build(
  db: Db,
  sql: pg.Client,
  api: string,
  { bucket, databaseUrl, startedAt, servicesSeconds }: { bucket: string; databaseUrl: string; startedAt: number; servicesSeconds: number },
): Promise<Built> {
  const today = new Date().toISOString().slice(0, 10);
  const caseAt = archiveCases(new Date(`${today}T00:00:00Z`));
  const token = await registrarToken(db, api);
  const phases: LoadPhase[] = [{ name: 'services and API started', seconds: servicesSeconds, rows: 0 }];

  say(`registering ${ITEMS} cases through POST /items/batch, ${CLIENTS} clients…`);
  const registered = await registerThroughApi({ api, token, count: ITEMS, clients: CLIENTS, caseAt, say });
  const rate = ITEMS / registered.seconds;
  phases.push({ name: 'registration through the API', seconds: registered.seconds, rows: registered.created });
  say(
    `registration: ${rate.toFixed(0)} cases/s through the API (${registered.created} created, ${registered.existing} already there, ${registered.seconds.toFixed(0)} s)`,
  );

  say('loading pages, later states and their history…');
  phases.push(...(await loadArchive(sql, { today, bucket }, say)));
  const t = performance.now();
  await sql.query('VACUUM ANALYZE');
  phases.push({ name: 'vacuum and analyze', seconds: (performance.now() - t) / 1000, rows: 0 });
  const minutes = (performance.now() - startedAt) / 60_000;
  say(
    `build: ${minutes.toFixed(1)} min from start to a measurable archive (target ≤ ${TARGETS.buildMinutes} min): ${minutes <= TARGETS.buildMinutes ? 'meets it' : 'MISSES it'}`,
  );
  for (const p of phases) say(`  ${p.name.padEnd(54)} ${p.seconds.toFixed(0).padStart(5)} s${p.rows ? `  ${p.rows} rows` : ''}`);

  // Measured once the archive is built, so it takes nothing from the build's time.
  const sample = Array.from({ length: Math.min(20_000, ITEMS) }, (_, k) => caseAt(ITEMS + k));
  const raw = await rawRegistrationRate(databaseUrl, sample, CLIENTS);
  say(
    `registration raw: the same writes straight in SQL ${raw.toFixed(0)} cases/s (${sample.length} cases from ${CLIENTS} connections on the built archive, rolled back); ` +
      `through the API ${(rate / raw).toFixed(2)} of raw`,
  );
  return { items: ITEMS, builtAt: new Date().toISOString(), today, minutes, registrationRate: rate, phases };
}

/** The benchmark's business system: a clerk of both fonds, cleared for secret, as its cases need. */
async function registrarToken(db: Db, api: string): Promise<string> {
  const fonds = await db.fonds.findMany({ where: { code: { in: ['J001', 'J002'] } } });
  await db.user.upsert({
    where: { username: REGISTRAR },
    update: {},
    create: {
      username: REGISTRAR,
      displayName: '业务系统接口',
      roles: ['clerk'],
      clearance: 'secret',
      passwordHash: await argon2.hash(DEMO_PASSWORD_DEFAULT),
      fonds: { create: fonds.map((f) => ({ fondsId: f.id })) },
    },
  });
  return login(api, REGISTRAR);
}

async function login(api: string, username: string): Promise<string> {
  const res = await fetch(`${api}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password: DEMO_PASSWORD_DEFAULT }),
  });
  if (!res.ok) throw new Error(`login ${username}: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { token: string }).token;
}

async function measureArchive(sql: pg.Client, api: string): Promise<void> {
  const { rows: sizes } = await sql.query<{ items: string; events: string; pages: string; db: string; bytes: string }>(
    `SELECT (SELECT count(*) FROM item) AS items, (SELECT count(*) FROM lifecycle_event) AS events, (SELECT count(*) FROM page) AS pages,
       pg_size_pretty(pg_database_size(current_database())) AS db, pg_database_size(current_database()) AS bytes`,
  );
  const s = sizes[0]!;
  say(
    `archive: ${s.items} items, ${s.events} history rows, ${s.pages} page rows; database ${s.db} (${(Number(s.bytes) / Number(s.items)).toFixed(0)} bytes per item)`,
  );
  const { rows: tables } = await sql.query<{ name: string; size: string }>(
    `SELECT relname AS name, pg_size_pretty(pg_total_relation_size(oid)) AS size FROM pg_class
     WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace ORDER BY pg_total_relation_size(oid) DESC LIMIT 5`,
  );
  say(`  largest tables with their indexes: ${tables.map((r) => `${r.name} ${r.size}`).join(', ')}`);
  const { rows: states } = await sql.query<{ state: string; items: string }>(
    'SELECT lifecycle_state AS state, sum(items) AS items FROM lifecycle_count GROUP BY 1 HAVING sum(items) <> 0 ORDER BY 2 DESC',
  );
  say(`  by state: ${states.map((r) => `${r.state} ${r.items}`).join(', ')}`);

  const token = await login(api, 'manager');
  const get = async (url: string) => {
    const res = await fetch(`${api}${url}`, { headers: { authorization: `Bearer ${token}` } });
    if (!res.ok) throw new Error(`GET ${url}: ${res.status} ${await res.text()}`);
    return res.json();
  };
  // Items drawn at random over the whole archive, each asked for once.
  const { rows: drawn } = await sql.query<{ id: string }>('SELECT id FROM item TABLESAMPLE SYSTEM (1) ORDER BY random() LIMIT $1', [
    CALLS + 10,
  ]);
  const ids = drawn.map((r) => r.id);
  const counts = await measure(CALLS, () => get('/lifecycle/counts'));
  const history = await measure(CALLS, (i) => get(`/items/${ids[(i + 10) % ids.length]}/history`));
  const rawCounts = await measure(CALLS, () =>
    sql.query('SELECT fonds_id, lifecycle_state, sum(items) FROM lifecycle_count GROUP BY 1, 2'),
  );
  const rawHistory = await measure(CALLS, (i) =>
    sql.query('SELECT * FROM lifecycle_event WHERE item_id = $1 ORDER BY id', [ids[(i + 10) % ids.length]]),
  );
  const grouped = await measure(10, () => sql.query('SELECT fonds_id, lifecycle_state, count(*) FROM item GROUP BY 1, 2'), 1);
  const { rows: plan } = await sql.query<{ 'QUERY PLAN': string }>('EXPLAIN SELECT * FROM lifecycle_event WHERE item_id = $1 ORDER BY id', [
    ids[0],
  ]);

  const verdict = (p95: number, target: number) => (p95 <= target ? `meets p95 ≤ ${target} ms` : `MISSES p95 ≤ ${target} ms`);
  say(`GET /lifecycle/counts:           ${describe(counts)}: ${verdict(counts.p95, TARGETS.counts)}`);
  say(`  raw, the counts table in SQL:  ${describe(rawCounts)}`);
  say(`  the same counts grouped over every item, in SQL (what the table saves): ${describe(grouped)}`);
  say(`GET /items/{id}/history:         ${describe(history)}: ${verdict(history.p95, TARGETS.history)}`);
  say(`  raw, one item's history in SQL: ${describe(rawHistory)}; plan: ${plan.map((r) => r['QUERY PLAN'].trim()).join(' / ')}`);
}

function readMarker(dir: string): Built {
  const file = path.join(dir, MARKER);
  if (!fs.existsSync(file)) throw new Error(`--reuse ${dir}: no archive was kept there (no ${MARKER}); build one with --keep ${dir}`);
  return JSON.parse(fs.readFileSync(file, 'utf8')) as Built;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
    server.once('error', reject);
  });
}

main().catch((err: Error) => {
  console.error(err.stack ?? err.message);
  process.exit(1);
});
