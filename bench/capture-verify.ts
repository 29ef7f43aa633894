/**
 * Pages per second through collect + verify (stage, prepare, store, fix, check, lifecycle moves), beside the raw
 * rate of decoding the same page images and writing them to the object store, measured in the same run.
 *   node --import tsx bench/capture-verify.ts [--items 20] [--pages 5]
 * Starts its own PostgreSQL, MinIO and Temporal (unless DATABASE_URL, TEMPORAL_ADDRESS, S3_ENDPOINT point elsewhere).
 */
import os from 'node:os';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { registerCase } from '../catalogue/registration';
import { renderPage } from '../ops/sample-pages';
import { CAPTURE_WORKFLOW, type CaptureWorkflow } from '../contracts/capture';
import { finishCapture, pagesArrived } from '../contracts/capture';
import { benchStack } from './stack';

const { values } = parseArgs({ options: { items: { type: 'string', default: '20' }, pages: { type: 'string', default: '5' } } });
const ITEMS = Number(values.items);
const PAGES = Number(values.pages);

async function main(): Promise<void> {
  const { config, db, store, temporal, close } = await benchStack(
    { pg: 55732, temporal: 7533, minio: 9390 },
    { LANTAI_SAMPLING_SHARE: '0' },
  );
  try {
    process.stdout.write(`rendering ${ITEMS * PAGES} A4 pages at 200 dpi…\n`);
    const cases = await Promise.all(
      Array.from({ length: ITEMS }, async (_, i) => {
        const caseNumber = `BENCH-${Date.now()}-${i}`;
        const pages = [await renderPage({ lines: 12, seed: i, barcode: { symbology: 'code128', text: caseNumber, at: 'top-right' } })];
        for (let p = 1; p < PAGES; p++) pages.push(await renderPage({ seed: i * 100 + p, seal: p === PAGES - 1 }));
        return { caseNumber, pages };
      }),
    );
    const allPages = cases.flatMap((c) => c.pages);
    const megabytes = allPages.reduce((n, p) => n + p.length, 0) / 1e6;

    // Baseline: decode every page and write it to the object store, one after another, as the pipeline does.
    let t = performance.now();
    for (const [i, page] of allPages.entries()) {
      await sharp(page).raw().toBuffer();
      await store.put({ bucket: config.s3.buckets.images, key: `bench/raw/${i}.png`, body: page, contentType: 'image/png' });
    }
    const rawSeconds = (performance.now() - t) / 1000;

    t = performance.now();
    const itemIds: string[] = [];
    for (const c of cases) {
      const { item } = await registerCase(
        db,
        {
          fonds: 'J001',
          caseNumber: c.caseNumber,
          businessType: 'GL02',
          citizenId: '440304198506151237',
          personName: '基准',
          clerk: '基准',
          handledOn: '2024-05-09',
          handlingOffice: 'BS01',
          securityLevel: 'internal',
        },
        { name: 'bench' },
      );
      itemIds.push(item.id);
      const staged = [];
      for (const [p, page] of c.pages.entries()) {
        const s = await store.put({
          bucket: config.s3.buckets.images,
          key: `staging/${item.id}/${p}`,
          body: page,
          contentType: 'image/png',
        });
        staged.push({ bucket: s.bucket, key: s.key, versionId: s.versionId, source: 'upload:bench' });
      }
      const handle = await temporal.workflow.signalWithStart<CaptureWorkflow, [unknown]>(CAPTURE_WORKFLOW, {
        workflowId: `capture-${item.id}`,
        taskQueue: config.temporal.taskQueue,
        args: [{ itemId: item.id, mode: 'window', actor: 'bench' }],
        signal: pagesArrived,
        signalArgs: [staged],
      });
      await handle.executeUpdate(finishCapture, { args: [{ actor: 'bench' }] });
    }
    for (;;) {
      const pending = await db.item.count({
        where: { id: { in: itemIds }, lifecycleState: { notIn: ['verified', 'verification_failed'] } },
      });
      if (pending === 0) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    const pipelineSeconds = (performance.now() - t) / 1000;
    const outcome = await db.item.groupBy({ by: ['lifecycleState'], where: { id: { in: itemIds } }, _count: { _all: true } });

    const pipelineRate = allPages.length / pipelineSeconds;
    const rawRate = allPages.length / rawSeconds;
    process.stdout.write(
      [
        `machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB`,
        `pages: ${allPages.length} (${ITEMS} items × ${PAGES}), ${megabytes.toFixed(1)} MB of PNG at 200 dpi`,
        `collect + verify:        ${pipelineRate.toFixed(2)} pages/s (${pipelineSeconds.toFixed(1)} s; ${outcome.map((o) => `${o._count._all} ${o.lifecycleState}`).join(', ')})`,
        `decode + store (raw):    ${rawRate.toFixed(2)} pages/s (${rawSeconds.toFixed(1)} s)`,
        `ratio pipeline / raw:    ${(pipelineRate / rawRate).toFixed(3)}`,
      ].join('\n') + '\n',
    );
  } finally {
    await close();
  }
}

main().catch((err: Error) => {
  console.error(err.stack ?? err.message);
  process.exit(1);
});
