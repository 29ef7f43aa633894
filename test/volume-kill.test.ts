import { randomInt } from 'node:crypto';
import { verifiedItems } from './fixtures/holdings';
import { apiHarness, eventually, killableWorker, type Harness } from './helpers';

let t: Awaited<ReturnType<typeof apiHarness>>;
let h: Harness;
const madeFonds: string[] = [];

beforeAll(async () => {
  // No worker in this process at first: the assembly starts on one of its own, killed outright.
  t = await apiHarness({ users: ['archivist'], worker: false });
  h = t.h;
});

afterAll(async () => {
  await h.db.userFonds.deleteMany({ where: { fondsId: { in: madeFonds } } });
  await t.close();
});

const call = <T = Record<string, unknown>>(method: string, url: string, body?: unknown) =>
  t.client.call<T>(method, url, { token: t.tokens.archivist, body });

/** A fonds of the test's own, boxes of 50 items, so its numbering groups hold only this test's items. */
async function ownFonds(): Promise<{ id: string; code: string }> {
  const j001 = await h.db.fonds.findUniqueOrThrow({ where: { code: 'J001' } });
  let code: string;
  do code = `V${randomInt(1000).toString().padStart(3, '0')}`;
  while (await h.db.fonds.findUnique({ where: { code } }));
  const fonds = await h.db.fonds.create({
    data: {
      code,
      name: '组卷测试科',
      orgCode: 'ZJ',
      agencyId: j001.agencyId,
      schemeId: j001.schemeId,
      boxCapacity: 50,
      boxCapacityUnit: 'items',
    },
  });
  madeFonds.push(fonds.id);
  const archivist = await h.db.user.findUniqueOrThrow({ where: { username: 'archivist' } });
  await h.db.userFonds.create({ data: { userId: archivist.id, fondsId: fonds.id } });
  return fonds;
}

describe('volume assembly with a worker killed mid-way', () => {
  it('is finished by another worker: every item numbered without gaps, boxed once and moved to assembled once', async () => {
    const fonds = await ownFonds();
    const year = 2000 + randomInt(20);
    const groups = [
      ['D30', 1300],
      ['D10', 700],
    ] as const;
    for (const [retention, count] of groups) await verifiedItems(h, { fonds: fonds.code, count, year, retention, pages: 1 });

    const doomed = await killableWorker(h.config.temporal.taskQueue);
    const started = await call<{ id: string }>('POST', '/volume-assemblies', { fonds: fonds.code });
    expect(started.status).toBe(202);
    const assemblyId = started.body.id;
    const assembledNow = () => h.db.item.count({ where: { fondsId: fonds.id, lifecycleState: 'assembled' } });
    // Killed as soon as the first chunk is committed, with the other chunks still to come.
    for (let i = 0; (await assembledNow()) === 0; i++) {
      if (i > 12_000) throw new Error('the assembly never committed a chunk');
      await new Promise((r) => setTimeout(r, 5));
    }
    await doomed.kill();
    const cutOff = await assembledNow();
    expect(cutOff).toBeGreaterThan(0);
    expect(cutOff).toBeLessThan(2000);
    // Whatever was cut off mid-chunk left nothing behind: every number given so far is an assembled item's.
    expect(await h.db.item.count({ where: { fondsId: fonds.id, itemNumber: { not: null } } })).toBe(cutOff);

    // The server notices the dead worker when its heartbeats stop, and the numbering is taken up where it stopped.
    await h.startWorker();
    const view = await eventually(
      async () => {
        const v = (await call<{ status: string; items: number; error: string | null }>('GET', `/volume-assemblies/${assemblyId}`)).body;
        if (v.status === 'failed') throw new Error(`the assembly failed: ${v.error}`);
        return v.status === 'assembled' ? v : undefined;
      },
      { timeoutMs: 300_000, what: 'the assembly to finish' },
    );
    expect(view.items).toBe(2000);

    const items = await h.db.item.findMany({
      where: { fondsId: fonds.id },
      include: { box: true },
      orderBy: [{ retentionPeriod: 'asc' }, { itemNumber: 'asc' }],
    });
    expect(items).toHaveLength(2000);
    expect(items.every((i) => i.lifecycleState === 'assembled' && i.box?.assemblyId === assemblyId)).toBe(true);
    for (const [retention, count] of groups) {
      const group = items.filter((i) => i.retentionPeriod === retention);
      expect(group.map((i) => i.itemNumber)).toEqual(Array.from({ length: count }, (_, n) => n + 1));
      // Each number lies in exactly one box: the group's boxes are numbered 1..m and their ranges follow on without overlap.
      const boxes = await h.db.box.findMany({
        where: { fondsId: fonds.id, retentionPeriod: retention },
        include: { _count: { select: { items: true } } },
        orderBy: { boxNumber: 'asc' },
      });
      expect(boxes.map((b) => b.boxNumber)).toEqual(Array.from({ length: boxes.length }, (_, n) => n + 1));
      expect(boxes.map((b) => [b.firstItemNumber, b.lastItemNumber])).toEqual(
        boxes.map((_, n) => [n * 50 + 1, Math.min((n + 1) * 50, count)]),
      );
      expect(boxes.every((b) => b._count.items > 0 && b._count.items === b.itemCount && b.assemblyId === assemblyId)).toBe(true);
      expect(
        group.filter((i) => i.itemNumber! < i.box!.firstItemNumber || i.itemNumber! > i.box!.lastItemNumber).map((i) => i.archivalCode),
      ).toEqual([]);
    }

    // One move to assembled per item, by the assembly's transition, with its audit row.
    const moves = await h.db.lifecycleEvent.findMany({
      where: { toState: 'assembled', item: { fondsId: fonds.id } },
      select: { itemId: true, fromState: true, transitionId: true },
    });
    expect(moves).toHaveLength(2000);
    expect(new Set(moves.map((m) => m.itemId)).size).toBe(2000);
    expect(moves.every((m) => m.fromState === 'verified' && m.transitionId === `volume-assembly/${assemblyId}/${m.itemId}`)).toBe(true);
    const [audited] = await h.db.$queryRaw<{ n: number }[]>`
      SELECT count(*)::int AS n FROM audit_event a JOIN item i ON a.subject = 'item:' || i.id::text
      WHERE i.fonds_id = ${fonds.id}::uuid AND a.action = 'lifecycle.transition' AND a.details->>'to' = 'assembled'`;
    expect(audited!.n).toBe(2000);
  }, 600_000);
});
