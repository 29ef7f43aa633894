import { randomBytes, randomUUID } from 'node:crypto';
import pg from 'pg';
import { moveItems } from '../catalogue/lifecycle';
import { loadConfig } from '../config';
import { LIFECYCLE_STATES } from '../domain/lifecycle';
import { migrate, readMigrations } from '../prisma/migrate';
import { createDb, type Db } from '../prisma/client';
import { seedDemoAgency } from '../prisma/seed';
import { apiHarness, caseFor } from './helpers';

let t: Awaited<ReturnType<typeof apiHarness>>;
let registrar: string;

beforeAll(async () => {
  t = await apiHarness({ users: ['manager'], worker: false });
  // A clerk of both fonds, so one registrar fills both.
  const clerk = await t.h.db.user.findUniqueOrThrow({ where: { username: 'clerk' } });
  const fonds = await t.h.db.fonds.findMany({ where: { code: { in: ['J001', 'J002'] } } });
  const username = `clerk-both-${randomBytes(3).toString('hex')}`;
  await t.h.db.user.create({
    data: {
      username,
      displayName: '两科经办',
      roles: ['clerk'],
      clearance: 'internal',
      passwordHash: clerk.passwordHash,
      fonds: { create: fonds.map((f) => ({ fondsId: f.id })) },
    },
  });
  registrar = await t.client.login(username);
});
afterAll(() => t.close());

/** Every fonds' items by state, counted row by row, beside what the catalogue's counts table holds. */
async function countsBothWays(db: Db) {
  const counted = await db.item.groupBy({ by: ['fondsId', 'lifecycleState'], _count: { _all: true } });
  const kept = await db.lifecycleCount.groupBy({ by: ['fondsId', 'lifecycleState'], _sum: { items: true } });
  const key = (fondsId: string, state: string) => `${fondsId}/${state}`;
  return {
    counted: Object.fromEntries(counted.map((c) => [key(c.fondsId, c.lifecycleState), c._count._all])),
    kept: Object.fromEntries(
      kept.filter((k) => Number(k._sum.items) !== 0).map((k) => [key(k.fondsId, k.lifecycleState), Number(k._sum.items)]),
    ),
  };
}

async function register(fonds: string, count: number): Promise<string[]> {
  const replies = await Promise.all(
    Array.from({ length: count }, () => t.client.call<{ id: string }>('POST', '/items', { token: registrar, body: caseFor({ fonds }) })),
  );
  for (const r of replies) expect(r.status).toBe(201);
  return replies.map((r) => r.body.id);
}

const move = (itemIds: string[], to: 'captured' | 'verified' | 'verification_failed', transition = `counts-test-${randomUUID()}`) =>
  moveItems(t.h.db, { itemIds, to, actor: 'counts test', transition });

describe('lifecycle counts kept by the catalogue', () => {
  it('agree with a count of every item after registrations through the API and bulk moves, some of them concurrent', async () => {
    const before = await countsBothWays(t.h.db);
    expect(before.kept).toEqual(before.counted);

    const [j001, j002] = await Promise.all([register('J001', 12), register('J002', 8)]);
    const captured = await Promise.all([move(j001.slice(0, 9), 'captured'), move(j002.slice(0, 5), 'captured')]);
    expect(captured.map((o) => o.moved)).toEqual([9, 5]);
    // Moves that refuse some items, and a retried move, count only what moved.
    const retried = `counts-test-${randomUUID()}`;
    const verified = await move([...j001.slice(0, 6), ...j001.slice(10)], 'verified', retried);
    expect(verified).toMatchObject({ moved: 6, refused: [expect.anything(), expect.anything()] });
    expect(await move(j001.slice(0, 6), 'verified', retried)).toMatchObject({ moved: 0, already: 6 });
    await Promise.all([move(j001.slice(6, 9), 'verification_failed'), move(j002.slice(0, 5), 'verified'), register('J001', 4)]);

    const after = await countsBothWays(t.h.db);
    expect(after.kept).toEqual(after.counted);
    const j001Id = (await t.h.db.fonds.findUniqueOrThrow({ where: { code: 'J001' } })).id;
    const grew = (state: string) => (after.counted[`${j001Id}/${state}`] ?? 0) - (before.counted[`${j001Id}/${state}`] ?? 0);
    expect([grew('registered'), grew('captured'), grew('verified'), grew('verification_failed')]).toEqual([3 + 4, 0, 6, 3]);
  });

  it('are what GET /lifecycle/counts reports, per fonds', async () => {
    await register('J002', 3);
    const reply = await t.client.call<{ fonds: string; total: number; byState: Record<string, number> }[]>('GET', '/lifecycle/counts', {
      token: t.tokens.manager,
    });
    expect(reply.status).toBe(200);
    for (const code of ['J001', 'J002']) {
      const fonds = await t.h.db.fonds.findUniqueOrThrow({ where: { code } });
      const counted = await t.h.db.item.groupBy({ by: ['lifecycleState'], where: { fondsId: fonds.id }, _count: { _all: true } });
      const expected = Object.fromEntries(LIFECYCLE_STATES.map((s) => [s, counted.find((c) => c.lifecycleState === s)?._count._all ?? 0]));
      const entry = reply.body.find((e) => e.fonds === code)!;
      expect(entry.byState).toEqual(expected);
      expect(entry.total).toBe(Object.values(expected).reduce((a, b) => a + b, 0));
    }
  });

  it('do not change when a move is refused or an update changes no state', async () => {
    const [id] = await register('J001', 1);
    const before = await countsBothWays(t.h.db);
    await expect(t.h.db.$executeRaw`UPDATE item SET lifecycle_state = 'destroyed' WHERE id = ${id}::uuid`).rejects.toThrow(
      /cannot become destroyed/,
    );
    await t.h.db.$executeRaw`UPDATE item SET title = title || '（补）' WHERE id = ${id}::uuid`;
    const after = await countsBothWays(t.h.db);
    expect(after.kept).toEqual(before.kept);
    expect(after.kept).toEqual(after.counted);
  });
});

describe('migration 0006 on a catalogue that already holds items', () => {
  const dbName = `lantai_counts_${randomBytes(4).toString('hex')}`;
  const withDatabase = (name: string) => {
    const u = new URL(loadConfig(process.env).postgres.ownerUrl);
    u.pathname = `/${name}`;
    return u.toString();
  };
  const url = withDatabase(dbName);

  async function adminQuery(text: string): Promise<void> {
    const c = new pg.Client({ connectionString: withDatabase('postgres') });
    await c.connect();
    try {
      await c.query(text);
    } finally {
      await c.end();
    }
  }

  afterAll(() => adminQuery(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`));

  it('counts the items already there, so the counts agree from the first start on the new version', async () => {
    await adminQuery(`CREATE DATABASE ${dbName}`);
    await migrate(
      url,
      readMigrations().filter((m) => m.name < '0006'),
    );
    const db = createDb(url, { poolSize: 1 });
    try {
      await seedDemoAgency(db);
      const [fonds, businessType, office] = await Promise.all([
        db.fonds.findMany(),
        db.businessType.findFirstOrThrow(),
        db.handlingOffice.findFirstOrThrow(),
      ]);
      const states = ['registered', 'registered', 'captured', 'verified', 'in_archive_room'] as const;
      await db.item.createMany({
        data: fonds.flatMap((f, n) =>
          states.slice(n).map((lifecycleState, i) => ({
            fondsId: f.id,
            businessTypeId: businessType.id,
            year: 2020,
            retentionPeriod: 'D30' as const,
            lifecycleState,
            caseNumber: `M-${n}-${i}`,
            citizenId: '440304198506151237',
            personName: '林晓',
            clerkName: '王经办',
            handlingOfficeId: office.id,
            handledOn: new Date('2020-03-01'),
            title: '林晓 参保人员登记',
          })),
        ),
      });
      const { applied } = await migrate(url);
      expect(applied).toContain('0006_lifecycle_counts');
      const { counted, kept } = await countsBothWays(db);
      expect(Object.values(counted).reduce((a, b) => a + b, 0)).toBe(states.length * 2 - 1);
      expect(kept).toEqual(counted);
    } finally {
      await db.$disconnect();
    }
  });
});
