import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import ExcelJS from 'exceljs';
import { WORKFLOW_BUNDLE_PATH } from '../worker/build-bundle';
import { verifiedItems } from './fixtures/holdings';
import { apiHarness, eventually, type Harness } from './helpers';

let t: Awaited<ReturnType<typeof apiHarness>>;
let h: Harness;
// Years of their own for this run, so the numbering groups checked here hold only this file's items.
const base = 1900 + Math.floor(Math.random() * 45) * 2;

beforeAll(async () => {
  t = await apiHarness({ users: ['archivist', 'manager', 'clerk', 'auditor'] });
  h = t.h;
  await h.startWorker(); // a second worker on the same queue: assemblies run side by side
  await h.db.fonds.update({ where: { code: 'J002' }, data: { boxCapacity: 7, boxCapacityUnit: 'items' } });
});

afterAll(async () => {
  await h.db.fonds.update({ where: { code: 'J002' }, data: { boxCapacity: 50, boxCapacityUnit: 'items' } });
  await t.close();
});

const call = <T = Record<string, unknown>>(method: string, url: string, user: string, body?: unknown) =>
  t.client.call<T>(method, url, { token: t.tokens[user], body });

interface AssemblyView {
  id: string;
  status: string;
  items: number;
  boxes: { id: string; boxNumber: number; itemCount: number; pageCount: number }[];
  documents: { name: string; href: string }[];
}

async function assembled(id: string): Promise<AssemblyView> {
  return eventually(
    async () => {
      const view = (await call<AssemblyView>('GET', `/volume-assemblies/${id}`, 'archivist')).body;
      if (view.status === 'failed') throw new Error(`assembly failed: ${JSON.stringify(view)}`);
      return view.status === 'assembled' ? view : undefined;
    },
    { timeoutMs: 120_000, what: `assembly ${id}` },
  );
}

async function groupOf(year: number, retentionPeriod: 'D30' | 'D10') {
  return h.db.item.findMany({
    where: { fonds: { code: 'J002' }, year, retentionPeriod },
    include: { box: true },
    orderBy: { itemNumber: 'asc' },
  });
}

describe('volume assembly', () => {
  it('numbers items without gaps and never mixes years or retention periods in a box, with several assemblies at once', async () => {
    await verifiedItems(h, { fonds: 'J002', count: 23, year: base, retention: 'D30', pages: 1, day: (i) => 28 - i });
    await verifiedItems(h, { fonds: 'J002', count: 9, year: base, retention: 'D10', pages: 1 });
    await verifiedItems(h, { fonds: 'J002', count: 11, year: base + 1, retention: 'D30', pages: 1 });

    const orders = [
      { years: [base, base + 1] },
      { years: [base] },
      { years: [base + 1], retentionPeriods: ['D30'] },
      { years: [base, base + 1] },
    ];
    const started = await Promise.all(
      orders.map((o) => call<AssemblyView>('POST', '/volume-assemblies', 'archivist', { fonds: 'J002', ...o })),
    );
    expect(started.map((s) => s.status)).toEqual([202, 202, 202, 202]);
    const runs = await Promise.all(started.map((s) => assembled(s.body.id)));
    expect(runs.reduce((n, r) => n + r.items, 0)).toBe(43);

    for (const [year, retention, count] of [
      [base, 'D30', 23],
      [base, 'D10', 9],
      [base + 1, 'D30', 11],
    ] as const) {
      const items = await groupOf(year, retention);
      expect(items).toHaveLength(count);
      expect(items.map((i) => i.itemNumber)).toEqual(Array.from({ length: count }, (_, i) => i + 1));
      expect(items.every((i) => i.lifecycleState === 'assembled' && i.box !== null)).toBe(true);
      // Numbered, boxed and assembled together: one move per item, by the assembly that boxed it.
      const moves = await h.db.lifecycleEvent.findMany({ where: { itemId: { in: items.map((i) => i.id) }, toState: 'assembled' } });
      expect(moves.map((m) => [m.itemId, m.fromState, m.actor, m.transitionId]).sort()).toEqual(
        items.map((i) => [i.id, 'verified', 'archivist', `volume-assembly/${i.box!.assemblyId}/${i.id}`]).sort(),
      );
      expect(items[0]!.archivalCode).toBe(`J002-SB·${year}-${retention}-YB-0001`);
      expect(items[0]!.barcode).toBe(`J002-SB-${year}-${retention}-YB-0001`);
      for (const item of items) {
        expect(item.box).toMatchObject({ year, retentionPeriod: retention, orgCode: 'YB' });
        expect(item.itemNumber).toBeGreaterThanOrEqual(item.box!.firstItemNumber);
        expect(item.itemNumber).toBeLessThanOrEqual(item.box!.lastItemNumber);
      }
      const boxes = [...new Map(items.map((i) => [i.box!.id, i.box!])).values()].sort((a, b) => a.boxNumber - b.boxNumber);
      expect(boxes.map((b) => b.boxNumber)).toEqual(Array.from({ length: Math.ceil(count / 7) }, (_, i) => i + 1));
      expect(boxes.every((b) => b.itemCount <= 7)).toBe(true);
    }
    // Numbers follow the order the cases were handled in.
    const d30 = await groupOf(base, 'D30');
    expect(d30.map((i) => i.handledOn.getTime())).toEqual([...d30.map((i) => i.handledOn.getTime())].sort((a, b) => a - b));
    await expect(h.db.item.update({ where: { id: d30[0]!.id }, data: { itemNumber: 99 } })).rejects.toThrow(/keeps its archival code/);
  });

  it('prints a catalogue, as PDF and Excel, that lists exactly the box’s items in order', async () => {
    await verifiedItems(h, { fonds: 'J002', count: 9, year: base + 2, retention: 'D30', pages: 2 });
    const run = await assembled(
      (await call<AssemblyView>('POST', '/volume-assemblies', 'archivist', { fonds: 'J002', years: [base + 2] })).body.id,
    );
    expect(run.documents.map((d) => d.name).sort()).toEqual([
      'catalogue.pdf',
      'catalogue.xlsx',
      'item-labels.pdf',
      'note-sheets.pdf',
      'spine-labels.pdf',
    ]);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lantai-volume-'));
    const fetchDoc = async (name: string) => {
      const res = await fetch(`${t.api.url}/volume-assemblies/${run.id}/documents/${name}`, {
        headers: { authorization: `Bearer ${t.tokens.archivist}` },
      });
      expect(res.status).toBe(200);
      const file = path.join(dir, name);
      fs.writeFileSync(file, Buffer.from(await res.arrayBuffer()));
      return file;
    };
    const items = await groupOf(base + 2, 'D30');
    const codes = items.map((i) => i.archivalCode!);
    const text = execFileSync('pdftotext', ['-layout', await fetchDoc('catalogue.pdf'), '-'], { encoding: 'utf8' });
    const found = [...text.matchAll(/J002-SB·\d{4}-D30-YB-\d{4}/g)].map((m) => m[0]);
    expect(found).toEqual(codes);
    expect(text.replace(/\s/g, '')).toContain('归档文件目录');

    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.readFile(await fetchDoc('catalogue.xlsx'));
    expect(workbook.worksheets).toHaveLength(2);
    const listed = workbook.worksheets.flatMap((sheet) => {
      const rows: string[] = [];
      sheet.eachRow((row) => {
        const v = row.values as unknown[];
        const code = v.find((c) => typeof c === 'string' && c.startsWith('J002-'));
        if (code) rows.push(code as string);
      });
      return rows;
    });
    expect(listed).toEqual(codes);
    const pages = execFileSync('pdfinfo', [await fetchDoc('item-labels.pdf')], { encoding: 'utf8' });
    expect(pages).toMatch(new RegExp(`Pages:\\s+${codes.length}\\b`));
    const spines = execFileSync('pdftotext', [await fetchDoc('spine-labels.pdf'), '-'], { encoding: 'utf8' });
    expect(spines.replace(/\s/g, '')).toContain('30年');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('replays an assembly begun before items were assembled as they were numbered, which still moves them itself', async () => {
    // Recorded by the Lantai before the change: numberAndBox, markAssembled, produceVolumeDocuments, finishAssembly.
    const history = temporal.api.history.v1.History.fromObject(
      JSON.parse(
        fs.readFileSync(path.join(__dirname, 'fixtures/histories/assemble-volumes-before-assembled-when-numbered.json'), 'utf8'),
      ) as Record<string, unknown>,
    );
    expect(history.events.flatMap((e) => e.activityTaskScheduledEventAttributes?.activityType?.name ?? [])).toEqual([
      'numberAndBox',
      'markAssembled',
      'produceVolumeDocuments',
      'finishAssembly',
    ]);
    await Worker.runReplayHistory({ workflowBundle: { codePath: WORKFLOW_BUNDLE_PATH } }, history);
  });

  it('refuses an assembly in a fonds the user does not work in, and a bad scope, changing nothing', async () => {
    expect((await call('POST', '/volume-assemblies', 'clerk', { fonds: 'J002', years: [base] })).status).toBe(403);
    expect((await call('POST', '/volume-assemblies', 'archivist', { fonds: 'J002', retentionPeriods: ['D7'] })).status).toBe(400);
    expect((await call('POST', '/volume-assemblies', 'archivist', { fonds: 'NOPE' })).status).toBe(400);
  });
});

describe('hand-over to the archive room', () => {
  it('is returned with reasons when the count disagrees, then resubmitted and accepted, and the boxes are shelved', async () => {
    await verifiedItems(h, { fonds: 'J002', count: 8, year: base + 3, retention: 'D30', pages: 2 });
    const run = await assembled(
      (await call<AssemblyView>('POST', '/volume-assemblies', 'archivist', { fonds: 'J002', years: [base + 3] })).body.id,
    );
    const boxes = run.boxes.map((b) => b.id);
    expect(boxes).toHaveLength(2);
    const list = {
      fonds: 'J002',
      boxes,
      businessUnit: '医疗保险科',
      itemCount: 8,
      pageCount: 15,
      handedOverBy: '王经办',
      receivedBy: '李档案',
      witness: '周见证',
    };
    const submitted = await call<{ id: string }>('POST', '/hand-overs', 'archivist', list);
    expect(submitted.status).toBe(202);
    // Before acceptance there are no labels: a 404 in JSON, not a "PDF" holding the error.
    const early = await fetch(`${t.api.url}/hand-overs/${submitted.body.id}/shelf-labels.pdf`, {
      headers: { authorization: `Bearer ${t.tokens.manager}` },
    });
    expect([early.status, early.headers.get('content-type')]).toEqual([404, 'application/json; charset=utf-8']);
    const id = submitted.body.id;
    expect((await call('POST', '/hand-overs', 'archivist', list)).status).toBe(400);

    const counted = await eventually(async () => {
      const v = (await call<{ stage: string; discrepancies: string[] }>('GET', `/hand-overs/${id}`, 'manager')).body;
      return v.stage === 'submitted' ? v : undefined;
    });
    expect(counted.discrepancies).toEqual(['the list declares 15 pages; its boxes hold 16']);
    const placements = boxes.map((boxId, i) => ({ boxId, room: 'R01', shelf: `S${base}`, position: i + 1 }));
    const refused = await call<{ error: { message: string } }>('POST', `/hand-overs/${id}/decision`, 'manager', {
      decision: 'accept',
      placements,
    });
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toMatch(/count does not agree/);
    expect((await call('POST', `/hand-overs/${id}/decision`, 'archivist', { decision: 'return', reasons: ['页数不符'] })).status).toBe(403);
    expect(
      (await call('POST', `/hand-overs/${id}/decision`, 'manager', { decision: 'return', reasons: ['页数不符：实有16页'] })).status,
    ).toBe(200);
    expect(
      (await call('POST', `/hand-overs/${id}/resubmission`, 'archivist', { itemCount: 8, pageCount: 16, note: '已重新清点页数' })).status,
    ).toBe(200);

    await eventually(async () =>
      (await call<{ stage: string; discrepancies: string[] }>('GET', `/hand-overs/${id}`, 'manager')).body.stage === 'submitted'
        ? true
        : undefined,
    );
    const half = await call('POST', `/hand-overs/${id}/decision`, 'manager', { decision: 'accept', placements: placements.slice(0, 1) });
    expect(half.status).toBe(409);
    const accepted = await call<{ shelfBarcodes: string[] }>('POST', `/hand-overs/${id}/decision`, 'manager', {
      decision: 'accept',
      placements,
    });
    expect(accepted.status).toBe(200);
    expect(accepted.body.shelfBarcodes).toEqual([`SHELF-R01-S${base}`]);

    const done = await eventually(async () => {
      const v = (
        await call<{
          status: string;
          rounds: { kind: string }[];
          boxes: { location: { room: string; shelf: string; position: number } }[];
        }>('GET', `/hand-overs/${id}`, 'manager')
      ).body;
      return v.status === 'accepted' ? v : undefined;
    });
    expect(done.rounds.map((r) => r.kind)).toEqual(['returned', 'resubmitted']);
    expect(done.boxes.map((b) => b.location)).toEqual(
      placements.map((p) => ({ room: 'R01', shelf: p.shelf, position: p.position, shelfBarcode: `SHELF-R01-S${base}` })),
    );
    const items = await groupOf(base + 3, 'D30');
    await eventually(
      async () => ((await groupOf(base + 3, 'D30')).every((i) => i.lifecycleState === 'in_archive_room') ? true : undefined),
      { what: 'custody to change' },
    );
    expect(items.every((i) => i.box!.checkedBy === '李档案')).toBe(true);
    const labels = await fetch(`${t.api.url}/hand-overs/${id}/shelf-labels.pdf`, {
      headers: { authorization: `Bearer ${t.tokens.manager}` },
    });
    expect(labels.status).toBe(200);
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'lantai-shelf-')), 'shelf-labels.pdf');
    fs.writeFileSync(file, Buffer.from(await labels.arrayBuffer()));
    expect(execFileSync('pdftotext', [file, '-'], { encoding: 'utf8' })).toContain(`SHELF-R01-S${base}`);
  });
});
