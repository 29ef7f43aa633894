import type { AddressInfo } from 'node:net';
import { createApp } from '../api/app';
import { ItemRegistration, registerCase } from '../catalogue/registration';
import { createObjectStore } from '../store/object-store';
import { apiClient, caseFor, harness, startApi, type Harness } from './helpers';

let h: Harness;
let api: Awaited<ReturnType<typeof startApi>>;
let client: ReturnType<typeof apiClient>;
const tokens: Record<string, string> = {};
const ids: Record<string, string> = {};

beforeAll(async () => {
  h = await harness();
  await h.startWorker();
  api = await startApi(h);
  client = apiClient(api.url);
  for (const u of ['clerk', 'archivist', 'manager', 'auditor', 'insured', 'admin']) tokens[u] = await client.login(u);

  // A medical-unit (J002) clerk, and items at several levels, to try the access rules on.
  const j002 = await h.db.fonds.findUniqueOrThrow({ where: { code: 'J002' } });
  const clerk2 = await h.db.user.findUnique({ where: { username: 'clerk-j002' } });
  if (!clerk2) {
    const template = await h.db.user.findUniqueOrThrow({ where: { username: 'clerk' } });
    await h.db.user.create({
      data: {
        username: 'clerk-j002',
        displayName: '医保经办',
        roles: ['clerk'],
        clearance: 'internal',
        passwordHash: template.passwordHash,
        fonds: { create: [{ fondsId: j002.id }] },
      },
    });
  }
  tokens.clerk2 = await client.login('clerk-j002');
  const reg = async (token: string, body: Record<string, unknown>) => {
    const r = await client.call<{ id: string }>('POST', '/items', { token, body: caseFor(body) });
    if (r.status !== 201) throw new Error(JSON.stringify(r.body));
    return r.body.id;
  };
  ids.own = await reg(tokens.clerk!, { citizenId: '11010519491231002X', personName: '陈参保' });
  ids.other = await reg(tokens.clerk!, { citizenId: '440304198506151237' });
  ids.medical = await reg(tokens.clerk2, { fonds: 'J002', businessType: 'YB01' });
  // Registered by the business system at a level above the clerk's clearance, which the clerk may not do.
  ids.secret = (
    await registerCase(h.db, ItemRegistration.parse(caseFor({ securityLevel: 'secret' })), { name: 'business system' })
  ).item.id;
});

afterAll(async () => {
  await api.close();
  await h.close();
});

describe('API', () => {
  it('reports each dependency separately in its health check', async () => {
    const r = await client.call<{ status: string; checks: Record<string, { ok: boolean }> }>('GET', '/health');
    expect(r.status).toBe(200);
    expect(Object.keys(r.body.checks).sort()).toEqual(['objectStore', 'postgres', 'temporal']);
    expect(Object.values(r.body.checks).every((c) => c.ok)).toBe(true);
  });

  it('names the dependency that fails in its health check, with 503', async () => {
    const unreachable = createObjectStore({ ...h.config.s3, endpoint: 'http://127.0.0.1:9' });
    const server = createApp({ ...api.ctx, store: unreachable }).listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    try {
      const r = await apiClient(`http://127.0.0.1:${(server.address() as AddressInfo).port}`).call<{
        status: string;
        checks: Record<string, { ok: boolean; error?: string }>;
      }>('GET', '/health');
      expect(r.status).toBe(503);
      expect(r.body.status).toBe('degraded');
      expect(r.body.checks).toMatchObject({ postgres: { ok: true }, temporal: { ok: true }, objectStore: { ok: false } });
      expect(r.body.checks.objectStore!.error).toBeTruthy();
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });

  it('documents every route it serves in its OpenAPI document', async () => {
    const r = await client.call<{ openapi: string; paths: Record<string, Record<string, unknown>> }>('GET', '/openapi.json');
    expect(r.body.openapi).toBe('3.1.0');
    const documented = Object.entries(r.body.paths)
      .flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`))
      .sort();
    const served = servedRoutes(api.ctx).sort();
    expect(documented).toEqual(served);
    expect(documented).toEqual(expect.arrayContaining(['GET /lifecycle/counts', 'GET /items/{id}/history', 'POST /items']));
  });

  it('carries the request id into the reply and uses one error shape', async () => {
    const r = await client.call<{ error: { code: string; message: string; requestId: string } }>('GET', '/items/not-a-uuid', {
      token: tokens.clerk,
      headers: { 'x-request-id': 'req-abc-123' },
    });
    expect(r.status).toBe(400);
    expect(r.headers.get('x-request-id')).toBe('req-abc-123');
    expect(r.body.error).toMatchObject({ code: 'bad_request', requestId: 'req-abc-123' });
    expect(r.body.error.message).toMatch(/^id: must be an item id/);
  });

  it('refuses a wrong password and an expired token', async () => {
    expect((await client.call('POST', '/auth/login', { body: { username: 'clerk', password: 'wrong' } })).status).toBe(401);
    const user = await h.db.user.findUniqueOrThrow({ where: { username: 'clerk' } });
    const { createHash, randomBytes } = await import('node:crypto');
    const stale = `expired-token-for-the-test-${randomBytes(8).toString('hex')}`;
    await h.db.accessToken.create({
      data: { userId: user.id, tokenHash: createHash('sha256').update(stale).digest('hex'), expiresAt: new Date(Date.now() - 1000) },
    });
    const r = await client.call<{ error: { message: string } }>('GET', '/me', { token: stale });
    expect(r.status).toBe(401);
    expect(r.body.error.message).toMatch(/expired/);
  });

  it("reads a token's user in one go: a running grant opens an item, an expired one does not, a disabled account is refused", async () => {
    const clerk = await h.db.user.findUniqueOrThrow({ where: { username: 'clerk' } });
    const head = await h.db.user.findUniqueOrThrow({ where: { username: 'head' } });
    const read = () => client.call('GET', `/items/${ids.secret}`, { token: tokens.clerk });
    expect((await read()).status).toBe(403);
    const grant = await h.db.accessGrant.create({
      data: { userId: clerk.id, itemId: ids.secret!, grantedById: head.id, reason: 'test', expiresAt: new Date(Date.now() + 60_000) },
    });
    expect((await read()).status).toBe(200);
    await h.db.accessGrant.update({ where: { id: grant.id }, data: { expiresAt: new Date(Date.now() - 1000) } });
    expect((await read()).status).toBe(403);

    const username = `leaver-${Date.now()}`;
    await h.db.user.create({ data: { username, displayName: '离职经办', roles: ['clerk'], passwordHash: clerk.passwordHash } });
    const token = await client.login(username);
    expect((await client.call('GET', '/me', { token })).status).toBe(200);
    await h.db.user.update({ where: { username }, data: { active: false } });
    const refused = await client.call<{ error: { message: string } }>('GET', '/me', { token });
    expect([refused.status, refused.body.error.message]).toEqual([401, 'the account behind this token is disabled']);
  });

  it('rejects bad index data naming the field, and stores nothing', async () => {
    const before = await h.db.item.count();
    const bad = await client.call<{ error: { message: string; details: { field: string }[] } }>('POST', '/items', {
      token: tokens.clerk,
      body: caseFor({ citizenId: '440304198506151238' }),
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.map((d) => d.field)).toEqual(['citizenId']);
    expect(bad.body.error.message).toMatch(/checksum/);
    const unknown = await client.call<{ error: { message: string } }>('POST', '/items', {
      token: tokens.clerk,
      body: caseFor({ businessType: 'XX99' }),
    });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.message).toMatch(/^businessType:/);
    const missing = await client.call<{ error: { details: { field: string }[] } }>('POST', '/items', {
      token: tokens.clerk,
      body: { ...caseFor(), personName: undefined },
    });
    expect(missing.body.error.details.map((d) => d.field)).toEqual(['personName']);
    expect(await h.db.item.count()).toBe(before);
  });

  it('registers a case once, however often the business system sends it', async () => {
    const body = caseFor();
    const first = await client.call<{ id: string }>('POST', '/items', { token: tokens.clerk, body });
    const again = await client.call<{ id: string }>('POST', '/items', { token: tokens.clerk, body });
    expect([first.status, again.status]).toEqual([201, 200]);
    expect(again.body.id).toBe(first.body.id);
  });

  it("shows an item's full history from the catalogue", async () => {
    const r = await client.call<{
      item: { lifecycleState: string };
      events: { from: string | null; to: string; actor: string; at: string }[];
    }>('GET', `/items/${ids.other}/history`, { token: tokens.manager });
    expect(r.status).toBe(200);
    expect(r.body.item.lifecycleState).toBe('registered');
    expect(r.body.events.map((e) => [e.from, e.to, e.actor])).toEqual([[null, 'registered', 'clerk']]);
  });

  it('counts items by state per fonds, only for the fonds the user works in', async () => {
    const mine = await client.call<{ fonds: string; total: number; byState: Record<string, number> }[]>('GET', '/lifecycle/counts', {
      token: tokens.clerk,
    });
    expect(mine.body.map((c) => c.fonds)).toEqual(['J001']);
    const dbCount = await h.db.item.count({ where: { fonds: { code: 'J001' }, lifecycleState: 'captured' } });
    expect(mine.body[0]!.byState.captured).toBe(dbCount);
    const both = await client.call<{ fonds: string }[]>('GET', '/lifecycle/counts', { token: tokens.manager });
    expect(both.body.map((c) => c.fonds)).toEqual(['J001', 'J002']);
    const other = await client.call('GET', '/lifecycle/counts?fonds=J002', { token: tokens.clerk });
    expect(other.status).toBe(403);
  });

  describe('denies with a reason, and audits the denial', () => {
    it.each([
      ['a clerk reading an item of another fonds', 'clerk', 'medical', /fonds J002.*not among your fonds/],
      ['a clerk whose clearance is below the item', 'clerk', 'secret', /security level is secret; your clearance is internal/],
      ["an insured person reading someone else's item", 'insured', 'other', /only their own records/],
      ['an administrator reading item content', 'admin', 'own', /do not allow 'read'/],
    ])('%s', async (_what, who, which, reason) => {
      expect(ids[which]).toBeTruthy();
      const r = await client.call<{ error: { code: string; message: string; requestId: string } }>('GET', `/items/${ids[which]}`, {
        token: tokens[who],
      });
      expect(r.status).toBe(403);
      expect(r.body.error.code).toBe('forbidden');
      expect(r.body.error.message).toMatch(reason);
      const logged = await h.db.auditEvent.findFirst({ where: { requestId: r.body.error.requestId } });
      expect(logged).toMatchObject({ outcome: 'denied', subject: `item:${ids[which]}`, actor: who });
      expect(logged!.reason).toMatch(reason);
    });

    it('but lets an insured person read their own item, and the auditor the trail', async () => {
      const own = await client.call<{ citizenId: string }>('GET', `/items/${ids.own}`, { token: tokens.insured });
      expect(own.status).toBe(200);
      expect(own.body.citizenId).toBe('11010519491231002X');
      // The auditor reads the item, with the citizen ID masked: their work does not need it.
      const audited = await client.call<{ citizenId: string }>('GET', `/items/${ids.own}`, { token: tokens.auditor });
      expect(audited.body.citizenId).toBe('110105********002X');
      expect((await client.call<{ citizenId: string }>('GET', `/items/${ids.own}`, { token: tokens.clerk })).body.citizenId).toBe(
        '11010519491231002X',
      );
      expect((await client.call('GET', '/audit?limit=5', { token: tokens.auditor })).status).toBe(200);
      expect((await client.call('GET', '/audit', { token: tokens.clerk })).status).toBe(403);
    });
  });
});

interface Layer {
  route?: { path: string; methods: Record<string, boolean> };
  handle?: { stack?: Layer[] };
}

/** What express actually serves, read from its router, not from the route list the document is built from. */
function servedRoutes(ctx: typeof api.ctx): string[] {
  const app = createApp(ctx) as unknown as { router: { stack: Layer[] } };
  const walk = (stack: Layer[]): string[] =>
    stack.flatMap((layer) =>
      layer.route
        ? Object.keys(layer.route.methods).map((m) => `${m.toUpperCase()} ${layer.route!.path.replace(/:(\w+)/g, '{$1}')}`)
        : walk(layer.handle?.stack ?? []),
    );
  return walk(app.router.stack);
}
