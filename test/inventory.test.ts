import { randomInt } from 'node:crypto';
import { closeSync, openSync, writeSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DeleteObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { createBarcodeReader, type ReaderStatus } from '../devices';
import { readShelfBarcodes } from '../devices/shelf-scan';
import { openInventoryRunRecord } from '../catalogue/inventory-runs';
import { createS3Client } from '../store/object-store';
import { INVENTORY_WORKFLOW, type InventoryWorkflow } from '../contracts/inventory';
import { describeSchedule, ensureSchedule, inventoryScheduleOf } from '../worker/schedules';
import { verifiedItems } from './fixtures/holdings';
import { ptyPair } from './fixtures/pty';
import { apiHarness, eventually, killableWorker, type Harness } from './helpers';

let t: Awaited<ReturnType<typeof apiHarness>>;
let h: Harness;
// A year of this file's own, and a fonds of each test's own, so each inventory sees only its test's items.
const year = 1950 + randomInt(40);
const madeFonds: string[] = [];
let j001Schedule: Awaited<ReturnType<typeof describeSchedule>>;

beforeAll(async () => {
  t = await apiHarness({ users: ['archivist', 'manager', 'clerk', 'auditor'] });
  h = t.h;
  j001Schedule = await describeSchedule(h.temporal, 'inventory-J001');
});

afterAll(async () => {
  const made = await h.db.fonds.findMany({ where: { id: { in: madeFonds } } });
  for (const f of made)
    await h.temporal.schedule
      .getHandle(`inventory-${f.code}`)
      .delete()
      .catch(() => undefined);
  await h.db.userFonds.deleteMany({ where: { fondsId: { in: madeFonds } } });
  // The demo fonds' schedule goes back as it was (or away, if the test made it).
  if (!j001Schedule)
    await h.temporal.schedule
      .getHandle('inventory-J001')
      .delete()
      .catch(() => undefined);
  else {
    const before = inventoryScheduleOf(j001Schedule);
    await ensureSchedule(h.temporal, {
      scheduleId: 'inventory-J001',
      cron: before.cron,
      timeZone: j001Schedule.spec.timezone ?? 'UTC',
      workflowType: 'periodicInventory',
      args: [...((j001Schedule.action.args ?? []) as unknown[])],
      taskQueue: j001Schedule.action.taskQueue,
      workflowId: j001Schedule.action.workflowId,
      paused: before.paused,
    });
  }
  await t.close();
});

const call = <T = Record<string, unknown>>(method: string, url: string, user: string, body?: unknown) =>
  t.client.call<T>(method, url, { token: t.tokens[user], body });

interface Finding {
  id: string;
  kind: string;
  itemId: string | null;
  archivalCode: string | null;
  pageNumber: number | null;
  box: string | null;
  detail: string;
  taskId: string | null;
  taskStatus: string | null;
}
interface RunView {
  id: string;
  status: string;
  sequence: number;
  progress: { itemsTotal: number; itemsChecked: number; objectsChecked: number; objectsRehashed: number };
  counts: Record<string, number>;
  findings: Finding[];
  startedAt: string;
  finishedAt: string | null;
}

/** A fonds of the test's own in the demo agency, in which the demo archivist, manager and auditor work. */
async function ownFonds(boxCapacity = 50): Promise<{ id: string; code: string }> {
  const j001 = await h.db.fonds.findUniqueOrThrow({ where: { code: 'J001' } });
  let code: string;
  do code = `N${randomInt(1000).toString().padStart(3, '0')}`;
  while (await h.db.fonds.findUnique({ where: { code } }));
  const fonds = await h.db.fonds.create({
    data: { code, name: '盘点测试科', orgCode: 'PD', agencyId: j001.agencyId, schemeId: j001.schemeId, boxCapacity },
  });
  madeFonds.push(fonds.id);
  for (const username of ['archivist', 'manager', 'auditor']) {
    const user = await h.db.user.findUniqueOrThrow({ where: { username } });
    await h.db.userFonds.create({ data: { userId: user.id, fondsId: fonds.id } });
  }
  return fonds;
}

/** Verified items of the fonds, numbered and boxed by a real volume assembly: the holdings an inventory checks. */
async function assembledItems(fonds: string, count: number, pages: number) {
  await verifiedItems(h, { fonds, count, year, retention: 'D30', pages });
  const started = await call<{ id: string }>('POST', '/volume-assemblies', 'archivist', { fonds });
  expect(started.status).toBe(202);
  const assembly = await eventually(
    async () => {
      const view = (
        await call<{ status: string; boxes: { id: string; itemCount: number; pageCount: number }[] }>(
          'GET',
          `/volume-assemblies/${started.body.id}`,
          'archivist',
        )
      ).body;
      if (view.status === 'failed') throw new Error(`assembly failed: ${JSON.stringify(view)}`);
      return view.status === 'assembled' ? view : undefined;
    },
    { timeoutMs: 150_000, what: 'the assembly' },
  );
  const items = await h.db.item.findMany({
    where: { fonds: { code: fonds } },
    include: { pages: { orderBy: { pageNumber: 'asc' } }, box: true },
    orderBy: { itemNumber: 'asc' },
  });
  return { boxes: assembly.boxes, items };
}

async function runInventory(body: Record<string, unknown>, user = 'archivist'): Promise<RunView> {
  const started = await call<RunView>('POST', '/inventories', user, body);
  expect(started.status).toBe(202);
  return finished(started.body.id);
}

async function finished(id: string): Promise<RunView> {
  return eventually(
    async () => {
      const view = (await call<RunView>('GET', `/inventories/${id}`, 'archivist')).body;
      if (view.status === 'failed') throw new Error(`inventory failed: ${JSON.stringify(view)}`);
      return view.status === 'completed' ? view : undefined;
    },
    { timeoutMs: 150_000, what: `inventory ${id}` },
  );
}

describe('periodic inventory', () => {
  it('finds an object deleted, one altered in place and one with another size behind Lantai’s back, each with an open task', async () => {
    const fonds = await ownFonds();
    const { items } = await assembledItems(fonds.code, 4, 2);
    const [deleted, altered, resized, untouched] = items;
    const s3 = createS3Client(h.config.s3);
    const gone = deleted!.pages[0]!;
    await s3.send(new DeleteObjectCommand({ Bucket: gone.bucket, Key: gone.key, VersionId: gone.versionId! }));
    const changed = altered!.pages[1]!;
    const original = await t.api.ctx.store.get({ bucket: changed.bucket, key: changed.key });
    const sameSize = Buffer.from(original);
    const middle = Math.floor(sameSize.length / 2);
    sameSize[middle] = sameSize[middle]! ^ 0xff;
    await s3.send(new PutObjectCommand({ Bucket: changed.bucket, Key: changed.key, Body: sameSize }));
    const grown = resized!.pages[0]!;
    await s3.send(new PutObjectCommand({ Bucket: grown.bucket, Key: grown.key, Body: Buffer.concat([original, Buffer.from('appended')]) }));

    const run = await runInventory({ fonds: fonds.code, rehash: 'all' });

    expect(run.progress).toMatchObject({ itemsTotal: 4, itemsChecked: 4, objectsChecked: 8, objectsRehashed: 6 });
    expect(run.findings.map((f) => [f.kind, f.archivalCode, f.pageNumber])).toEqual([
      ['object_missing', deleted!.archivalCode, 1],
      ['size_mismatch', resized!.archivalCode, 1],
      ['digest_mismatch', altered!.archivalCode, 2],
    ]);
    expect(run.counts).toMatchObject({ object_missing: 1, size_mismatch: 1, digest_mismatch: 1, metadata_incomplete: 0, box_misplaced: 0 });
    expect(run.findings.some((f) => f.itemId === untouched!.id)).toBe(false);
    expect(run.findings.find((f) => f.kind === 'size_mismatch')!.detail).toMatch(
      new RegExp(`the store holds ${original.length + 8} bytes, the record says ${original.length}`),
    );
    expect(run.findings.every((f) => f.taskId && f.taskStatus === 'open')).toBe(true);

    const tasks = await call<
      { id: string; kind: string; itemId: string; archivalCode: string; status: string; source: string; title: string }[]
    >('GET', `/tasks?status=open&fonds=${fonds.code}`, 'archivist');
    expect(tasks.status).toBe(200);
    expect(tasks.body.map((x) => x.id).sort()).toEqual(run.findings.map((f) => f.taskId).sort());
    expect(tasks.body.every((x) => x.source === `inventory_run:${run.id}`)).toBe(true);
    const missingTask = tasks.body.find((x) => x.kind === 'object_missing')!;
    expect(missingTask.title).toContain(`${deleted!.archivalCode} page 1`);

    expect((await call('POST', `/tasks/${missingTask.id}/resolve`, 'clerk', { resolution: 'x' })).status).toBe(403);
    expect((await call('POST', `/tasks/${missingTask.id}/resolve`, 'archivist', { resolution: ' ' })).status).toBe(400);
    const resolved = await call<{ status: string; resolvedBy: string }>('POST', `/tasks/${missingTask.id}/resolve`, 'archivist', {
      resolution: '已从移交包恢复该页影像',
    });
    expect(resolved.status).toBe(200);
    expect(resolved.body).toMatchObject({ status: 'resolved', resolvedBy: 'archivist' });
    expect((await call('POST', `/tasks/${missingTask.id}/resolve`, 'manager', { resolution: 'again' })).status).toBe(409);
    expect((await call<unknown[]>('GET', `/tasks?fonds=${fonds.code}`, 'archivist')).body).toHaveLength(2);

    // The next, sampled run still finds what existence and size show; the untouched items stay clean.
    const next = await runInventory({ fonds: fonds.code });
    expect(next.sequence).toBe(run.sequence + 1);
    expect(next.findings.map((f) => f.kind)).toEqual(expect.arrayContaining(['object_missing', 'size_mismatch']));
    expect(next.findings.some((f) => f.itemId === untouched!.id)).toBe(false);
    // A problem still open keeps its task; one whose task was resolved but is found again gets a new task.
    const taskOf = (r: typeof run, kind: string) => r.findings.find((f) => f.kind === kind)!.taskId;
    expect(taskOf(next, 'size_mismatch')).toBe(taskOf(run, 'size_mismatch'));
    expect(taskOf(next, 'object_missing')).not.toBe(missingTask.id);
    expect((await call<unknown[]>('GET', `/tasks?status=open&fonds=${fonds.code}`, 'archivist')).body).toHaveLength(3);
  });

  it('re-hashes each object exactly once in any 3 consecutive runs with a cycle of 3, and checks existence and size every run', async () => {
    const fonds = await ownFonds();
    const { items } = await assembledItems(fonds.code, 6, 2);
    const pageIds = items.flatMap((i) => i.pages.map((p) => p.id));
    const set = await call<{ rehashCycle: number }>('PUT', `/fonds/${fonds.code}/inventory-schedule`, 'manager', {
      cron: '0 3 * * 6',
      rehashCycle: 3,
    });
    expect(set.status).toBe(200);
    expect(set.body.rehashCycle).toBe(3);

    const runs: { view: RunView; rehashed: Set<string> }[] = [];
    for (let n = 0; n < 4; n++) {
      const view = await runInventory({ fonds: fonds.code, rehash: 'sample' });
      const pages = await h.db.page.findMany({ where: { id: { in: pageIds } } });
      const started = Date.parse(view.startedAt);
      expect(pages.every((p) => p.lastCheckedAt && p.lastCheckedAt.getTime() >= started)).toBe(true);
      expect(view.progress).toMatchObject({ itemsChecked: 6, objectsChecked: 12 });
      runs.push({
        view,
        rehashed: new Set(pages.filter((p) => p.lastRehashedAt && p.lastRehashedAt.getTime() >= started).map((p) => p.id)),
      });
    }
    // The first run re-hashes everything (never re-hashed); from then on each object once per cycle.
    expect(runs[0]!.rehashed.size).toBe(12);
    for (const id of pageIds) expect(runs.slice(1).filter((r) => r.rehashed.has(id))).toHaveLength(1);
    expect(runs.slice(1).reduce((n, r) => n + r.view.progress.objectsRehashed, 0)).toBe(12);
    for (const r of runs) expect(r.view.progress.objectsRehashed).toBe(r.rehashed.size);
    expect(runs.every((r) => r.view.findings.length === 0)).toBe(true);
  });

  it('finds a box on the wrong shelf and an item in another box from a serial reader’s shelf scan', async () => {
    const fonds = await ownFonds(2);
    const { boxes, items } = await assembledItems(fonds.code, 6, 1);
    expect(boxes).toHaveLength(3);
    const [b1, b2, b3] = await h.db.box.findMany({ where: { id: { in: boxes.map((b) => b.id) } }, orderBy: { boxNumber: 'asc' } });
    const shelf = (s: string) => ({ room: 'PD', shelf: `${fonds.code}${s}` });
    const list = await call<{ id: string }>('POST', '/hand-overs', 'archivist', {
      fonds: fonds.code,
      boxes: boxes.map((b) => b.id),
      businessUnit: '养老保险科',
      itemCount: 6,
      pageCount: 6,
      handedOverBy: '王经办',
      receivedBy: '李档案',
      witness: '周见证',
    });
    expect(list.status).toBe(202);
    await eventually(async () =>
      (await call<{ stage: string }>('GET', `/hand-overs/${list.body.id}`, 'manager')).body.stage === 'submitted' ? true : undefined,
    );
    const placements = [
      { boxId: b1!.id, ...shelf('A'), position: 1 },
      { boxId: b2!.id, ...shelf('A'), position: 2 },
      { boxId: b3!.id, ...shelf('B'), position: 1 },
    ];
    expect((await call('POST', `/hand-overs/${list.body.id}/decision`, 'manager', { decision: 'accept', placements })).status).toBe(200);
    await eventually(
      async () => ((await h.db.item.count({ where: { fondsId: fonds.id, lifecycleState: 'in_archive_room' } })) === 6 ? true : undefined),
      { what: 'custody to change' },
    );
    const shelfA = `SHELF-PD-${fonds.code}A`;
    const shelfB = `SHELF-PD-${fonds.code}B`;
    const code = (n: number) => items[n - 1]!.barcode!;
    // Item 3 belongs in box 2 but sits in box 1; box 2 stands on shelf B, not A.
    const walk = [shelfA, b1!.barcode, code(1), code(2), code(3), shelfB, b3!.barcode, code(5), code(6), b2!.barcode, code(4)];

    const dir = await mkdtemp(path.join(os.tmpdir(), 'lantai-shelf-scan-'));
    const pty = await ptyPair(dir);
    try {
      const session = await call<{ id: string; status: string }>('POST', '/shelf-scans', 'archivist', { reader: `serial ${pty.port}` });
      expect(session.status).toBe(201);
      const id = session.body.id;
      let reading: Promise<number> | undefined;
      const connected = new Promise<void>((resolve) => {
        const reader = createBarcodeReader({ kind: 'serial', path: pty.port, id: 'shelf-reader', suffix: '\r' });
        const onStatus = (s: ReaderStatus) => s.state === 'connected' && resolve();
        reading = readShelfBarcodes(reader, { count: walk.length, idleMs: 5_000, batchSize: 4, onStatus }, async (barcodes) => {
          const r = await call('POST', `/shelf-scans/${id}/readings`, 'archivist', { barcodes });
          if (r.status !== 200) throw new Error(`readings refused: ${JSON.stringify(r.body)}`);
        });
      });
      await connected;
      const fd = openSync(pty.device, 'w');
      try {
        for (const barcode of walk) {
          writeSync(fd, Buffer.from(`${barcode}\r`, 'latin1'));
          await new Promise((r) => setTimeout(r, 20));
        }
      } finally {
        closeSync(fd);
      }
      expect(await reading).toBe(walk.length);

      const scanned = await call<{ readings: { barcode: string; shape: string }[] }>('GET', `/shelf-scans/${id}`, 'archivist');
      expect(scanned.body.readings.map((r) => r.barcode)).toEqual(walk);
      expect(scanned.body.readings.map((r) => r.shape)).toEqual([
        'shelf',
        'box',
        'item',
        'item',
        'item',
        'shelf',
        'box',
        'item',
        'item',
        'box',
        'item',
      ]);
      expect((await call('POST', '/inventories', 'archivist', { fonds: fonds.code, shelfScans: [id] })).status).toBe(409);
      expect((await call('POST', `/shelf-scans/${id}/readings`, 'archivist', { barcodes: [''] })).status).toBe(400);
      expect((await call('POST', `/shelf-scans/${id}/close`, 'archivist')).status).toBe(200);
      expect((await call('POST', `/shelf-scans/${id}/readings`, 'archivist', { barcodes: [shelfA] })).status).toBe(409);

      const run = await runInventory({ fonds: fonds.code, shelfScans: [id] });
      expect(run.findings.map((f) => [f.kind, f.kind === 'box_misplaced' ? f.box : f.archivalCode])).toEqual([
        ['box_misplaced', b2!.barcode],
        ['item_misplaced', items[2]!.archivalCode],
      ]);
      expect(run.findings[0]!.detail).toBe(`box ${b2!.barcode} was read on shelf ${shelfB}; the catalogue places it on shelf ${shelfA}`);
      expect(run.findings[1]!.detail).toContain(`read in box ${b1!.barcode}; the catalogue places it in box ${b2!.barcode}`);
    } finally {
      await pty.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('resumes an inventory whose worker was killed mid-way, without checking again what it had finished', async () => {
    const fonds = await ownFonds();
    await assembledItems(fonds.code, 300, 1);
    // The inventory runs on a worker in a process of its own, killed outright once the first chunk is committed.
    await h.stopWorkers();
    const doomed = await killableWorker(h.config.temporal.taskQueue);
    let restarted = false;
    try {
      const started = await call<RunView>('POST', '/inventories', 'archivist', { fonds: fonds.code, rehash: 'all' });
      expect(started.status).toBe(202);
      const runId = started.body.id;
      for (let i = 0; ; i++) {
        if ((await h.db.inventoryRun.findUniqueOrThrow({ where: { id: runId } })).itemsChecked > 0) break;
        if (i > 6000) throw new Error('the inventory never started checking');
        await new Promise((r) => setTimeout(r, 5));
      }
      await doomed.kill();
      const killed = await h.db.inventoryRun.findUniqueOrThrow({ where: { id: runId } });
      expect(killed.itemsChecked).toBeGreaterThan(0);
      expect(killed.itemsChecked).toBeLessThan(300);
      const pagesOf = () => h.db.page.findMany({ where: { item: { fondsId: fonds.id } }, select: { id: true, lastCheckedAt: true } });
      const before = new Map((await pagesOf()).filter((p) => p.lastCheckedAt).map((p) => [p.id, p.lastCheckedAt!.getTime()]));
      expect(before.size).toBe(killed.itemsChecked);

      // The server notices the dead worker when its heartbeats stop, and the page is taken up again at the cursor.
      await h.startWorker();
      restarted = true;
      const run = await finished(runId);
      expect(run.progress).toMatchObject({ itemsTotal: 300, itemsChecked: 300, objectsChecked: 300, objectsRehashed: 300 });
      expect(run.findings).toEqual([]);
      const after = await pagesOf();
      expect(after.every((p) => p.lastCheckedAt)).toBe(true);
      for (const p of after) {
        if (before.has(p.id)) expect(p.lastCheckedAt!.getTime()).toBe(before.get(p.id));
        else expect(p.lastCheckedAt!.getTime()).toBeGreaterThan(Math.max(...before.values()));
      }
    } finally {
      await doomed.kill();
      if (!restarted) await h.startWorker();
    }
  }, 240_000);

  it('continues as new on a long run and carries on at its cursor, checking each item once', async () => {
    const fonds = await ownFonds();
    await verifiedItems(h, { fonds: fonds.code, count: 23, year, retention: 'D30', pages: 1, state: 'in_archive_room' });
    const workflowId = `inventory-${fonds.code}-long-${randomInt(1e6)}`;
    const runId = (await openInventoryRunRecord(h.db, workflowId, {
      fonds: fonds.code,
      trigger: 'on_demand',
      requestedBy: 'archivist',
      rehash: 'all',
      rehashCycle: 1,
    }))!;
    const handle = await h.temporal.workflow.start<InventoryWorkflow>(INVENTORY_WORKFLOW, {
      workflowId,
      taskQueue: h.config.temporal.taskQueue,
      args: [{ runId, pacing: { itemsPerPage: 4, pagesPerExecution: 2 } }],
    });
    const report = await handle.result();
    expect(report).toMatchObject({ itemsTotal: 23, itemsChecked: 23, objectsChecked: 23, objectsRehashed: 23 });
    // 23 items in pages of 4, two pages per execution: the run went through three continuations.
    expect((await handle.describe()).runId).not.toBe(handle.firstExecutionRunId);
    const pages = await h.db.page.findMany({ where: { item: { fonds: { code: fonds.code } } } });
    expect(pages.every((p) => p.lastCheckedAt && p.lastRehashedAt)).toBe(true);
  });

  it('keeps a schedule per fonds with overlap skipped and a day’s catch-up, and a triggered run completes', async () => {
    expect((await call('PUT', '/fonds/J001/inventory-schedule', 'archivist', { cron: '0 2 * * 0' })).status).toBe(403);
    const bad = await call<{ error: { message: string; details: { field: string }[] } }>(
      'PUT',
      '/fonds/J001/inventory-schedule',
      'manager',
      { cron: '0 25 * * 0' },
    );
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.map((d) => d.field)).toEqual(['cron']);
    expect(bad.body.error.message).toMatch(/^cron: hour "25"/);

    const set = await call<{ cron: string; rehashCycle: number; paused: boolean; nextRuns: string[] }>(
      'PUT',
      '/fonds/J001/inventory-schedule',
      'manager',
      { cron: '30 1 * * 6', rehashCycle: 5 },
    );
    expect(set.status).toBe(200);
    expect(set.body).toMatchObject({ cron: '30 1 * * 6', rehashCycle: 5, paused: false });
    // The cron is read in the agency's zone: Saturday 01:30 in Beijing is still Friday in UTC.
    const atAgency = new Intl.DateTimeFormat('en-GB', {
      timeZone: 'Asia/Shanghai',
      weekday: 'short',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
    expect(atAgency.format(new Date(set.body.nextRuns[0]!))).toBe('Sat 01:30');
    expect(new Date(set.body.nextRuns[0]!).getUTCDay()).toBe(5);
    const handle = h.temporal.schedule.getHandle('inventory-J001');
    const described = await handle.describe();
    expect(described.policies).toMatchObject({ overlap: 'SKIP', catchupWindow: 86_400_000 });
    expect(described.action).toMatchObject({
      workflowType: 'periodicInventory',
      taskQueue: h.config.temporal.taskQueue,
      args: [{ fonds: 'J001', trigger: 'schedule', rehash: 'sample', rehashCycle: 5 }],
    });
    expect(described.spec.calendars).toHaveLength(1);
    expect((await call<{ cron: string }>('GET', '/fonds/J001/inventory-schedule', 'archivist')).body.cron).toBe('30 1 * * 6');
    // A refused change changed nothing.
    expect(inventoryScheduleOf(await handle.describe()).cron).toBe('30 1 * * 6');

    const paused = await call<{ paused: boolean }>('PUT', '/fonds/J001/inventory-schedule', 'manager', {
      cron: '30 1 * * 6',
      paused: true,
    });
    expect(paused.body.paused).toBe(true);
    expect((await handle.describe()).state.paused).toBe(true);
    expect(
      (await call<{ paused: boolean }>('PUT', '/fonds/J001/inventory-schedule', 'manager', { cron: '30 1 * * 6', paused: false })).body
        .paused,
    ).toBe(false);

    const since = new Date();
    await handle.trigger();
    const run = await eventually(
      async () => {
        const r = await h.db.inventoryRun.findFirst({ where: { fonds: { code: 'J001' }, trigger: 'schedule', startedAt: { gte: since } } });
        if (r?.status === 'failed') throw new Error(`scheduled inventory failed: ${r.error}`);
        return r?.status === 'completed' ? r : undefined;
      },
      { timeoutMs: 120_000, what: 'the scheduled inventory' },
    );
    expect(run.workflowId).toMatch(/^inventory-J001-/);
    expect(run.rehash).toMatchObject({ mode: 'sample', cycle: 5 });
    expect(run.itemsChecked).toBe(run.itemsTotal);
    const report = await call<RunView>('GET', `/inventories/${run.id}`, 'auditor');
    expect(report.status).toBe(200);
    expect(report.body.status).toBe('completed');
  });

  it('refuses what it must, changing nothing', async () => {
    const before = await h.db.inventoryRun.count();
    expect((await call('POST', '/inventories', 'clerk', { fonds: 'J001' })).status).toBe(403);
    expect((await call('POST', '/inventories', 'archivist', { fonds: 'NOPE' })).status).toBe(400);
    expect((await call('POST', '/inventories', 'archivist', { fonds: 'J001', rehash: 'some' })).status).toBe(400);
    expect(
      (await call('POST', '/inventories', 'archivist', { fonds: 'J001', shelfScans: ['4b0c0a8e-3a5e-4f0e-9d7e-6a0f0c8f3b1a'] })).status,
    ).toBe(400);
    expect(await h.db.inventoryRun.count()).toBe(before);
    expect((await call('GET', '/inventories/4b0c0a8e-3a5e-4f0e-9d7e-6a0f0c8f3b1a', 'archivist')).status).toBe(404);
    expect((await call('GET', '/tasks', 'clerk')).status).toBe(403);
    expect((await call('POST', '/shelf-scans', 'clerk', { reader: 'wedge' })).status).toBe(403);
  });
});
