import { randomUUID } from 'node:crypto';
import { cronProblem } from '../domain/cron';
import { cycleStartSequence, missingMetadata, rehashDue, rehashSlot, type ItemRecord, type RehashPlan } from '../domain/inventory';
import { barcodeShape, judgeShelfScans, type ShelfCatalogue } from '../domain/shelf-scan';

describe('re-hash sample', () => {
  const ids = Array.from({ length: 600 }, () => randomUUID());
  const day = (n: number) => new Date(Date.UTC(2026, 0, n));

  /** Runs `runs` sampled runs one day apart and returns, per page, the runs that re-hashed it. */
  function simulate(cycle: number, runs: number, skipped: number[] = []) {
    const last = new Map<string, Date | null>(ids.map((id) => [id, null]));
    const starts = new Map<number, Date>();
    const rehashedIn = new Map<string, number[]>(ids.map((id) => [id, []]));
    for (let sequence = 1; sequence <= runs; sequence++) {
      starts.set(sequence, day(sequence));
      const first = cycleStartSequence(sequence, cycle);
      const plan: RehashPlan = { mode: 'sample', cycle, since: first === null ? null : starts.get(first)!.toISOString() };
      // A skipped run opened but died before reaching any page.
      if (skipped.includes(sequence)) continue;
      for (const id of ids) {
        if (!rehashDue({ id, lastRehashedAt: last.get(id)! }, { sequence, plan })) continue;
        last.set(id, new Date(day(sequence).getTime() + 60_000));
        rehashedIn.get(id)!.push(sequence);
      }
    }
    return rehashedIn;
  }

  it('re-hashes every page exactly once in each window of `cycle` consecutive runs, after the first', () => {
    const rehashedIn = simulate(4, 13);
    for (const runs of rehashedIn.values()) {
      expect(runs[0]).toBe(1);
      for (let start = 2; start + 3 <= 13; start++) expect(runs.filter((r) => r >= start && r < start + 4)).toHaveLength(1);
    }
    const perRun = [2, 3, 4, 5].map((s) => [...rehashedIn.values()].filter((r) => r.includes(s)).length);
    expect(perRun.reduce((a, b) => a + b)).toBe(ids.length);
    for (const n of perRun) expect(n).toBeGreaterThan(ids.length / 4 - 60);
  });

  it('catches up runs that died: no page waits more than a cycle of runs that did their work', () => {
    const dead = [5, 6];
    const rehashedIn = simulate(3, 12, dead);
    const live = Array.from({ length: 12 }, (_, i) => i + 1).filter((s) => !dead.includes(s));
    for (const runs of rehashedIn.values()) {
      const gaps = runs.slice(1).map((r, i) => live.indexOf(r) - live.indexOf(runs[i]!));
      expect(Math.max(...gaps)).toBeLessThanOrEqual(3);
    }
    // The page whose turn fell on a dead run is taken by the first run after it.
    expect([...rehashedIn.values()].filter((runs) => runs.includes(7)).length).toBeGreaterThan(ids.length / 3);
  });

  it('re-hashes everything with cycle 1, with mode all, and a page never re-hashed', () => {
    const id = randomUUID();
    const lastRehashedAt = new Date();
    const slot = rehashSlot(id, 5);
    const other = (slot + 1) % 5;
    expect(rehashDue({ id, lastRehashedAt }, { sequence: other, plan: { mode: 'sample', cycle: 1, since: null } })).toBe(true);
    expect(rehashDue({ id, lastRehashedAt }, { sequence: other, plan: { mode: 'all' } })).toBe(true);
    expect(rehashDue({ id, lastRehashedAt: null }, { sequence: other, plan: { mode: 'sample', cycle: 5, since: null } })).toBe(true);
    expect(rehashDue({ id, lastRehashedAt }, { sequence: other, plan: { mode: 'sample', cycle: 5, since: null } })).toBe(false);
    expect(rehashDue({ id, lastRehashedAt }, { sequence: slot + 5, plan: { mode: 'sample', cycle: 5, since: null } })).toBe(true);
    expect(rehashSlot(id, 5)).toBe(slot);
  });
});

describe('metadata completeness', () => {
  const complete: ItemRecord = {
    lifecycleState: 'in_archive_room',
    archivalCode: 'J001-SB·2024-D30-YL-0001',
    itemNumber: 1,
    barcode: 'J001-SB-2024-D30-YL-0001',
    title: '林晓 参保登记',
    caseNumber: 'C-1',
    personName: '林晓',
    clerkName: '王经办',
    handledOn: new Date('2024-05-09'),
    retentionPeriod: 'D30',
    boxId: randomUUID(),
    shelved: true,
    currentPages: 2,
  };

  it('finds nothing missing in a numbered, boxed and shelved item', () => {
    expect(missingMetadata(complete)).toEqual([]);
  });

  it('names each missing field, and a missing shelf only for items in the archive room', () => {
    expect(missingMetadata({ ...complete, archivalCode: null, title: '  ', boxId: null, currentPages: 0 })).toEqual([
      'archivalCode',
      'title',
      'box',
      'pages',
    ]);
    expect(missingMetadata({ ...complete, shelved: false })).toEqual(['shelfLocation']);
    expect(missingMetadata({ ...complete, lifecycleState: 'assembled', shelved: false })).toEqual([]);
    expect(missingMetadata({ ...complete, itemNumber: null, barcode: null, handledOn: null })).toEqual([
      'itemNumber',
      'barcode',
      'handledOn',
    ]);
  });
});

describe('shelf scan', () => {
  const S1 = 'SHELF-R01-S1';
  const S2 = 'SHELF-R01-S2';
  const B1 = 'J001-SB-2024-D30-YL-B001';
  const B2 = 'J001-SB-2024-D30-YL-B002';
  const B3 = 'J001-SB-2024-D30-YL-B003';
  const item = (n: number) => `J001-SB-2024-D30-YL-${String(n).padStart(4, '0')}`;
  const catalogue: ShelfCatalogue = {
    shelves: new Set([S1, S2]),
    boxes: new Map([
      [B1, { shelf: S1 }],
      [B2, { shelf: S1 }],
      [B3, { shelf: S2 }],
    ]),
    items: new Map([
      [item(1), { box: B1 }],
      [item(2), { box: B1 }],
      [item(3), { box: B2 }],
      [item(4), { box: B2 }],
      [item(5), { box: B3 }],
    ]),
    boxesOnShelf: new Map([
      [S1, [B1, B2]],
      [S2, [B3]],
    ]),
    itemsInBox: new Map([
      [B1, [item(1), item(2)]],
      [B2, [item(3), item(4)]],
      [B3, [item(5)]],
    ]),
    foreign: new Set(['J002-SB-2024-D30-YB-B001', 'J002-SB-2024-D30-YB-0001']),
  };
  const read = (...codes: string[]) => codes.map((barcode) => ({ barcode }));

  it('finds nothing when the shelves are as the catalogue says', () => {
    expect(judgeShelfScans([read(S1, B1, item(1), item(2), B2, item(3), item(4)), read(S2, B3, item(5))], catalogue)).toEqual([]);
  });

  it('reports a box on another shelf, and an item in another box, once each', () => {
    const findings = judgeShelfScans([read(S1, B1, item(1), item(2), item(3), S2, B3, item(5), B2, item(4))], catalogue);
    expect(findings.map((f) => [f.kind, f.barcode])).toEqual([
      ['box_misplaced', B2],
      ['item_misplaced', item(3)],
    ]);
    expect(findings[0]!.detail).toBe(`box ${B2} was read on shelf ${S2}; the catalogue places it on shelf ${S1}`);
    expect(findings[1]!.detail).toContain(`read in box ${B1}; the catalogue places it in box ${B2}`);
  });

  it('reports a box not read on its scanned shelf, and an item not read in its box', () => {
    const findings = judgeShelfScans([read(S1, B1, item(1))], catalogue);
    expect(findings.map((f) => [f.kind, f.barcode])).toEqual([
      ['box_not_on_shelf', B2],
      ['item_not_in_box', item(2)],
    ]);
  });

  it('does not judge boxes whose items were not read, nor shelves not scanned', () => {
    expect(judgeShelfScans([read(S1, B1, item(1), item(2), B2)], catalogue)).toEqual([]);
  });

  it('reports unknown barcodes once each, leaves other fonds alone, and takes an item after another fonds’ box as outside its box', () => {
    const findings = judgeShelfScans(
      [
        read(
          S1,
          B1,
          item(1),
          item(2),
          'NOPE-1',
          'J002-SB-2024-D30-YB-B001',
          'J002-SB-2024-D30-YB-0001',
          item(3),
          B2,
          item(4),
          '条码?',
          'NOPE-1',
        ),
      ],
      catalogue,
    );
    expect(findings.map((f) => [f.kind, f.barcode])).toEqual([
      ['unknown_barcode', 'NOPE-1'],
      ['unknown_barcode', '条码?'],
      ['item_misplaced', item(3)],
    ]);
    expect(findings[1]!.detail).toMatch(/no known barcode shape/);
    expect(findings[2]!.detail).toContain('in a box of another fonds');
  });

  it('starts each session afresh: an item read before any box is outside its box', () => {
    const findings = judgeShelfScans([read(S1, B1, item(1)), read(item(2))], catalogue);
    expect(findings.map((f) => [f.kind, f.barcode])).toEqual([
      ['box_not_on_shelf', B2],
      ['item_misplaced', item(2)],
    ]);
  });

  it('tells barcode shapes apart', () => {
    expect([S1, B1, item(1), 'SHELF-A-03-B', 'x', 'J001 SB', '张三'].map(barcodeShape)).toEqual([
      'shelf',
      'box',
      'item',
      'shelf',
      'unknown',
      'unknown',
      'unknown',
    ]);
  });
});

describe('cron', () => {
  it('accepts five-field expressions with ranges, lists, steps and names', () => {
    for (const ok of ['0 2 * * 0', '*/15 1-5 1,15 * MON-FRI', '30 3 1 JAN,JUL *', '0 0 * * 7']) expect(cronProblem(ok)).toBeUndefined();
  });

  it('names the field that is wrong', () => {
    expect(cronProblem('0 2 * *')).toMatch(/five fields/);
    expect(cronProblem('61 2 * * 0')).toMatch(/^minute "61": values must lie in 0–59/);
    expect(cronProblem('0 2 * 13 0')).toMatch(/^month/);
    expect(cronProblem('0 5-2 * * 0')).toMatch(/^hour "5-2": range 5-2 runs backwards/);
    expect(cronProblem('0 2 * * sometimes')).toMatch(/^day of week/);
    expect(cronProblem('0 2 */0 * *')).toMatch(/step/);
  });
});
