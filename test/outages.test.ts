import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
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

describe('a step whose workflow cannot be started', () => {
  const db = createDb(testConfig().postgres.url, { poolSize: 2 });
  const made: string[] = [];
  afterAll(async () => {
    // The demo users stop working in the fonds made here, so other tests see only the demo agency's.
    await db.userFonds.deleteMany({ where: { fondsId: { in: made } } });
    await db.$disconnect();
  });

  /** A fonds of this test's own, with one box of it arranged and not yet on any list. */
  async function fondsWithBox() {
    const j001 = await db.fonds.findUniqueOrThrow({ where: { code: 'J001' } });
    const fonds = await db.fonds.create({
      data: {
        code: `C${randomUUID().slice(0, 3).toUpperCase()}`,
        name: '示范市工伤保险科',
        orgCode: 'GS',
        agencyId: j001.agencyId,
        schemeId: j001.schemeId,
      },
    });
    made.push(fonds.id);
    const users = await db.user.findMany({ where: { username: { in: ['manager', 'archivist'] } } });
    await db.userFonds.createMany({ data: users.map((u) => ({ userId: u.id, fondsId: fonds.id })) });
    const assembly = await db.volumeAssembly.create({
      data: { fondsId: fonds.id, workflowId: `fixture-${randomUUID()}`, requestedBy: 'fixture', scope: {}, status: 'assembled' },
    });
    const box = await db.box.create({
      data: {
        fondsId: fonds.id,
        category: 'GL',
        boxNumber: 1,
        year: 2024,
        retentionPeriod: 'D30',
        orgCode: 'GS',
        firstItemNumber: 1,
        lastItemNumber: 1,
        itemCount: 1,
        pageCount: 1,
        assemblyId: assembly.id,
        barcode: `BOX-${randomUUID()}`,
        arrangedBy: 'fixture',
      },
    });
    return { fonds, box };
  }

  it('leaves no row, claimed box or batch behind when Temporal cannot take the start', async () => {
    const { fonds, box } = await fondsWithBox();
    const config = testConfig();
    const importDir = `commit-point-${randomUUID()}`;
    fs.mkdirSync(path.join(config.importRoot, importDir), { recursive: true });
    fs.writeFileSync(path.join(config.importRoot, importDir, 'index.csv'), 'caseNumber,page\n');
    const packageDir = `commit-point-${randomUUID()}`;
    fs.mkdirSync(path.join(config.transfer.directoryRoot, packageDir), { recursive: true });
    const [archivist, manager] = [await client.login('archivist'), await client.login('manager')];
    const handOver = {
      fonds: fonds.code,
      boxes: [box.id],
      businessUnit: '工伤保险科',
      itemCount: 1,
      pageCount: 1,
      handedOverBy: '王经办',
      receivedBy: '李档案',
      witness: '周见证',
    };
    const assemblies = await db.volumeAssembly.count({ where: { fondsId: fonds.id } });

    await api.proxies.temporal.cut();
    try {
      const starts: [string, string, string, unknown][] = [
        ['volume assembly', archivist, '/volume-assemblies', { fonds: fonds.code }],
        ['transfer', manager, '/transfers', { fonds: fonds.code, years: [2024] }],
        ['accession', manager, '/accessions', { source: { kind: 'directory', path: packageDir } }],
        ['import', archivist, '/imports', { fonds: fonds.code, sourceDir: importDir }],
        ['hand-over', archivist, '/hand-overs', handOver],
      ];
      for (const [what, token, url, body] of starts) {
        const r = await client.call<{ error: { message: string } }>('POST', url, { token, body });
        expect([what, r.status, r.body.error?.message]).toEqual([what, 503, expect.stringMatching(/Temporal/)]);
      }
    } finally {
      await api.proxies.temporal.restore();
    }

    expect(await db.volumeAssembly.count({ where: { fondsId: fonds.id } })).toBe(assemblies);
    expect(await db.transfer.count({ where: { fondsId: fonds.id } })).toBe(0);
    expect(await db.accession.count({ where: { packageId: packageDir } })).toBe(0);
    expect(await db.importBatch.count({ where: { fondsId: fonds.id } })).toBe(0);
    expect(await db.handOver.count({ where: { fondsId: fonds.id } })).toBe(0);
    expect((await db.box.findUniqueOrThrow({ where: { id: box.id } })).handOverId).toBeNull();

    // With Temporal back, the same box goes on a list: it was not left claimed.
    const again = await eventuallyStatus(
      () =>
        client.call('POST', '/hand-overs', {
          token: archivist,
          body: handOver,
        }),
      202,
    );
    expect(again).toBe(202);
  });
});
