import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { renderPage } from './fixtures/imaging/pages';
import { apiHarness, eventually, type apiClient, type Harness } from './helpers';

let t: Awaited<ReturnType<typeof apiHarness>>;
let h: Harness;
let client: ReturnType<typeof apiClient>;
let archivist: string;

beforeAll(async () => {
  // No worker here: the test starts its own, in a process it can kill.
  t = await apiHarness({ users: ['archivist'], worker: false });
  ({ h, client } = t);
  archivist = t.tokens.archivist!;
});

afterAll(() => t.close());

const CITIZENS = ['11010519491231002X', '440304198506151237', '310115199001014564'];

/**
 * A folder of historical scans with its CSV index: `rows` good rows, one with a bad citizen ID, one with a missing image,
 * one whose second image is cut off half way and one whose image is an SVG drawing.
 */
async function batchFolder(rows: number): Promise<{ dir: string; cases: string[] }> {
  const name = `batch-${randomBytes(4).toString('hex')}`;
  const dir = path.join(h.config.importRoot, name);
  await fs.mkdir(dir, { recursive: true });
  const header = 'caseNumber,businessType,citizenId,personName,clerk,handledOn,handlingOffice,title,images';
  const lines = [header];
  const cases: string[] = [];
  for (let i = 1; i <= rows; i++) {
    const caseNumber = `H${name}-${String(i).padStart(3, '0')}`;
    cases.push(caseNumber);
    await fs.writeFile(
      path.join(dir, `${i}.png`),
      await renderPage({ lines: 10 + i, seed: i, barcode: { symbology: 'code128', text: caseNumber, at: 'top-right' } }),
    );
    lines.push(`${caseNumber},GL03,${CITIZENS[i % 3]},"档案,${i}",老王,2003-0${(i % 9) + 1}-15,BS01,历史档案 ${i},${i}.png`);
  }
  lines.push(`H${name}-bad-id,GL03,110105194912310021,某人,老王,2003-01-15,BS01,坏号码,1.png`);
  lines.push(`H${name}-no-image,GL03,${CITIZENS[0]},某人,老王,2003-01-15,BS01,缺图,missing.png`);
  const whole = await fs.readFile(path.join(dir, '1.png'));
  await fs.writeFile(path.join(dir, 'cut.png'), whole.subarray(0, Math.floor(whole.length / 2)));
  await fs.writeFile(
    path.join(dir, 'drawing.png'),
    '<svg xmlns="http://www.w3.org/2000/svg" width="800" height="1100"><rect width="800" height="1100"/></svg>',
  );
  lines.push(`H${name}-cut-image,GL03,${CITIZENS[0]},某人,老王,2003-01-15,BS01,半张,1.png;cut.png`);
  lines.push(`H${name}-svg-image,GL03,${CITIZENS[0]},某人,老王,2003-01-15,BS01,矢量图,drawing.png`);
  await fs.writeFile(path.join(dir, 'index.csv'), lines.join('\r\n'));
  return { dir: name, cases };
}

function workerProcess(): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', 'worker/main.ts'], {
    cwd: path.resolve(__dirname, '..'),
    env: { ...process.env, TEMPORAL_TASK_QUEUE: h.config.temporal.taskQueue, LANTAI_SAMPLING_SHARE: '0', LANTAI_LOG_LEVEL: 'error' },
    stdio: 'ignore',
  });
}

type Progress = {
  status: string;
  total: number;
  done: number;
  failed: number;
  remaining: number;
  failures: { rowNumber: number; caseNumber: string; error: string }[];
};

describe('historical digitisation import', () => {
  it('imports in chunks, survives its worker being killed, and resumes where it stopped', async () => {
    const { dir, cases } = await batchFolder(10);
    const doomed = workerProcess();
    const started = await client.call<Progress & { id: string }>('POST', '/imports', {
      token: archivist,
      body: { fonds: 'J001', sourceDir: dir, indexFile: 'index.csv', chunkSize: 2 },
    });
    expect(started.status).toBe(202);
    const batchId = started.body.id;
    const progress = () => client.call<Progress>('GET', `/imports/${batchId}`, { token: archivist }).then((r) => r.body);

    const before = await eventually(
      async () => {
        const p = await progress();
        return p.done >= 3 ? p : undefined;
      },
      { what: 'three rows imported', timeoutMs: 90_000 },
    );
    doomed.kill('SIGKILL');
    await new Promise((r) => doomed.once('exit', r));
    const killedAt = new Date();
    const atKill = await progress();
    expect(atKill.remaining).toBeGreaterThan(0);
    expect(atKill.total).toBe(14);
    expect(before.failed).toBeGreaterThanOrEqual(1);

    await h.startWorker();
    const after = await eventually(
      async () => {
        const p = await progress();
        return p.status === 'done' ? p : undefined;
      },
      { what: 'the import to finish', timeoutMs: 120_000 },
    );

    expect(after).toMatchObject({ total: 14, done: 10, failed: 4, remaining: 0 });
    expect(after.failures.map((f) => f.error)).toEqual([
      expect.stringMatching(/citizenId: citizen ID fails its checksum/),
      expect.stringMatching(/missing\.png was not found/),
      expect.stringMatching(/image cut\.png cannot be read/),
      expect.stringMatching(/image drawing\.png cannot be read: it is SVG/),
    ]);
    // A row refused for an image registered nothing, not even the case its good first image belongs to.
    const refused = after.failures.map((f) => f.caseNumber);
    expect(await h.db.item.count({ where: { caseNumber: { in: refused } } })).toBe(0);
    const items = await h.db.item.findMany({ where: { caseNumber: { in: cases } }, include: { pages: true } });
    expect(items).toHaveLength(10);
    expect(items.every((i) => i.pages.length === 1 && i.captureMode === 'historical' && i.lifecycleState !== 'registered')).toBe(true);
    // Rows finished before the kill were not imported again.
    const doneBefore = await h.db.importRow.findMany({ where: { batchId, status: 'done', itemId: { not: null } } });
    const firstPages = await h.db.page.findMany({
      where: { itemId: { in: doneBefore.map((r) => r.itemId!) } },
      orderBy: { createdAt: 'asc' },
    });
    expect(firstPages.filter((p) => p.createdAt < killedAt).length).toBeGreaterThanOrEqual(atKill.done);
    expect(firstPages).toHaveLength(10);
  });

  it('refuses an index outside the import root or missing, naming the field', async () => {
    const outside = await client.call<{ error: { details: { field: string }[] } }>('POST', '/imports', {
      token: archivist,
      body: { fonds: 'J001', sourceDir: '../../etc', indexFile: 'index.csv' },
    });
    expect(outside.status).toBe(400);
    expect(outside.body.error.details[0]!.field).toBe('sourceDir');
    const missing = await client.call<{ error: { details: { field: string }[] } }>('POST', '/imports', {
      token: archivist,
      body: { fonds: 'J001', sourceDir: '.', indexFile: 'nothing-here.csv' },
    });
    expect(missing.status).toBe(400);
    expect(missing.body.error.details[0]!.field).toBe('indexFile');
  });
});
