/**
 * Volume assembly and transfer rates:
 *  - items per second given archival codes and boxed, and fully assembled (lifecycle moves, documents);
 *  - transfer package build + check, and the receiver's check, in MB/s, beside the raw rate of reading the same
 *    page objects from the store and hashing them (SHA-256 + SM3), measured in the same run.
 *   node --import tsx bench/volume-transfer.ts [--items 2000] [--transfer-items 150] [--pages 3]
 * Starts its own PostgreSQL, MinIO and Temporal (unless DATABASE_URL, TEMPORAL_ADDRESS, S3_ENDPOINT point elsewhere).
 */
import { createHash } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { createApp } from '../api/app';
import { DEMO_PASSWORD_DEFAULT } from '../prisma/seed';
import { verifiedItems } from '../test/fixtures/holdings';
import { assemblyQuery } from '../workflows';
import { benchStack } from './stack';

const { values } = parseArgs({ options: { items: { type: 'string', default: '2000' }, 'transfer-items': { type: 'string', default: '150' }, pages: { type: 'string', default: '3' } } });
const ITEMS = Number(values.items);
const TRANSFER_ITEMS = Number(values['transfer-items']);
const PAGES = Number(values.pages);

/** An A4 page at 200 dpi, greyscale JPEG, with enough texture to weigh what a scanned page weighs. */
async function a4Page(seed: string): Promise<Buffer> {
  const mean = 200 + (createHash('sha256').update(seed).digest()[0]! % 40);
  return sharp({ create: { width: 1654, height: 2339, channels: 3, background: '#f2f2ee', noise: { type: 'gaussian', mean, sigma: 6 } } }).greyscale().jpeg({ quality: 60 }).toBuffer();
}

async function main(): Promise<void> {
  const { config, db, store, temporal, log, close } = await benchStack({ pg: 55832, temporal: 7633, minio: 9490 });
  const server = createApp({ config, db, temporal, store, log }).listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const api = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const h = { config, db, temporal };
  const lines: string[] = [`machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB`];
  const say = (line: string) => { lines.push(line); process.stdout.write(`${line}\n`); };
  try {
    const login = async (username: string) => (await call<{ token: string }>(api, 'POST', '/auth/login', undefined, { username, password: DEMO_PASSWORD_DEFAULT })).token;
    const tokens = { archivist: await login('archivist'), manager: await login('manager') };

    process.stdout.write(`seeding ${ITEMS} verified items…\n`);
    await verifiedItems(h, { count: ITEMS, year: 2019, retention: 'D30', pages: 1 });
    let t = performance.now();
    const assembly = await call<{ id: string; workflowId: string }>(api, 'POST', '/volume-assemblies', tokens.archivist, { fonds: 'J001', years: [2019] });
    const handle = temporal.workflow.getHandle(assembly.workflowId);
    let numberedAt = 0;
    for (;;) {
      const view = await handle.query(assemblyQuery);
      if (!numberedAt && view.stage !== 'numbering') numberedAt = performance.now();
      if (view.stage === 'done' || view.stage === 'failed') break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const numbering = (numberedAt - t) / 1000;
    const whole = (performance.now() - t) / 1000;
    say(`codes assigned and boxed:   ${(ITEMS / numbering).toFixed(0)} items/s (${ITEMS} items in ${numbering.toFixed(2)} s)`);
    say(`assembled end to end:       ${(ITEMS / whole).toFixed(1)} items/s (${whole.toFixed(1)} s, with ${ITEMS} lifecycle moves and the catalogue, labels and note sheets)`);

    process.stdout.write(`seeding ${TRANSFER_ITEMS} permanent items of ${PAGES} A4 pages for the transfer…\n`);
    await verifiedItems(h, { count: TRANSFER_ITEMS, year: 2020, retention: 'Y', pages: PAGES, page: a4Page });
    const run = await call<{ id: string }>(api, 'POST', '/volume-assemblies', tokens.archivist, { fonds: 'J001', years: [2020] });
    const done = await until(api, `/volume-assemblies/${run.id}`, tokens.archivist, ['assembled']);
    const boxes = done.boxes as { id: string; itemCount: number; pageCount: number }[];
    const list = await call<{ id: string }>(api, 'POST', '/hand-overs', tokens.archivist, {
      fonds: 'J001', boxes: boxes.map((b) => b.id), businessUnit: 'bench', handedOverBy: 'bench', receivedBy: 'bench', witness: 'bench',
      itemCount: boxes.reduce((n, b) => n + b.itemCount, 0), pageCount: boxes.reduce((n, b) => n + b.pageCount, 0),
    });
    await until(api, `/hand-overs/${list.id}`, tokens.manager, ['submitted'], 'stage');
    await call(api, 'POST', `/hand-overs/${list.id}/decision`, tokens.manager, { decision: 'accept', placements: boxes.map((b, i) => ({ boxId: b.id, room: 'R09', shelf: 'B1', position: i + 1 })) });
    await until(api, `/hand-overs/${list.id}`, tokens.manager, ['accepted']);

    // Raw: read every page object of the transfer from the store and hash it, one after another.
    const pages = await db.page.findMany({ where: { item: { year: 2020, fonds: { code: 'J001' } }, supersededAt: null } });
    t = performance.now();
    let rawBytes = 0;
    for (const p of pages) {
      const body = await store.get({ bucket: p.bucket, key: p.key, versionId: p.versionId ?? undefined });
      createHash('sha256').update(body).digest();
      createHash('sm3').update(body).digest();
      rawBytes += body.length;
    }
    const rawRate = rawBytes / 1e6 / ((performance.now() - t) / 1000);

    t = performance.now();
    const transfer = await call<{ id: string; packageId: string }>(api, 'POST', '/transfers', tokens.manager, { fonds: 'J001', years: [2020] });
    const sent = await until(api, `/transfers/${transfer.id}`, tokens.manager, ['sent', 'refused']);
    const buildSeconds = (performance.now() - t) / 1000;
    const bytes = (sent.summary as { bytes: number }).bytes;
    t = performance.now();
    const accession = await call<{ id: string }>(api, 'POST', '/accessions', tokens.manager, { source: { kind: 's3', prefix: `transfers/${transfer.packageId}/` } });
    const received = await until(api, `/accessions/${accession.id}`, tokens.manager, ['accepted', 'rejected']);
    const checkSeconds = (performance.now() - t) / 1000;
    say(`transfer package:           ${TRANSFER_ITEMS} items, ${pages.length} pages, ${(bytes / 1e6).toFixed(1)} MB of page images (${String(sent.status)})`);
    say(`build + check before send:  ${(bytes / 1e6 / buildSeconds).toFixed(1)} MB/s (${buildSeconds.toFixed(1)} s)`);
    say(`receiver's check + custody: ${(bytes / 1e6 / checkSeconds).toFixed(1)} MB/s (${checkSeconds.toFixed(1)} s, ${String(received.status)})`);
    say(`raw read + SHA-256 + SM3:   ${rawRate.toFixed(1)} MB/s (same objects, same store)`);
    // The sender settles custody after the receipt; the run ends when it has, so nothing is cut off mid-move.
    await until(api, `/transfers/${transfer.id}`, tokens.manager, ['accepted', 'rejected']);
  } finally {
    server.closeAllConnections();
    server.close();
    await close();
  }
}

async function call<T = Record<string, unknown>>(api: string, method: string, url: string, token: string | undefined, body?: unknown): Promise<T> {
  const res = await fetch(`${api}${url}`, { method, headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: body === undefined ? undefined : JSON.stringify(body) });
  const json = (await res.json()) as T;
  if (res.status >= 400) throw new Error(`${method} ${url}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

async function until(api: string, url: string, token: string, wanted: string[], field = 'status'): Promise<Record<string, unknown>> {
  for (;;) {
    const view = await call(api, 'GET', url, token);
    if (wanted.includes(String(view[field]))) return view;
    if (view.status === 'failed') throw new Error(`${url} failed: ${JSON.stringify(view)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

main().catch((err: Error) => {
  console.error(err.stack ?? err.message);
  process.exit(1);
});
