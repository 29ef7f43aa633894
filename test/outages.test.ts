import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import type { AddressInfo } from 'node:net';
import { createApp, keepIdleConnections } from '../api/app';
import type { ApiContext } from '../api/context';
import { temporalApiConnectionOptions } from '../config/temporal';
import { renderPage } from '../ops/sample-pages';
import { createDb } from '../prisma/client';
import { createObjectStore } from '../store/object-store';
import { faultProxy, type FaultProxy } from './fault-proxy';
import { apiClient, caseFor, log, testConfig } from './helpers';

/** The API wired to the test stack's real services through proxies a test can cut, as a crash or a network fault would. */
async function apiBehindProxies() {
  const config = testConfig();
  const pgUrl = new URL(config.postgres.url);
  const [temporalHost, temporalPort] = config.temporal.address.split(':') as [string, string];
  const s3Url = new URL(config.s3.endpoint);
  const proxies = {
    postgres: await faultProxy({ host: pgUrl.hostname, port: Number(pgUrl.port) }),
    temporal: await faultProxy({ host: temporalHost, port: Number(temporalPort) }),
    store: await faultProxy({ host: s3Url.hostname, port: Number(s3Url.port) }),
  };
  pgUrl.port = String(proxies.postgres.port);
  s3Url.port = String(proxies.store.port);
  const proxied = {
    ...config,
    postgres: { ...config.postgres, url: pgUrl.toString() },
    temporal: { ...config.temporal, address: `127.0.0.1:${proxies.temporal.port}` },
    s3: { ...config.s3, endpoint: s3Url.toString().replace(/\/$/, '') },
  };
  const db = createDb(proxied.postgres.url, { poolSize: 4 });
  const connection = await Connection.connect(temporalApiConnectionOptions(proxied.temporal));
  const temporal = new Client({ connection, namespace: proxied.temporal.namespace });
  const ctx: ApiContext = { config: proxied, db, temporal, store: createObjectStore(proxied.s3), log };
  const server = createApp(ctx).listen(0, '127.0.0.1');
  keepIdleConnections(server);
  await new Promise((r) => server.once('listening', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    proxies,
    async close() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      await db.$disconnect();
      for (const p of Object.values<FaultProxy>(proxies)) await p.close();
    },
  };
}

let api: Awaited<ReturnType<typeof apiBehindProxies>>;
let client: ReturnType<typeof apiClient>;
beforeAll(async () => {
  api = await apiBehindProxies();
  client = apiClient(api.url);
});
afterAll(() => api?.close());

describe('while a service is down', () => {
  let clerk: string;
  let manager: string;
  beforeAll(async () => {
    clerk = await client.login('clerk');
    manager = await client.login('manager');
  });

  it('answers 503 naming PostgreSQL while the catalogue is down, and recovers without a restart when it returns', async () => {
    expect((await client.call('GET', '/me', { token: manager })).status).toBe(200);
    await api.proxies.postgres.cut();
    try {
      const me = await client.call<{ error: { code: string; message: string } }>('GET', '/me', { token: manager });
      expect(me.status).toBe(503);
      expect(me.body.error.message).toMatch(/PostgreSQL/);
      const login = await client.call('POST', '/auth/login', { body: { username: 'clerk', password: 'lantai-demo' } });
      expect(login.status).toBe(503);
      const health = await client.call<{ checks: Record<string, { ok: boolean }> }>('GET', '/health');
      expect(health.status).toBe(503);
      expect(health.body.checks.postgres!.ok).toBe(false);
      expect(health.body.checks.temporal!.ok).toBe(true);
    } finally {
      await api.proxies.postgres.restore();
    }
    expect((await client.call('GET', '/me', { token: manager })).status).toBe(200);
    expect((await client.call('GET', '/health')).status).toBe(200);
  });

  it('answers 503 naming Temporal while the workflow service is down, and recovers when it returns', async () => {
    expect((await client.call('GET', '/waiting', { token: manager })).status).toBe(200);
    await api.proxies.temporal.cut();
    try {
      const waiting = await client.call<{ error: { message: string } }>('GET', '/waiting', { token: manager });
      expect(waiting.status).toBe(503);
      expect(waiting.body.error.message).toMatch(/Temporal/);
    } finally {
      await api.proxies.temporal.restore();
    }
    const back = await eventuallyStatus(() => client.call('GET', '/waiting', { token: manager }), 200);
    expect(back).toBe(200);
  });

  it('answers 503 naming the object store while it is down, and takes the same page once it is back', async () => {
    const registered = await client.call<{ id: string }>('POST', '/items', { token: clerk, body: caseFor() });
    expect(registered.status).toBe(201);
    const page = await renderPage({ seed: 7 });
    const upload = () =>
      client.call<{ error?: { message: string } }>('POST', `/items/${registered.body.id}/pages`, {
        token: clerk,
        body: page,
        headers: { 'content-type': 'image/png' },
      });
    await api.proxies.store.cut();
    try {
      const refused = await upload();
      expect(refused.status).toBe(503);
      expect(refused.body.error!.message).toMatch(/object store/);
    } finally {
      await api.proxies.store.restore();
    }
    expect((await upload()).status).toBe(202);
  });
});

describe('text a client sends', () => {
  it('refuses a NUL character anywhere with a 400 naming the field, before anything is looked up', async () => {
    const r = await client.call<{ error: { message: string } }>('POST', '/auth/login', {
      body: { username: 'clerk\u0000', password: 'x' },
    });
    expect(r.status).toBe(400);
    expect(r.body.error.message).toMatch(/^body\.username: contains a NUL/);
    const token = await client.login('clerk');
    const nested = await client.call<{ error: { message: string } }>('POST', '/items', {
      token,
      body: caseFor({ personName: '林\u0000晓' }),
    });
    expect(nested.status).toBe(400);
    expect(nested.body.error.message).toMatch(/body\.personName/);
  });

  it('refuses half of a surrogate pair, and takes a whole one', async () => {
    const token = await client.login('clerk');
    const half = await client.call<{ error: { message: string } }>('POST', '/items', {
      token,
      body: JSON.stringify(caseFor({ personName: 'HALF' })).replace('HALF', '\\ud842'),
    });
    expect(half.status).toBe(400);
    expect(half.body.error.message).toMatch(/^body\.personName: contains half of a surrogate pair/);
    const whole = await client.call<{ personName: string }>('POST', '/items', { token, body: caseFor({ personName: '林𠮷' }) });
    expect(whole.status).toBe(201);
    expect(whole.body.personName).toBe('林𠮷');
  });

  it('answers 415 to a JSON body in another charset than UTF-8', async () => {
    const r = await client.call<{ error: { code: string } }>('POST', '/auth/login', {
      body: { username: 'clerk', password: 'x' },
      headers: { 'content-type': 'application/json; charset=latin1' },
    });
    expect(r.status).toBe(415);
    expect(r.body.error.code).toBe('unsupported_media_type');
  });
});

async function eventuallyStatus(call: () => Promise<{ status: number }>, wanted: number, timeoutMs = 30_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let last = 0;
  while (Date.now() < deadline) {
    last = (await call()).status;
    if (last === wanted) return last;
    await new Promise((r) => setTimeout(r, 250));
  }
  return last;
}

describe('asking a step that is not running', () => {
  it('answers 404 to resuming a scan session that never was', async () => {
    const token = await client.login('clerk');
    const r = await client.call<{ error: { message: string } }>('POST', `/scan-sessions/${randomUUID()}/resume`, { token });
    expect(r.status).toBe(404);
    expect(r.body.error.message).toMatch(/^scan session .* was not found$/);
  });

  it('answers 409 to resuming the capture of an item that has none running', async () => {
    const token = await client.login('clerk');
    const item = await client.call<{ id: string }>('POST', '/items', { token, body: caseFor() });
    const r = await client.call<{ error: { message: string } }>('POST', `/items/${item.body.id}/capture/resume`, { token });
    expect(r.status).toBe(409);
    expect(r.body.error.message).toMatch(/has no capture running/);
  });
});
