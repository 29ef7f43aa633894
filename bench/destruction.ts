/**
 * Time to execute a destruction list: every version of every listed item's page objects checked for Object Lock and
 * deleted, a tombstone written and the item's lifecycle moved to destroyed, then the list and certificate produced
 * and kept. Beside it, in the same run, the raw rate of the store for the same objects: a second, identical set of
 * items whose versions are listed (one listing per item's folder, as many at once as destruction runs) and deleted
 * (DeleteObjects, 1000 versions a request, as many requests at once) straight on the store, with nothing else.
 *   node --import tsx bench/destruction.ts [--items 10000] [--pages 2] [--pg 56032 --temporal 7833 --minio 9690]
 * Starts its own PostgreSQL, MinIO and Temporal (unless DATABASE_URL, TEMPORAL_ADDRESS, S3_ENDPOINT point elsewhere).
 */
import os from 'node:os';
import { parseArgs } from 'node:util';
import { DeleteObjectsCommand, ListObjectVersionsCommand } from '@aws-sdk/client-s3';
import { eachInFlight } from '../domain/in-flight';
import { createS3Client } from '../store/object-store';
import { verifiedItems } from '../test/fixtures/holdings';
import { benchApi } from './api';
import { benchStack } from './stack';

const { values } = parseArgs({
  options: {
    items: { type: 'string', default: '10000' },
    pages: { type: 'string', default: '2' },
    pg: { type: 'string', default: '56032' },
    temporal: { type: 'string', default: '7833' },
    minio: { type: 'string', default: '9690' },
  },
});
const ITEMS = Number(values.items);
const PAGES = Number(values.pages);
// Seeding runs several fixtures at once: it prepares the benchmark and is not what it measures.
const SEEDERS = 16;
// The raw job's concurrency: the same as destruction's (activities/destruction-page.ts).
const LISTINGS_IN_FLIGHT = 32;
const DELETES_IN_FLIGHT = 4;

async function main(): Promise<void> {
  const { config, db, store, temporal, log, close } = await benchStack({
    pg: Number(values.pg),
    temporal: Number(values.temporal),
    minio: Number(values.minio),
  });
  const api = await benchApi({ config, db, temporal, store, log });
  const say = (line: string) => process.stdout.write(`${line}\n`);
  say(
    `machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, load ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );
  try {
    const [manager, ...approvers] = await Promise.all(['manager', 'compliance1', 'compliance2', 'head'].map((u) => api.login(u)));
    say(`seeding twice ${ITEMS} items of ${PAGES} pages under appraisal (one set for the list, one for the raw rate)…`);
    let t = performance.now();
    const seed = async (count: number) => {
      const share = Math.ceil(count / SEEDERS);
      const parts = Array.from({ length: SEEDERS }, (_, i) => Math.max(0, Math.min(share, count - i * share)));
      return (
        await Promise.all(
          parts.map((n) =>
            verifiedItems({ config, db, temporal }, { count: n, year: 2001, retention: 'D10', pages: PAGES, state: 'under_appraisal' }),
          ),
        )
      ).flat();
    };
    const [itemIds, rawIds] = [await seed(ITEMS), await seed(ITEMS)];
    const fonds = await db.fonds.findUniqueOrThrow({ where: { code: 'J001' } });
    const batch = await db.appraisalBatch.create({
      data: {
        fondsId: fonds.id,
        workflowId: `bench-appraisal-${Date.now()}`,
        asOf: new Date('2026-01-02'),
        rule: 'majority',
        members: ['appraiser'],
        status: 'decided',
        openedBy: 'bench',
        decidedAt: new Date(),
      },
    });
    await db.appraisalEntry.createMany({ data: itemIds.map((itemId) => ({ batchId: batch.id, itemId, outcome: 'destroy' as const })) });
    await db.appraisalDecision.createMany({
      data: itemIds.map((itemId) => ({
        batchId: batch.id,
        itemId,
        member: 'appraiser',
        decision: 'destroy' as const,
        reason: '已过保管期限',
      })),
    });
    say(`seeded in ${((performance.now() - t) / 1000).toFixed(0)} s`);

    const raw = await rawDeletion(config, db, rawIds);
    const rawRate = ITEMS / raw.seconds;
    say(
      `raw, straight on the store: ${raw.versions} versions listed (${ITEMS} listings) in ${raw.listing.toFixed(1)} s and deleted in ${(raw.seconds - raw.listing).toFixed(1)} s: ${raw.seconds.toFixed(1)} s, ${rawRate.toFixed(1)} items/s, ${(raw.versions / raw.seconds).toFixed(0)} versions/s`,
    );

    t = performance.now();
    const list = await api.call<{ id: string }>('POST', '/destruction-lists', manager, {
      batch: batch.id,
      method: '碎纸机粉碎',
      place: '档案室销毁间',
    });
    const proposed = (performance.now() - t) / 1000;
    for (const token of approvers) await api.call('POST', `/destruction-lists/${list.id}/approvals`, token, { decision: 'approve' });
    t = performance.now();
    // The deletion itself (the raw job's counterpart) ends when no entry is left listed; documents follow.
    for (;;) {
      if ((await db.destructionEntry.count({ where: { listId: list.id, status: 'listed' } })) === 0) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const destroyedIn = (performance.now() - t) / 1000;
    const done = await api.until(`/destruction-lists/${list.id}`, manager!, ['executed', 'executed_with_failures']);
    const executed = (performance.now() - t) / 1000;
    const counts = done.counts as Record<string, number>;
    const rate = counts.destroyed! / destroyedIn;
    say(`list of ${ITEMS} items proposed in ${proposed.toFixed(1)} s`);
    say(
      `destroyed in ${destroyedIn.toFixed(1)} s after the last approval: ${rate.toFixed(1)} items/s, ${((counts.destroyed! * PAGES) / destroyedIn).toFixed(1)} objects/s (${counts.destroyed} destroyed, ${counts.failed} failed, ${counts.removed} removed)`,
    );
    say(`executed in ${executed.toFixed(1)} s, list and certificate included: ${(counts.destroyed! / executed).toFixed(1)} items/s`);
    say(
      `ratio to raw: ${(rate / rawRate).toFixed(2)} (destruction), ${(counts.destroyed! / executed / rawRate).toFixed(2)} (with the documents)`,
    );
    const left = await store.list(config.s3.buckets.images, 'test-holdings/');
    say(`page objects left in the store afterwards: ${left.length}`);
  } finally {
    api.close();
    await close();
  }
}

/** The raw job: each item's versions listed by its folder, then deleted 1000 a request, nothing checked or recorded. */
async function rawDeletion(
  config: Awaited<ReturnType<typeof benchStack>>['config'],
  db: Awaited<ReturnType<typeof benchStack>>['db'],
  itemIds: string[],
) {
  const pages = await db.page.findMany({ where: { itemId: { in: itemIds } }, select: { bucket: true, key: true } });
  const folders = [
    ...new Map(
      pages.map((p) => [
        `${p.bucket}/${p.key.slice(0, p.key.lastIndexOf('/') + 1)}`,
        { bucket: p.bucket, prefix: p.key.slice(0, p.key.lastIndexOf('/') + 1) },
      ]),
    ).values(),
  ];
  const s3 = createS3Client(config.s3);
  const started = performance.now();
  const versions: { bucket: string; Key: string; VersionId: string }[] = [];
  await eachInFlight(folders, LISTINGS_IN_FLIGHT, async ({ bucket, prefix }) => {
    let marker: { KeyMarker?: string; VersionIdMarker?: string } = {};
    do {
      const out = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: prefix, ...marker }));
      for (const v of [...(out.Versions ?? []), ...(out.DeleteMarkers ?? [])])
        versions.push({ bucket, Key: v.Key!, VersionId: v.VersionId! });
      marker = out.IsTruncated ? { KeyMarker: out.NextKeyMarker, VersionIdMarker: out.NextVersionIdMarker } : {};
    } while (marker.KeyMarker);
  });
  const listing = (performance.now() - started) / 1000;
  const batches = Array.from({ length: Math.ceil(versions.length / 1000) }, (_, i) => versions.slice(i * 1000, (i + 1) * 1000));
  await eachInFlight(batches, DELETES_IN_FLIGHT, async (batch) => {
    const out = await s3.send(
      new DeleteObjectsCommand({
        Bucket: batch[0]!.bucket,
        Delete: { Quiet: true, Objects: batch.map(({ Key, VersionId }) => ({ Key, VersionId })) },
      }),
    );
    if (out.Errors?.length)
      throw new Error(`raw deletion: ${out.Errors.length} versions not deleted, e.g. ${JSON.stringify(out.Errors[0])}`);
  });
  s3.destroy();
  return { seconds: (performance.now() - started) / 1000, listing, versions: versions.length };
}

main().catch((err: Error) => {
  console.error(err.stack ?? err.message);
  process.exit(1);
});
