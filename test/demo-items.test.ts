import { registerDemoItems } from '../ops/demo-items';
import { DEMO_PASSWORD_DEFAULT, seedDemoAgency } from '../prisma/seed';
import { emptyCatalogue } from './fixtures/catalogue';
import { apiHarness } from './helpers';

let catalogue: Awaited<ReturnType<typeof emptyCatalogue>>;
let t: Awaited<ReturnType<typeof apiHarness>>;

beforeAll(async () => {
  // The demo registers its cases only into an empty catalogue, as on a first start; other test files fill the shared one.
  catalogue = await emptyCatalogue();
  // Every verified item is drawn for the sampling check here: a real start draws one in ten, and a drawn item is still verified.
  t = await apiHarness({ users: ['manager'], postgresUrl: catalogue.url, quality: { samplingShare: 1 } });
});

afterAll(async () => {
  await t?.close();
  await catalogue?.drop();
});

interface HistoryEvent {
  from: string | null;
  to: string;
  actor: string;
  reason: string | null;
}

async function demoItem(caseNumber: string) {
  const { id } = await t.h.db.item.findFirstOrThrow({ where: { caseNumber } });
  const get = async <T>(path: string) => (await t.client.call<T>('GET', `/items/${id}${path}`, { token: t.tokens.manager })).body;
  return {
    item: await get<{ lifecycleState: string }>(''),
    history: (await get<{ events: HistoryEvent[] }>('/history')).events,
    capture: await get<{ verification: { waitingOn: string } | null; defects: { type: string; pageNumber: number | null }[] }>('/capture'),
    pages: await get<{ current: boolean; signed: boolean; dpi: number }[]>('/pages'),
  };
}

const steps = (events: HistoryEvent[]) => events.map((e) => [e.from, e.to, e.actor, e.reason]);

describe('demo business cases on a first start', () => {
  it('brings each case to its state through the clerk’s capture and the automatic verification, with no manual lifecycle move', async () => {
    expect(await registerDemoItems(t.api.url, DEMO_PASSWORD_DEFAULT)).toBe(3);

    const failed = await demoItem('YL2024-000101');
    expect(failed.item.lifecycleState).toBe('verification_failed');
    expect(failed.capture.defects.map((d) => [d.type, d.pageNumber])).toEqual([['image_blurred', 2]]);
    expect(failed.capture.verification?.waitingOn).toBe('quality_decision');
    expect(failed.pages.map((p) => [p.current, p.signed, p.dpi])).toEqual(Array(4).fill([true, true, 200]));
    expect(steps(failed.history)).toEqual([
      [null, 'registered', 'clerk', null],
      ['registered', 'captured', 'clerk', null],
      ['captured', 'verification_failed', 'quality check', 'image_blurred (page 2)'],
    ]);

    const verified = await demoItem('YL2024-000102');
    expect(verified.item.lifecycleState).toBe('verified');
    expect(verified.capture.defects).toEqual([]);
    expect(verified.capture.verification?.waitingOn).toBe('sampling_review');
    expect(verified.pages.map((p) => [p.current, p.signed, p.dpi])).toEqual(Array(3).fill([true, true, 200]));
    expect(steps(verified.history)).toEqual([
      [null, 'registered', 'clerk', null],
      ['registered', 'captured', 'clerk', null],
      ['captured', 'verified', 'quality check', null],
    ]);

    const registered = await demoItem('YL2024-000103');
    expect(registered.item.lifecycleState).toBe('registered');
    expect(registered.pages).toEqual([]);
    expect(steps(registered.history)).toEqual([[null, 'registered', 'clerk', null]]);

    const manualMoves = [failed, verified, registered]
      .flatMap((d) => d.history)
      .filter((e) => e.reason === 'demo' || e.actor === 'archivist');
    expect(manualMoves).toEqual([]);
  }, 300_000);

  it('gives the demo shelves the barcode their labels print, also to a shelf an older Lantai seeded as SH-…', async () => {
    const shelves = await t.h.db.storageLocation.findMany({ where: { room: 'A101' }, orderBy: { shelf: 'asc' } });
    expect(shelves.map((s) => s.barcode)).toEqual(['SHELF-A101-01', 'SHELF-A101-02']);
    await t.h.db.storageLocation.update({ where: { id: shelves[0]!.id }, data: { barcode: 'SH-DEMO-A101-01' } });
    await seedDemoAgency(t.h.db);
    expect((await t.h.db.storageLocation.findUniqueOrThrow({ where: { id: shelves[0]!.id } })).barcode).toBe('SHELF-A101-01');
  });

  it('registers nothing once the catalogue holds items', async () => {
    expect(await registerDemoItems(t.api.url, DEMO_PASSWORD_DEFAULT)).toBe(0);
    expect(await t.h.db.item.count()).toBe(3);
  });
});
