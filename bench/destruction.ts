/**
 * Time to execute a destruction list: every version of every listed item's page objects deleted (after the
 * Object Lock check), a tombstone written and the item's lifecycle moved to destroyed, then the list and
 * certificate produced and kept.
 *   node --import tsx bench/destruction.ts [--items 10000] [--pages 2]
 * Starts its own PostgreSQL, MinIO and Temporal (unless DATABASE_URL, TEMPORAL_ADDRESS, S3_ENDPOINT point elsewhere).
 */
import os from 'node:os';
import { parseArgs } from 'node:util';
import { verifiedItems } from '../test/fixtures/holdings';
import { benchApi } from './api';
import { benchStack } from './stack';

const { values } = parseArgs({ options: { items: { type: 'string', default: '10000' }, pages: { type: 'string', default: '2' } } });
const ITEMS = Number(values.items);
const PAGES = Number(values.pages);
// Seeding runs several fixtures at once: it prepares the benchmark and is not what it measures.
const SEEDERS = 8;

async function main(): Promise<void> {
  const { config, db, store, temporal, log, close } = await benchStack({ pg: 56032, temporal: 7833, minio: 9690 });
  const api = await benchApi({ config, db, temporal, store, log });
  const say = (line: string) => process.stdout.write(`${line}\n`);
  say(`machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB`);
  try {
    const [manager, ...approvers] = await Promise.all(['manager', 'compliance1', 'compliance2', 'head'].map((u) => api.login(u)));
    say(`seeding ${ITEMS} items of ${PAGES} pages under appraisal, decided for destruction…`);
    let t = performance.now();
    const share = Math.ceil(ITEMS / SEEDERS);
    const itemIds = (await Promise.all(Array.from({ length: SEEDERS }, (_, i) => verifiedItems({ config, db, temporal }, { count: Math.min(share, ITEMS - i * share), year: 2001, retention: 'D10', pages: PAGES, state: 'under_appraisal' })))).flat();
    const fonds = await db.fonds.findUniqueOrThrow({ where: { code: 'J001' } });
    const members = ['appraiser'];
    const batch = await db.appraisalBatch.create({ data: { fondsId: fonds.id, workflowId: `bench-appraisal-${Date.now()}`, asOf: new Date('2026-01-02'), rule: 'majority', members, status: 'decided', openedBy: 'bench', decidedAt: new Date() } });
    await db.appraisalEntry.createMany({ data: itemIds.map((itemId) => ({ batchId: batch.id, itemId, outcome: 'destroy' as const })) });
    await db.appraisalDecision.createMany({ data: itemIds.map((itemId) => ({ batchId: batch.id, itemId, member: 'appraiser', decision: 'destroy' as const, reason: '已过保管期限' })) });
    say(`seeded in ${((performance.now() - t) / 1000).toFixed(0)} s`);

    t = performance.now();
    const list = await api.call<{ id: string }>('POST', '/destruction-lists', manager, { batch: batch.id, method: '碎纸机粉碎', place: '档案室销毁间' });
    const proposed = (performance.now() - t) / 1000;
    for (const token of approvers) await api.call('POST', `/destruction-lists/${list.id}/approvals`, token, { decision: 'approve' });
    t = performance.now();
    const done = await api.until(`/destruction-lists/${list.id}`, manager!, ['executed', 'executed_with_failures']);
    const executed = (performance.now() - t) / 1000;
    const counts = done.counts as Record<string, number>;
    say(`list of ${ITEMS} items proposed in ${proposed.toFixed(1)} s`);
    say(`executed in ${executed.toFixed(1)} s: ${(counts.destroyed! / executed).toFixed(1)} items/s, ${((counts.destroyed! * PAGES) / executed).toFixed(1)} objects/s (${counts.destroyed} destroyed, ${counts.failed} failed, ${counts.removed} removed), list and certificate included`);
    const left = await store.list(config.s3.buckets.images, 'test-holdings/');
    say(`page objects left in the store afterwards: ${left.length}`);
  } finally {
    api.close();
    await close();
  }
}

main().catch((err: Error) => {
  console.error(err.stack ?? err.message);
  process.exit(1);
});
