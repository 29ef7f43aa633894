/**
 * Periodic inventory rates: items per second checked for existence + size, and with every object re-hashed
 * (SHA-256 + SM3), beside the raw rates of asking the store for the same objects' heads and of reading them and
 * hashing them, measured in the same run with as many requests in flight as the inventory uses.
 *   node --import tsx bench/inventory.ts [--items 2000] [--pages 2] [--page-kb 140]
 * Starts its own PostgreSQL, MinIO and Temporal (unless DATABASE_URL, TEMPORAL_ADDRESS, S3_ENDPOINT point elsewhere).
 */
import { fetchSend, secretsInMemory, signIn } from '../ops/sign-in-client';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { createApp } from '../api/app';
import { archivalCodeOf, boxBarcodeOf, itemBarcodeOf } from '../domain/volume';
import type { Db } from '../prisma/client';
import { DEMO_PASSWORD_DEFAULT } from '../prisma/seed';
import type { ObjectStore } from '../store/object-store';
import { benchStack } from './stack';
import { eachInFlight } from '../domain/in-flight';

const { values } = parseArgs({
  options: {
    items: { type: 'string', default: '2000' },
    pages: { type: 'string', default: '2' },
    'page-kb': { type: 'string', default: '140' },
  },
});
const ITEMS = Number(values.items);
const PAGES = Number(values.pages);
// 140 KB is what an A4 page at 200 dpi weighs as a greyscale JPEG (bench/volume-transfer.ts: 64 MB for 450 pages).
const PAGE_BYTES = Number(values['page-kb']) * 1024;
// As many requests in flight as the inventory's checks (activities/inventory.ts).
const IN_FLIGHT = 8;
const YEAR = 2018;

async function main(): Promise<void> {
  const { config, db, store, temporal, log, close } = await benchStack({ pg: 55932, temporal: 7733, minio: 9590 });
  const server = createApp({ config, db, temporal, store, log }).listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const api = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const say = (line: string) => process.stdout.write(`${line}\n`);
  say(`machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB`);
  try {
    const secrets = secretsInMemory();
    const login = (username: string) => signIn(fetchSend(api), username, DEMO_PASSWORD_DEFAULT, secrets);
    const tokens = { archivist: await login('archivist'), manager: await login('manager') };

    process.stdout.write(`seeding ${ITEMS} boxed items of ${PAGES} pages of ${PAGE_BYTES / 1024} KB…\n`);
    const objects = await seedHoldings(db, store, config.s3.buckets.images);
    const megabytes = (objects.length * PAGE_BYTES) / 1e6;
    say(`holdings:                       ${ITEMS} items, ${objects.length} objects, ${megabytes.toFixed(0)} MB`);

    let t = performance.now();
    await inParallel(objects, (o) => store.head(o));
    const headSeconds = (performance.now() - t) / 1000;
    t = performance.now();
    await inParallel(objects, async (o) => {
      const body = await store.get(o);
      createHash('sha256').update(body).digest();
      createHash('sm3').update(body).digest();
    });
    const rawSeconds = (performance.now() - t) / 1000;
    say(
      `raw HEAD:                       ${(objects.length / headSeconds).toFixed(0)} objects/s = ${(ITEMS / headSeconds).toFixed(0)} items/s (${headSeconds.toFixed(1)} s, ${IN_FLIGHT} in flight)`,
    );
    say(
      `raw read + SHA-256 + SM3:       ${(megabytes / rawSeconds).toFixed(1)} MB/s = ${(ITEMS / rawSeconds).toFixed(0)} items/s (${rawSeconds.toFixed(1)} s, ${IN_FLIGHT} in flight)`,
    );

    // Every object is re-hashed in the first run (and would be anyway: none has been yet).
    const full = await inventory(api, tokens.archivist, db, 'all');
    // Then a cycle so long that almost no object falls due: what is left is existence and size.
    await call(api, 'PUT', '/fonds/J001/inventory-schedule', tokens.manager, { cron: '0 2 * * 0', rehashCycle: 520 });
    const quick = await inventory(api, tokens.archivist, db, 'sample');
    say(
      `inventory, existence + size:    ${(ITEMS / quick.seconds).toFixed(0)} items/s (${quick.seconds.toFixed(1)} s; ${quick.run.objectsChecked} objects, ${quick.run.objectsRehashed} fell due for re-hashing)`,
    );
    say(
      `inventory, full re-hash:        ${(ITEMS / full.seconds).toFixed(0)} items/s = ${(megabytes / full.seconds).toFixed(1)} MB/s (${full.seconds.toFixed(1)} s; ${full.run.objectsRehashed} objects re-hashed)`,
    );
    say(
      `ratio to raw:                   existence + size ${(headSeconds / quick.seconds).toFixed(2)} of raw HEAD; full re-hash ${(rawSeconds / full.seconds).toFixed(2)} of raw read + hash`,
    );
    if (full.run.findingCount + quick.run.findingCount > 0)
      say(`warning: the runs found ${full.run.findingCount + quick.run.findingCount} problems in holdings that have none`);
  } finally {
    server.closeAllConnections();
    server.close();
    await close();
  }
}

/**
 * Boxed, numbered items in custody (assembled) with their page objects, written straight into the catalogue and the
 * store: the inventory reads nothing else, and bench:volume-transfer measures how items get there.
 */
async function seedHoldings(db: Db, store: ObjectStore, bucket: string): Promise<{ bucket: string; key: string }[]> {
  const fonds = await db.fonds.findUniqueOrThrow({ where: { code: 'J001' }, include: { scheme: true } });
  const businessType = await db.businessType.findUniqueOrThrow({ where: { code: 'GL02' } });
  const office = await db.handlingOffice.findFirstOrThrow();
  const assembly = await db.volumeAssembly.create({
    data: {
      fondsId: fonds.id,
      workflowId: `bench-${randomUUID()}`,
      requestedBy: 'bench',
      scope: { years: [YEAR] },
      status: 'assembled',
      itemCount: ITEMS,
    },
  });
  const parts = { fonds: fonds.code, category: fonds.scheme.category, year: YEAR, retention: 'D30', org: fonds.orgCode };
  const boxes = Array.from({ length: Math.ceil(ITEMS / 50) }, (_, b) => ({
    id: randomUUID(),
    fondsId: fonds.id,
    category: parts.category,
    boxNumber: b + 1,
    year: YEAR,
    retentionPeriod: 'D30' as const,
    orgCode: parts.org,
    firstItemNumber: b * 50 + 1,
    lastItemNumber: Math.min(ITEMS, (b + 1) * 50),
    itemCount: Math.min(50, ITEMS - b * 50),
    pageCount: Math.min(50, ITEMS - b * 50) * PAGES,
    assemblyId: assembly.id,
    arrangedBy: 'bench',
    barcode: boxBarcodeOf(parts, b + 1),
  }));
  await db.box.createMany({ data: boxes });
  const items = Array.from({ length: ITEMS }, (_, i) => {
    const code = archivalCodeOf(fonds.referenceCodeTemplate, { ...parts, item: i + 1 });
    return {
      id: randomUUID(),
      fondsId: fonds.id,
      businessTypeId: businessType.id,
      year: YEAR,
      retentionPeriod: 'D30' as const,
      lifecycleState: 'assembled' as const,
      caseNumber: `BENCH-${i + 1}`,
      citizenId: '440304198506151237',
      personName: '林晓',
      clerkName: '王经办',
      handlingOfficeId: office.id,
      handledOn: new Date(Date.UTC(YEAR, 0, 1 + (i % 365))),
      title: `林晓 ${businessType.name} 第${i + 1}件`,
      archivalCode: code,
      itemNumber: i + 1,
      barcode: itemBarcodeOf(code),
      boxId: boxes[Math.floor(i / 50)]!.id,
    };
  });
  await db.item.createMany({ data: items });
  const pages = items.flatMap((item) => Array.from({ length: PAGES }, (_, p) => ({ item, pageNumber: p + 1 })));
  const rows = await inParallel(pages, async ({ item, pageNumber }) => {
    const stored = await store.put({
      bucket,
      key: `bench/${item.caseNumber}/${String(pageNumber).padStart(4, '0')}.jpg`,
      body: randomBytes(PAGE_BYTES),
      contentType: 'image/jpeg',
    });
    return {
      itemId: item.id,
      pageNumber,
      bucket,
      key: stored.key,
      versionId: stored.versionId,
      size: stored.size,
      sha256: stored.sha256,
      sm3: stored.sm3,
      format: 'jpeg',
      dpi: 200,
      source: 'bench',
    };
  });
  for (let i = 0; i < rows.length; i += 1000) await db.page.createMany({ data: rows.slice(i, i + 1000) });
  return rows.map((r) => ({ bucket: r.bucket, key: r.key }));
}

async function inventory(api: string, token: string, db: Db, rehash: 'all' | 'sample') {
  const started = await call<{ id: string }>(api, 'POST', '/inventories', token, { fonds: 'J001', rehash });
  for (;;) {
    const run = await db.inventoryRun.findUniqueOrThrow({ where: { id: started.id } });
    if (run.status === 'failed') throw new Error(`inventory failed: ${run.error}`);
    // Timed from the run's opening to its finish, as the catalogue records them.
    if (run.status === 'completed') return { run, seconds: (run.finishedAt!.getTime() - run.startedAt.getTime()) / 1000 };
    await new Promise((r) => setTimeout(r, 100));
  }
}

function inParallel<T, R>(inputs: T[], work: (input: T) => Promise<R>): Promise<R[]> {
  return eachInFlight(inputs, IN_FLIGHT, work);
}

async function call<T = Record<string, unknown>>(
  api: string,
  method: string,
  url: string,
  token: string | undefined,
  body?: unknown,
): Promise<T> {
  const res = await fetch(`${api}${url}`, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = (await res.json()) as T;
  if (res.status >= 400) throw new Error(`${method} ${url}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

main().catch((err: Error) => {
  console.error(err.stack ?? err.message);
  process.exit(1);
});
