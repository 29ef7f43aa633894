import { randomBytes, randomUUID } from 'node:crypto';
import { RECOGNITION_WORKFLOW } from '../contracts/recognition';
import { renderTextPage } from '../ops/text-pages';
import { emptyCatalogue } from './fixtures/catalogue';
import { startOcrWorker } from './fixtures/ocr-worker';
import { apiHarness, caseFor, eventually, type Reply } from './helpers';

/**
 * 全文识别 through its real path: pages captured through the API, the recognition workflow on a real Temporal, the
 * Python OCR worker reading them with RapidOCR, the text kept in the catalogue and found by search. Pages captured
 * before any OCR worker ran are the back-fill: they wait, and are read once one runs.
 */
process.env.LANTAI_OCR_TASK_QUEUE = `test-ocr-${randomBytes(4).toString('hex')}`;
process.env.LANTAI_OCR_IDLE = '1s';
process.env.LANTAI_OCR_BATCH = '4';

const CITIZEN_ID = '440304198506151237';
const FORM = [
  '失业保险金申领审批表',
  `姓名：林晓  公民身份号码：${CITIZEN_ID}`,
  '单位名称：深圳市兰台科技有限公司',
  '申领月数：12个月  发放标准：1850元/月',
];

interface TextView {
  pageNumber: number;
  state: string;
  stateLabel: string;
  reason: string | null;
  engine: string | null;
  confidence: number | null;
  text: string | null;
  lines: { text: string; confidence: number; box: number[][] }[];
}
interface Status {
  pages: { waiting: number; recognised: number; failed: number };
  ocrWorkers: number | null;
  minutesLeft: number | null;
  failedPages: { itemId: string; pageNumber: number; reason: string }[];
}

let env: Awaited<ReturnType<typeof apiHarness>>;
let catalogue: Awaited<ReturnType<typeof emptyCatalogue>>;
let ocr: Awaited<ReturnType<typeof startOcrWorker>> | undefined;
const workflowId = `recognition-test-${randomBytes(4).toString('hex')}`;
const before: string[] = [];

const call = <T>(method: string, path: string, as: string, body?: unknown): Promise<Reply<T>> =>
  env.client.call<T>(method, path, { token: env.tokens[as], body });

async function capturedCase(pages: Buffer[], overrides: Record<string, unknown> = {}): Promise<string> {
  const r = await call<{ id: string }>('POST', '/items', 'clerk', caseFor({ businessType: 'SY01', ...overrides }));
  expect(r.status).toBe(201);
  for (const page of pages) {
    const up = await env.client.call('POST', `/items/${r.body.id}/pages`, {
      token: env.tokens.clerk,
      body: page,
      headers: { 'content-type': 'image/png' },
    });
    expect(up.status).toBe(202);
  }
  expect((await call('POST', `/items/${r.body.id}/capture/finish`, 'clerk')).status).toBe(200);
  return r.body.id;
}

const textOf = (itemId: string, n: number) => call<TextView>('GET', `/items/${itemId}/pages/${n}/text`, 'archivist');

beforeAll(async () => {
  catalogue = await emptyCatalogue();
  env = await apiHarness({ postgresUrl: catalogue.url, users: ['clerk', 'archivist', 'manager', 'auditor', 'insured'] });
  // Captured while no OCR worker runs and no recognition workflow: what an archive has before recognition starts.
  const form = await renderTextPage({ lines: FORM, seed: 1 });
  const table = await renderTextPage({
    lines: ['失业保险金发放明细表'],
    table: [
      ['月份', '金额（元）', '经办人'],
      ['2010年03月', '1850.00', '王经办'],
    ],
  });
  before.push(await capturedCase([form, table]));
}, 120_000);

afterAll(async () => {
  await ocr?.kill();
  await env?.h.temporal.workflow
    .getHandle(workflowId)
    .terminate('test over')
    .catch(() => undefined);
  await env?.close();
  await catalogue?.drop();
});

describe('recognition (全文识别)', () => {
  it('leaves pages waiting, shown in the progress, while no OCR worker runs; capture did not wait for it', async () => {
    // The capture stores its pages after the clerk's finish; then they wait.
    const status = await eventually(
      async () => {
        const r = await call<Status>('GET', '/recognition', 'archivist');
        expect(r.status).toBe(200);
        return r.body.pages.waiting === 2 ? r : undefined;
      },
      { what: 'two pages waiting' },
    );
    expect(status.body.pages).toEqual({ waiting: 2, recognised: 0, failed: 0 });
    expect(status.body.ocrWorkers).toBe(0);
    expect(status.body.minutesLeft).toBeNull();
    const page = await textOf(before[0]!, 1);
    expect(page.status).toBe(200);
    expect(page.body).toMatchObject({ state: 'pending', stateLabel: '等待识别', text: null, lines: [] });
  });

  it('reads the waiting pages once a worker and the workflow run: text, confidence and boxes per line', async () => {
    ocr = await startOcrWorker(env.h.config);
    await env.h.temporal.workflow.start(RECOGNITION_WORKFLOW, { workflowId, taskQueue: env.h.config.temporal.taskQueue, args: [] });
    const read = await eventually(
      async () => {
        const r = await textOf(before[0]!, 1);
        return r.body.state === 'recognised' ? r.body : undefined;
      },
      { timeoutMs: 180_000, what: 'page 1 recognised' },
    );
    expect(read.text).toContain(CITIZEN_ID);
    expect(read.text!.split('\n')[0]).toBe('失业保险金申领审批表');
    expect(read.text).toContain('深圳市兰台科技有限公司');
    expect(read.engine).toMatch(/^rapidocr 3\.10\.0 PP-OCRv6/);
    expect(read.confidence).toBeGreaterThan(0.8);
    expect(read.lines.length).toBeGreaterThanOrEqual(4);
    for (const line of read.lines) {
      expect(line.box).toHaveLength(4);
      expect(line.confidence).toBeGreaterThan(0);
    }
    // The title is set above the rest, so its box is the topmost.
    expect(read.lines[0]!.box[0]![1]).toBeLessThan(read.lines[1]!.box[0]![1]!);
    const table = await eventually(
      async () => {
        const r = await textOf(before[0]!, 2);
        return r.body.state === 'recognised' ? r.body : undefined;
      },
      { timeoutMs: 120_000, what: 'page 2 recognised' },
    );
    expect(table.text).toContain('1850.00');
    expect(table.text).toContain('2010年03月');
    const status = await call<Status>('GET', '/recognition', 'auditor');
    expect(status.body.pages).toEqual({ waiting: 0, recognised: 2, failed: 0 });
    expect(status.body.ocrWorkers).toBe(1);
    expect(status.body.minutesLeft).toBe(0);
  }, 300_000);

  it('reads a case captured while it runs, and search finds it by its text', async () => {
    const id = await capturedCase([await renderTextPage({ lines: ['工伤认定决定书', '职工姓名：周明远', '认定结论：属于工伤'], seed: 3 })]);
    await eventually(async () => ((await textOf(id, 1)).body.state === 'recognised' ? true : undefined), {
      timeoutMs: 120_000,
      what: 'the new page recognised',
    });
    const found = await call<{ items: { id: string; highlights: { field: string; pageNumber?: number; fragment: string }[] }[] }>(
      'GET',
      `/search?text=${encodeURIComponent('工伤认定')}`,
      'archivist',
    );
    expect(found.status).toBe(200);
    expect(found.body.items.map((i) => i.id)).toEqual([id]);
    expect(found.body.items[0]!.highlights).toContainEqual(expect.objectContaining({ field: 'text', pageNumber: 1 }));
    // Text of the first case is found too, and not the third's.
    const form = await call<{ items: { id: string }[] }>('GET', `/search?text=${encodeURIComponent('失业保险金 1850')}`, 'archivist');
    expect(form.body.items.map((i) => i.id)).toEqual([before[0]]);
  }, 180_000);

  it('records a page it cannot read as failed, with the reason; archivists send it again, auditors may not', async () => {
    // A page whose stored object is gone (set up in the catalogue directly: capture never leaves one).
    const id = await capturedCase([await renderTextPage({ lines: ['参保人员登记表'], seed: 4 })]);
    await eventually(async () => ((await textOf(id, 1)).body.state === 'recognised' ? true : undefined), { timeoutMs: 120_000 });
    const page = await env.h.db.page.findFirstOrThrow({ where: { itemId: id } });
    await env.h.db.page.create({
      data: {
        ...page,
        id: randomUUID(),
        pageNumber: 2,
        key: `${page.key}-missing`,
        versionId: null,
        recognition: 'pending',
        analysis: undefined,
        createdAt: new Date(),
      },
    });
    const failed = await eventually(
      async () => {
        const r = await textOf(id, 2);
        return r.body.state === 'failed' ? r.body : undefined;
      },
      { timeoutMs: 120_000, what: 'page 2 failed' },
    );
    expect(failed.stateLabel).toBe('识别失败');
    expect(failed.reason).toMatch(/ImageMissing/);
    const status = await call<Status>('GET', '/recognition', 'manager');
    expect(status.body.pages.failed).toBe(1);
    expect(status.body.failedPages.map((p) => [p.itemId, p.pageNumber])).toEqual([[id, 2]]);
    expect(status.body.failedPages[0]!.reason).toMatch(/ImageMissing/);

    expect((await call('POST', '/recognition/retry', 'auditor', {})).status).toBe(403);
    const retried = await call<{ pagesWaitingAgain: number }>('POST', '/recognition/retry', 'archivist', { itemId: id });
    expect(retried.status).toBe(200);
    expect(retried.body.pagesWaitingAgain).toBe(1);
    // It is read again, and fails again for the same reason.
    await eventually(async () => ((await textOf(id, 2)).body.state === 'failed' ? true : undefined), { timeoutMs: 120_000 });
  }, 300_000);

  it('refuses bad requests with a 4xx and shows text only to those who may read the item', async () => {
    const id = before[0]!;
    expect((await call('GET', `/items/${id}/pages/0/text`, 'archivist')).status).toBe(400);
    expect((await call('GET', `/items/not-a-uuid/pages/1/text`, 'archivist')).status).toBe(400);
    expect((await call('GET', `/items/${id}/pages/9/text`, 'archivist')).status).toBe(404);
    expect((await call('GET', `/items/${randomUUID()}/pages/1/text`, 'archivist')).status).toBe(404);
    // Another person's record.
    expect((await call('GET', `/items/${id}/pages/1/text`, 'insured')).status).toBe(403);
    expect((await call('GET', '/recognition', 'clerk')).status).toBe(403);
    expect((await call('POST', '/recognition/retry', 'archivist', { itemId: 'x' })).status).toBe(400);
    expect((await env.client.call('GET', '/recognition')).status).toBe(401);
    const audited = await env.h.db.auditEvent.count({ where: { action: 'read_page_text', subject: `item:${id}`, outcome: 'done' } });
    expect(audited).toBeGreaterThan(0);
  });
});
