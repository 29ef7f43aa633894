/**
 * Pages per second through recognition (全文识别): captured pages waiting in the catalogue, the recognition
 * workflow handing them to OCR worker processes (ocr/worker.py) on their own task queue, the text kept; beside the
 * raw rate of the same engine reading the same images straight from files in as many processes, in the same run.
 *   npm run bench:ocr-throughput -- [--pages 24] [--workers 2]
 * Starts its own PostgreSQL, MinIO and Temporal (unless DATABASE_URL, TEMPORAL_ADDRESS, S3_ENDPOINT point elsewhere).
 */
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { registerCase } from '../catalogue/registration';
import { CAPTURE_WORKFLOW, finishCapture, pagesArrived, type CaptureWorkflow } from '../contracts/capture';
import { RECOGNITION_WORKFLOW } from '../contracts/recognition';
import { renderTextPage } from '../ops/text-pages';
import { ocrWorkerProcess } from '../ops/ocr-worker';
import { benchStack } from './stack';

const { values } = parseArgs({ options: { pages: { type: 'string', default: '24' }, workers: { type: 'string', default: '2' } } });
const PAGES = Number(values.pages);
const WORKERS = Number(values.workers);
const tools = process.env.LANTAI_TOOLS ?? path.join(os.homedir(), '.cache', 'lantai');
const threads = String(Math.max(1, Math.floor(os.cpus().length / WORKERS)));

function page(i: number): Promise<Buffer> {
  return renderTextPage({
    lines: [
      ['失业保险金申领审批表', '基本养老保险待遇核定表', '工伤认定申请表'][i % 3]!,
      `档号：J001-SY01-2010-D10-${String(i + 1).padStart(4, '0')}`,
      `姓名：林晓${i}  公民身份号码：440304198506151237`,
      '单位名称：深圳市兰台科技有限公司',
      `经办日期：2010年03月${String((i % 28) + 1).padStart(2, '0')}日  金额：1850.00元`,
      '本人承诺以上所填信息真实有效，如有虚假愿承担相应责任。',
    ],
    seed: i,
  });
}

async function main(): Promise<void> {
  const { config, db, store, temporal, close } = await benchStack(
    { pg: 55832, temporal: 7633, minio: 9490 },
    { LANTAI_SAMPLING_SHARE: '0', LANTAI_OCR_IDLE: '1s', LANTAI_OCR_BATCH: String(Math.max(8, 4 * WORKERS)) },
  );
  const ocrWorkers: ReturnType<typeof spawn>[] = [];
  try {
    process.stdout.write(`rendering ${PAGES} A4 text pages at 200 dpi…\n`);
    const images = await Promise.all(Array.from({ length: PAGES }, (_, i) => page(i)));

    // The archive's pages: captured through the capture workflow, one page per case, so they wait for recognition.
    process.stdout.write(`capturing ${PAGES} cases…\n`);
    const itemIds: string[] = [];
    for (const [i, image] of images.entries()) {
      const { item } = await registerCase(
        db,
        {
          fonds: 'J001',
          caseNumber: `OCR-BENCH-${Date.now()}-${i}`,
          businessType: 'SY01',
          citizenId: '440304198506151237',
          personName: '林晓',
          clerk: '基准',
          handledOn: '2010-03-15',
          handlingOffice: 'BS01',
          securityLevel: 'internal',
        },
        { name: 'bench' },
      );
      itemIds.push(item.id);
      const s = await store.put({ bucket: config.s3.buckets.images, key: `staging/${item.id}/0`, body: image, contentType: 'image/png' });
      const handle = await temporal.workflow.signalWithStart<CaptureWorkflow, [unknown]>(CAPTURE_WORKFLOW, {
        workflowId: `capture-${item.id}`,
        taskQueue: config.temporal.taskQueue,
        args: [{ itemId: item.id, mode: 'window', actor: 'bench' }],
        signal: pagesArrived,
        signalArgs: [[{ bucket: s.bucket, key: s.key, versionId: s.versionId, source: 'upload:bench' }]],
      });
      await handle.executeUpdate(finishCapture, { args: [{ actor: 'bench' }] });
    }
    const waiting = () => db.page.count({ where: { itemId: { in: itemIds }, supersededAt: null, recognition: 'pending' } });
    while ((await db.page.count({ where: { itemId: { in: itemIds }, supersededAt: null } })) < PAGES) await sleep(200);

    process.stdout.write(`starting ${WORKERS} OCR workers…\n`);
    let ready = 0;
    await Promise.all(
      Array.from(
        { length: WORKERS },
        () =>
          new Promise<void>((resolve, reject) => {
            const { command, args, env } = ocrWorkerProcess(config, Number(threads));
            const child = spawn(command, args, {
              env,
              stdio: ['ignore', 'pipe', 'inherit'],
            });
            ocrWorkers.push(child);
            child.stdout.on('data', (chunk: Buffer) => {
              if (chunk.toString().includes('"polling"')) {
                ready += 1;
                resolve();
              }
            });
            child.once('exit', (code) => reject(new Error(`an OCR worker exited with ${code}`)));
          }),
      ),
    );
    const started = performance.now();
    const workflowId = `recognition-bench-${Date.now()}`;
    await temporal.workflow.start(RECOGNITION_WORKFLOW, { workflowId, taskQueue: config.temporal.taskQueue, args: [] });
    while ((await waiting()) > 0) await sleep(200);
    const pipelineSeconds = (performance.now() - started) / 1000;
    await temporal.workflow.getHandle(workflowId).terminate('bench over');
    const kept = await db.pageText.count({ where: { itemId: { in: itemIds } } });
    const failed = await db.page.count({ where: { itemId: { in: itemIds }, recognition: 'failed' } });

    for (const w of ocrWorkers.splice(0)) w.kill('SIGKILL');
    // Raw, once recognition is over and its workers stopped: the same engine on the same stored images, from files,
    // in as many processes, each its share.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lantai-ocr-raw-'));
    // The images as capture stored them (prepared: deskewed, cropped, their format), which is what the workers read.
    const stored = await db.page.findMany({
      where: { itemId: { in: itemIds }, supersededAt: null },
      select: { bucket: true, key: true, versionId: true, format: true },
    });
    const files = await Promise.all(
      stored.map(async (p, i) => {
        const file = path.join(dir, `${i}.${p.format === 'jpeg' ? 'jpg' : 'png'}`);
        fs.writeFileSync(file, await store.get({ bucket: p.bucket, key: p.key, versionId: p.versionId ?? undefined }));
        return file;
      }),
    );
    const shares = Array.from({ length: WORKERS }, (_, w) => files.filter((_, i) => i % WORKERS === w));
    const rawStarted = performance.now();
    const rawRuns = await Promise.all(
      shares.map((share) =>
        promisify(execFile)('python3', [path.resolve(__dirname, '..', 'ocr', 'engine.py'), ...share], {
          env: { ...process.env, PYTHONPATH: path.join(tools, 'ocr'), LANTAI_OCR_THREADS: threads },
          maxBuffer: 64 * 1024 * 1024,
        }),
      ),
    );
    const rawWall = (performance.now() - rawStarted) / 1000;
    // Reading time only: the slowest process's pages (its model load is left out, as a running worker has it loaded).
    const rawSeconds = Math.max(
      ...rawRuns.map((r) =>
        r.stdout
          .trim()
          .split('\n')
          .reduce((s, l) => s + (JSON.parse(l) as { milliseconds: number }).milliseconds / 1000, 0),
      ),
    );
    fs.rmSync(dir, { recursive: true, force: true });

    const pipelineRate = PAGES / pipelineSeconds;
    const rawRate = PAGES / rawSeconds;
    process.stdout.write(
      [
        `machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB; ${ready} OCR workers of ${threads} thread(s)`,
        `pages: ${PAGES} A4 text pages at 200 dpi, ${kept} texts kept, ${failed} failed`,
        `recognition (workflow + OCR workers):  ${(pipelineRate * 60).toFixed(1)} pages/min (${pipelineSeconds.toFixed(1)} s)`,
        `engine alone, same processes (raw):    ${(rawRate * 60).toFixed(1)} pages/min (${rawSeconds.toFixed(1)} s reading, ${rawWall.toFixed(1)} s with model loads)`,
        `ratio recognition / raw:               ${(pipelineRate / rawRate).toFixed(3)}`,
      ].join('\n') + '\n',
    );
  } finally {
    for (const w of ocrWorkers) w.kill('SIGKILL');
    await close();
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

main().catch((err: Error) => {
  console.error(err.stack ?? err.message);
  process.exit(1);
});
