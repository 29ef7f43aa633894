import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { createApp, keepIdleConnections } from '../api/app';
import type { ApiContext } from '../api/context';
import { createDb } from '../prisma/client';
import { faultProxy } from './fault-proxy';
import { apiClient, apiHarness, caseFor, eventually } from './helpers';

type Sample = { name: string; labels: Record<string, string>; value: number };

/** The samples of a Prometheus text exposition. */
function parse(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`not a sample line: ${line}`);
    const labels = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((l) => [l[1]!, l[2]!]));
    samples.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return samples;
}

const value = (samples: Sample[], name: string, labels: Record<string, string> = {}) =>
  samples
    .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    .reduce((sum, s) => sum + s.value, 0);

const scrape = async (url: string, headers: Record<string, string> = {}) => {
  const res = await fetch(`${url}/metrics`, { headers });
  return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
};

describe('/metrics', () => {
  let t: Awaited<ReturnType<typeof apiHarness>>;
  beforeAll(async () => {
    t = await apiHarness({ users: ['clerk'] });
  });
  afterAll(() => t.close());

  it('counts requests by route template and status, times them, and shows dependencies, lifecycle counts and the worker', async () => {
    const first = await scrape(t.api.url);
    expect(first.status).toBe(200);
    expect(first.type).toMatch(/^text\/plain; version=0\.0\.4/);
    const before = parse(first.text);

    const unknownItem = randomUUID();
    const missing = await t.client.call('GET', `/items/${unknownItem}`, { token: t.tokens.clerk });
    expect(missing.status).toBe(404);
    await t.client.call('GET', `/items/${randomUUID()}`, { token: t.tokens.clerk });
    expect((await t.client.call('POST', '/items', { token: t.tokens.clerk, body: caseFor() })).status).toBe(201);
    expect((await t.client.call('GET', '/no-such-route')).status).toBe(404);

    const after = parse((await scrape(t.api.url)).text);
    const moved = (name: string, labels: Record<string, string>) => value(after, name, labels) - value(before, name, labels);
    expect(moved('lantai_http_requests_total', { method: 'GET', route: '/items/:id', status: '404' })).toBe(2);
    expect(moved('lantai_http_requests_total', { method: 'POST', route: '/items', status: '201' })).toBe(1);
    expect(moved('lantai_http_requests_total', { method: 'GET', route: 'unmatched', status: '404' })).toBe(1);
    // The first scrape is itself counted once it is answered.
    expect(moved('lantai_http_requests_total', { method: 'GET', route: '/metrics', status: '200' })).toBe(1);
    expect(moved('lantai_http_request_duration_seconds_count', { method: 'GET', route: '/items/:id' })).toBe(2);
    expect(moved('lantai_http_request_duration_seconds_sum', { method: 'GET', route: '/items/:id' })).toBeGreaterThan(0);
    expect(first.text + (await scrape(t.api.url)).text).not.toContain(unknownItem);
    expect(moved('lantai_items', { fonds: 'J001', state: 'registered' })).toBe(1);
    for (const dependency of ['postgres', 'temporal', 'objectStore']) expect(value(after, 'lantai_dependency_up', { dependency })).toBe(1);
    expect(after.filter((s) => s.name === 'lantai_workflows_waiting_on_people').map((s) => s.labels.on)).toEqual(
      expect.arrayContaining(['quality_decision', 'operator']),
    );
    expect(after.some((s) => s.name === 'lantai_inventory_last_completed_timestamp_seconds' && s.labels.fonds === 'J001')).toBe(true);
    expect(value(after, 'process_cpu_seconds_total')).toBeGreaterThan(0);
    expect(
      after
        .filter((s) => s.name === 'lantai_workflows_ended_unfinished')
        .map((s) => s.labels.status)
        .sort(),
    ).toEqual(['Failed', 'Terminated', 'TimedOut']);
    const stored = await t.h.db.page.aggregate({
      where: { destroyedAt: null, bucket: t.h.config.s3.buckets.images },
      _sum: { size: true },
    });
    const bytes = after.find((s) => s.name === 'lantai_storage_bytes' && s.labels.bucket === t.h.config.s3.buckets.images);
    expect(bytes?.value ?? 0).toBe(Number(stored._sum.size ?? 0));
    const tasks = await t.h.db.archivistTask.count({ where: { status: 'open' } });
    expect(after.filter((s) => s.name === 'lantai_open_tasks').reduce((n, s) => n + s.value, 0)).toBe(tasks);

    const queue = t.h.config.temporal.taskQueue;
    const polling = await eventually(
      async () => {
        const s = parse((await scrape(t.api.url)).text);
        return value(s, 'lantai_task_queue_pollers', { task_queue: queue, type: 'activity' }) > 0 ? s : undefined;
      },
      { what: 'the worker to show as polling' },
    );
    expect(value(polling, 'lantai_task_queue_pollers', { task_queue: queue, type: 'workflow' })).toBeGreaterThan(0);
    expect(polling.some((s) => s.name === 'lantai_task_queue_backlog' && s.labels.task_queue === queue)).toBe(true);

    // Every Lantai metric the README's alert rules name is one the API serves.
    const readme = fs.readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8');
    const rules = /```yaml\ngroups:\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
    const named = [...new Set(rules.match(/lantai_\w+/g))];
    expect(named.length).toBeGreaterThanOrEqual(6);
    const served = new Set([...(await scrape(t.api.url)).text.matchAll(/^# TYPE (\w+) /gm)].map((m) => m[1]));
    expect(named.filter((n) => !served.has(n))).toEqual([]);
  });

  it('counts 5xx answers and shows PostgreSQL down, while /metrics itself still answers', async () => {
    const pgUrl = new URL(t.h.config.postgres.url);
    const proxy = await faultProxy({ host: pgUrl.hostname, port: Number(pgUrl.port) });
    pgUrl.port = String(proxy.port);
    const db = createDb(pgUrl.toString(), { poolSize: 2 });
    const ctx: ApiContext = { ...t.api.ctx, db, config: { ...t.h.config, postgres: { ...t.h.config.postgres, url: pgUrl.toString() } } };
    const server = createApp(ctx).listen(0, '127.0.0.1');
    keepIdleConnections(server);
    await new Promise((r) => server.once('listening', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const client = apiClient(url);
      expect((await client.call('GET', '/me', { token: t.tokens.clerk })).status).toBe(200);
      await proxy.cut();
      expect((await client.call('GET', '/me', { token: t.tokens.clerk })).status).toBe(503);
      const down = await scrape(url);
      expect(down.status).toBe(200);
      const s = parse(down.text);
      expect(value(s, 'lantai_http_server_errors_total', { method: 'GET', route: '/me', status: '503' })).toBe(1);
      expect(value(s, 'lantai_http_requests_total', { method: 'GET', route: '/me', status: '503' })).toBe(1);
      expect(value(s, 'lantai_dependency_up', { dependency: 'postgres' })).toBe(0);
      expect(value(s, 'lantai_dependency_up', { dependency: 'temporal' })).toBe(1);
      // Counts the catalogue cannot give now are left out, not reported as zero.
      expect(s.some((x) => x.name === 'lantai_items')).toBe(false);
      await proxy.restore();
      await eventually(async () => (value(parse((await scrape(url)).text), 'lantai_items', { fonds: 'J001' }) > 0 ? true : undefined), {
        what: 'the lifecycle counts back',
      });
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      await db.$disconnect();
      await proxy.close();
    }
  });

  it('answers only with the configured token, or without one only to this machine', async () => {
    const token = randomUUID() + randomUUID();
    const ctx: ApiContext = { ...t.api.ctx, config: { ...t.h.config, api: { ...t.h.config.api, metricsToken: token } } };
    const withToken = createApp(ctx).listen(0, '127.0.0.1');
    await new Promise((r) => withToken.once('listening', r));
    const open = createApp(t.api.ctx).listen(0, '0.0.0.0');
    await new Promise((r) => open.once('listening', r));
    try {
      const url = `http://127.0.0.1:${(withToken.address() as AddressInfo).port}`;
      expect((await scrape(url)).status).toBe(401);
      expect((await scrape(url, { authorization: `Bearer ${token}x` })).status).toBe(401);
      expect((await scrape(url, { authorization: `Bearer ${t.tokens.clerk}` })).status).toBe(401);
      const ok = await scrape(url, { authorization: `Bearer ${token}` });
      expect(ok.status).toBe(200);
      expect(ok.text).toContain('lantai_http_requests_total');

      const port = (open.address() as AddressInfo).port;
      expect((await scrape(`http://127.0.0.1:${port}`)).status).toBe(200);
      const outside = Object.values(os.networkInterfaces())
        .flat()
        .find((i) => i && i.family === 'IPv4' && !i.internal);
      if (!outside) throw new Error('this machine has no address but loopback to test a scrape from elsewhere');
      const refused = await fetch(`http://${outside.address}:${port}/metrics`);
      expect(refused.status).toBe(403);
      expect(((await refused.json()) as { error: { message: string } }).error.message).toContain('LANTAI_METRICS_TOKEN');
    } finally {
      for (const s of [withToken, open]) {
        s.closeAllConnections();
        await new Promise((r) => s.close(r));
      }
    }
  });
});
