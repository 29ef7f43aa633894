/**
 * Volume assembly and transfer rates:
 *  - items per second numbered, boxed and assembled through the API (with the lifecycle moves), beside numbering and
 *    boxing the same items alone, in the same run; then the documents' time, and end to end;
 *  - transfer package build + check, and the receiver's check, in MB/s, beside the raw rate of reading the same
 *    page objects from the store and hashing them (SHA-256 + SM3), measured in the same run.
 *   node --import tsx bench/volume-transfer.ts [--items 2000] [--transfer-items 150] [--pages 3]
 * Starts its own PostgreSQL, MinIO and Temporal (unless DATABASE_URL, TEMPORAL_ADDRESS, S3_ENDPOINT point elsewhere).
 */
import { fetchSend, secretsInMemory, signIn } from '../ops/sign-in-client';
import { createHash, randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { createApp } from '../api/app';
import { DEMO_PASSWORD_DEFAULT } from '../prisma/seed';
import { verifiedItems } from '../test/fixtures/holdings';
import { NUMBERING_CHUNK, numberingGroups, numberNextItems } from '../catalogue/numbering';
import type { Db } from '../prisma/client';
import { benchStack } from './stack';

const { values } = parseArgs({
  options: {
    items: { type: 'string', default: '2000' },
    'transfer-items': { type: 'string', default: '150' },
    pages: { type: 'string', default: '3' },
  },
});
const ITEMS = Number(values.items);
const TRANSFER_ITEMS = Number(values['transfer-items']);
const PAGES = Number(values.pages);

/** An A4 page at 200 dpi, greyscale JPEG, with enough texture to weigh what a scanned page weighs. */
async function a4Page(seed: string): Promise<Buffer> {
  const mean = 200 + (createHash('sha256').update(seed).digest()[0]! % 40);
  return sharp({ create: { width: 1654, height: 2339, channels: 3, background: '#f2f2ee', noise: { type: 'gaussian', mean, sigma: 6 } } })
    .greyscale()
    .jpeg({ quality: 60 })
    .toBuffer();
}

async function main(): Promise<void> {
  const { config, db, store, temporal, log, close } = await benchStack({ pg: 55832, temporal: 7633, minio: 9490 });
  const server = createApp({ config, db, temporal, store, log }).listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const api = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const h = { config, db, temporal };
  const lines: string[] = [`machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB`];
  const say = (line: string) => {
    lines.push(line);
    process.stdout.write(`${line}\n`);
  };
  try {
    const secrets = secretsInMemory();
    const login = (username: string) => signIn(fetchSend(api), username, DEMO_PASSWORD_DEFAULT, secrets);
    const tokens = { archivist: await login('archivist'), manager: await login('manager') };

    process.stdout.write(`seeding ${ITEMS} verified items, and a copy of them for the reference…\n`);
    await verifiedItems(h, { count: ITEMS, year: 2019, retention: 'D30', pages: 1 });
    await copyItems(db, 2019, 2018);
    // A first assembly warms the worker (workflow sandbox, PDF and font modules), as any running worker is.
    await verifiedItems(h, { count: 10, year: 2017, retention: 'D30', pages: 1 });
    await assemble(api, tokens.archivist, db, 2017);

    const raw = await numberingAlone(db, 'J001', 2018);
    say(
      `numbering + boxing alone:   ${(ITEMS / raw).toFixed(0)} items/s (${ITEMS} items in ${raw.toFixed(2)} s: a copy of the same items, the same chunks and transactions, no lifecycle move)`,
    );
    const { id, numbered, documented } = await assemble(api, tokens.archivist, db, 2019);
    const moves = await db.lifecycleEvent.count({
      where: { toState: 'assembled', transitionId: { startsWith: `volume-assembly/${id}/` } },
    });
    say(
      `numbered, boxed, assembled: ${(ITEMS / numbered).toFixed(0)} items/s (${numbered.toFixed(2)} s from the API's request, with ${moves} lifecycle moves and their history and audit rows): ${(raw / numbered).toFixed(2)} of numbering + boxing alone`,
    );
    say(
      `documents:                  ${(documented - numbered).toFixed(1)} s (catalogue as PDF and Excel, spine labels, ${ITEMS} item labels, note sheets: ${(ITEMS / (documented - numbered)).toFixed(0)} items/s)`,
    );
    say(
      `assembled end to end:       ${(ITEMS / documented).toFixed(0)} items/s (${documented.toFixed(1)} s, documents included): ${(raw / documented).toFixed(2)} of numbering + boxing alone`,
    );

    process.stdout.write(`seeding ${TRANSFER_ITEMS} permanent items of ${PAGES} A4 pages for the transfer…\n`);
    await verifiedItems(h, { count: TRANSFER_ITEMS, year: 2020, retention: 'Y', pages: PAGES, page: a4Page });
    const run = await call<{ id: string }>(api, 'POST', '/volume-assemblies', tokens.archivist, { fonds: 'J001', years: [2020] });
    const done = await until(api, `/volume-assemblies/${run.id}`, tokens.archivist, ['assembled']);
    const boxes = done.boxes as { id: string; itemCount: number; pageCount: number }[];
    const list = await call<{ id: string }>(api, 'POST', '/hand-overs', tokens.archivist, {
      fonds: 'J001',
      boxes: boxes.map((b) => b.id),
      businessUnit: 'bench',
      handedOverBy: 'bench',
      receivedBy: 'bench',
      witness: 'bench',
      itemCount: boxes.reduce((n, b) => n + b.itemCount, 0),
      pageCount: boxes.reduce((n, b) => n + b.pageCount, 0),
    });
    await until(api, `/hand-overs/${list.id}`, tokens.manager, ['submitted'], 'stage');
    await call(api, 'POST', `/hand-overs/${list.id}/decision`, tokens.manager, {
      decision: 'accept',
      placements: boxes.map((b, i) => ({ boxId: b.id, room: 'R09', shelf: 'B1', position: i + 1 })),
    });
    await until(api, `/hand-overs/${list.id}`, tokens.manager, ['accepted']);

    // Raw: read every page object of the transfer from the store and hash it, one after another.
    const pages = await db.page.findMany({ where: { item: { year: 2020, fonds: { code: 'J001' } }, supersededAt: null } });
    let t = performance.now();
    let rawBytes = 0;
    for (const p of pages) {
      const body = await store.get({ bucket: p.bucket, key: p.key, versionId: p.versionId ?? undefined });
      createHash('sha256').update(body).digest();
      createHash('sm3').update(body).digest();
      rawBytes += body.length;
    }
    const rawRate = rawBytes / 1e6 / ((performance.now() - t) / 1000);

    t = performance.now();
    const transfer = await call<{ id: string; packageId: string }>(api, 'POST', '/transfers', tokens.manager, {
      fonds: 'J001',
      years: [2020],
    });
    const sent = await until(api, `/transfers/${transfer.id}`, tokens.manager, ['sent', 'refused']);
    const buildSeconds = (performance.now() - t) / 1000;
    const bytes = (sent.summary as { bytes: number }).bytes;
    t = performance.now();
    const accession = await call<{ id: string }>(api, 'POST', '/accessions', tokens.manager, {
      source: { kind: 's3', prefix: `transfers/${transfer.packageId}/` },
    });
    const received = await until(api, `/accessions/${accession.id}`, tokens.manager, ['accepted', 'rejected']);
    const checkSeconds = (performance.now() - t) / 1000;
    say(
      `transfer package:           ${TRANSFER_ITEMS} items, ${pages.length} pages, ${(bytes / 1e6).toFixed(1)} MB of page images (${String(sent.status)})`,
    );
    say(`build + check before send:  ${(bytes / 1e6 / buildSeconds).toFixed(1)} MB/s (${buildSeconds.toFixed(1)} s)`);
    say(
      `receiver's check + custody: ${(bytes / 1e6 / checkSeconds).toFixed(1)} MB/s (${checkSeconds.toFixed(1)} s, ${String(received.status)})`,
    );
    say(`raw read + SHA-256 + SM3:   ${rawRate.toFixed(1)} MB/s (same objects, same store)`);
    // The sender settles custody after the receipt; the run ends when it has, so nothing is cut off mid-move.
    await until(api, `/transfers/${transfer.id}`, tokens.manager, ['accepted', 'rejected']);
  } finally {
    server.closeAllConnections();
    server.close();
    await close();
  }
}

/** An assembly of the year's items through the API: seconds until they are assembled, and until its documents are made. */
async function assemble(api: string, token: string, db: Db, year: number): Promise<{ id: string; numbered: number; documented: number }> {
  const started = performance.now();
  const { id } = await call<{ id: string }>(api, 'POST', '/volume-assemblies', token, { fonds: 'J001', years: [year] });
  let numbered = 0;
  for (;;) {
    const { status, error } = await db.volumeAssembly.findUniqueOrThrow({ where: { id } });
    // `numbered` is set once the last chunk is committed: every item numbered, boxed and assembled.
    if (!numbered && status !== 'numbering') numbered = (performance.now() - started) / 1000;
    if (status === 'failed') throw new Error(`the assembly failed: ${error}`);
    if (status === 'assembled') return { id, numbered, documented: (performance.now() - started) / 1000 };
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A copy of the year's verified items (and their page rows, sharing the stored objects) as another year. */
async function copyItems(db: Db, from: number, to: number): Promise<void> {
  await db.$transaction(async (tx) => {
    await tx.$executeRaw`CREATE TEMP TABLE copied ON COMMIT DROP AS SELECT id AS old_id, gen_random_uuid() AS new_id FROM item WHERE year = ${from} AND lifecycle_state = 'verified'`;
    await tx.$executeRaw`INSERT INTO item SELECT (jsonb_populate_record(NULL::item, to_jsonb(i) || jsonb_build_object('id', c.new_id, 'year', ${to}::int, 'case_number', i.case_number || '-copy'))).*
      FROM item i JOIN copied c ON c.old_id = i.id`;
    await tx.$executeRaw`INSERT INTO page SELECT (jsonb_populate_record(NULL::page, to_jsonb(p) || jsonb_build_object('id', gen_random_uuid(), 'item_id', c.new_id))).*
      FROM page p JOIN copied c ON c.old_id = p.item_id`;
  });
}

/**
 * Numbers and boxes the year's verified items as an assembly does, chunk by chunk, each chunk its own transaction,
 * but without their move to `assembled`: the reference rate of the same work.
 */
async function numberingAlone(db: Db, fondsCode: string, year: number): Promise<number> {
  const fonds = await db.fonds.findUniqueOrThrow({ where: { code: fondsCode }, include: { scheme: true } });
  const assembly = await db.volumeAssembly.create({
    data: {
      fondsId: fonds.id,
      workflowId: `bench-reference-${randomUUID()}`,
      requestedBy: 'bench',
      scope: { years: [year] },
      status: 'numbering',
    },
  });
  const started = performance.now();
  for (const group of await numberingGroups(db, fonds, { years: [year] })) {
    for (let more = true; more;) {
      more = (
        await db.$transaction(
          (tx) => numberNextItems(tx, group, { assemblyId: assembly.id, arrangedBy: 'bench', limit: NUMBERING_CHUNK }),
          { timeout: 120_000 },
        )
      ).more;
    }
  }
  return (performance.now() - started) / 1000;
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

async function until(api: string, url: string, token: string, wanted: string[], field = 'status'): Promise<Record<string, unknown>> {
  for (;;) {
    const view = await call(api, 'GET', url, token);
    if (wanted.includes(String(view[field]))) return view;
    if (view.status === 'failed') throw new Error(`${url} failed: ${JSON.stringify(view)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

main().catch((err: Error) => {
  console.error(err.stack ?? err.message, err.cause);
  process.exit(1);
});
