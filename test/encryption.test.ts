import { execFileSync } from 'node:child_process';
import { randomInt } from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import pino from 'pino';
import { createApp, listenApi } from '../api/app';
import { loadConfig, type ConfigError } from '../config';
import { kekUsage, rewrapDataKeys, sealPlaintextPages } from '../integrity/key-rotation';
import { renderTextPage } from '../ops/text-pages';
import { digestsOf } from '../store/digest';
import { addKek, loadKeyring, removeKek } from '../store/keyring';
import { createS3Client } from '../store/object-store';
import { pageLink, pageLinkUrl } from '../store/page-links';
import { sealedObjectStore } from '../store/sealed-store';
import { verifiedItems } from './fixtures/holdings';
import { apiHarness, caseFor, eventually, type Harness } from './helpers';

/**
 * Encryption at rest (SM4-GCM envelope encryption by Lantai) and TLS for the API, through the real capture, API,
 * store and inventory: the bytes in MinIO are read raw with the S3 client, and the keys are a folder of this file's own.
 */
const kekDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lantai-kek-'));
process.env.LANTAI_KEK_DIR = kekDir;

let t: Awaited<ReturnType<typeof apiHarness>>;
let h: Harness;
const s3 = () => createS3Client(h.config.s3);
const MAGIC = [
  Buffer.from([0xff, 0xd8, 0xff]),
  Buffer.from('89504e47', 'hex'),
  Buffer.from('49492a00', 'hex'),
  Buffer.from('4d4d002a', 'hex'),
];
const call = <T = Record<string, unknown>>(method: string, url: string, user: string, body?: unknown) =>
  t.client.call<T>(method, url, { token: t.tokens[user], body });

async function raw(bucket: string, key: string, versionId?: string) {
  const out = await s3().send(new GetObjectCommand({ Bucket: bucket, Key: key, VersionId: versionId }));
  return { body: Buffer.from(await out.Body!.transformToByteArray()), metadata: out.Metadata ?? {}, contentType: out.ContentType };
}

/** A case captured through the API with one text page; resolves when its page is in the catalogue. */
async function capturedCase(image: Buffer) {
  const r = await call<{ id: string }>('POST', '/items', 'clerk', caseFor());
  expect(r.status).toBe(201);
  const up = await t.client.call('POST', `/items/${r.body.id}/pages`, {
    token: t.tokens.clerk,
    body: image,
    headers: { 'content-type': 'image/png' },
  });
  expect(up.status).toBe(202);
  expect((await call('POST', `/items/${r.body.id}/capture/finish`, 'clerk')).status).toBe(200);
  const page = await eventually(() => h.db.page.findFirst({ where: { itemId: r.body.id } }).then((p) => p ?? undefined), {
    what: 'the captured page',
  });
  return { itemId: r.body.id, page };
}

/** Another version of the object: the stored bytes with one byte changed, as someone with the store's keys could write. */
async function tamper(bucket: string, key: string, versionId: string): Promise<string> {
  const stored = await raw(bucket, key, versionId);
  const body = Buffer.from(stored.body);
  body[Math.floor(body.length / 2)]! ^= 0x40;
  const out = await s3().send(
    new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, Metadata: stored.metadata, ContentType: stored.contentType }),
  );
  return out.VersionId!;
}

let image: Buffer;
let captured: Awaited<ReturnType<typeof capturedCase>>;

beforeAll(async () => {
  t = await apiHarness({ users: ['clerk', 'archivist', 'manager'] });
  h = t.h;
  image = await renderTextPage({
    lines: ['养老保险待遇核定表', '姓名：林晓  公民身份号码：440304198506151237', '核定月养老金：3260.50元'],
    seed: 7,
  });
  captured = await capturedCase(image);
}, 120_000);

afterAll(async () => {
  await t?.close();
});

describe('encryption at rest (SM4)', () => {
  it('stores a captured page sealed: the raw bytes are no image and hold none of it, and open to it with the recorded digests', async () => {
    const { page, itemId } = captured;
    const stored = await raw(page.bucket, page.key, page.versionId!);
    for (const m of MAGIC) expect(stored.body.subarray(0, m.length).equals(m)).toBe(false);
    const plain = await h.store.get({ bucket: page.bucket, key: page.key, versionId: page.versionId! });
    for (let at = 0; at + 32 <= plain.length; at += Math.max(32, Math.floor(plain.length / 40)))
      expect(stored.body.includes(plain.subarray(at, at + 32))).toBe(false);
    expect(stored.metadata['lantai-seal']).toBe('SM4-GCM');
    expect(stored.metadata['lantai-kek']).toBe(loadKeyring(kekDir).current().id);
    // Fixity is over the plaintext: the catalogue's size and digests are the opened page's; the store's metadata the stored bytes'.
    expect(digestsOf(plain)).toEqual({ sha256: page.sha256, sm3: page.sm3 });
    expect(plain.length).toBe(Number(page.size));
    expect(stored.metadata.sha256).toBe(digestsOf(stored.body).sha256);
    expect((await h.store.head({ bucket: page.bucket, key: page.key, versionId: page.versionId! })).size).toBe(Number(page.size));
    const fixity = await call<{ ok: boolean }>('GET', `/items/${itemId}/fixity`, 'manager');
    expect(fixity.body.ok).toBe(true);
    // The upload as it was staged is sealed too, and opens to the very bytes the clerk sent.
    const [staged] = (await h.store.listVersions(h.config.s3.buckets.images, `staging/${itemId}/`)).filter((v) => !v.deleteMarker);
    const stagedRaw = await raw(h.config.s3.buckets.images, staged!.key, staged!.versionId);
    expect(stagedRaw.body.includes(image.subarray(0, 8))).toBe(false);
    expect((await h.store.get({ bucket: h.config.s3.buckets.images, key: staged!.key, versionId: staged!.versionId })).equals(image)).toBe(
      true,
    );
  });

  it('serves the page to an OCR worker by a short-lived signed link, and refuses an expired or forged one, audited', async () => {
    const { page } = captured;
    const keyring = h.store.keyring!;
    const ok = await fetch(pageLinkUrl(t.api.url, pageLink(keyring, page.id, 60)));
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-type')).toMatch(/^image\//);
    expect(digestsOf(Buffer.from(await ok.arrayBuffer())).sha256).toBe(page.sha256);

    const expired = await fetch(pageLinkUrl(t.api.url, pageLink(keyring, page.id, 60, Date.now() - 3_600_000)));
    expect(expired.status).toBe(403);
    expect(await expired.text()).toContain('expired');
    const forged = pageLink(keyring, page.id, 60);
    const other = await fetch(pageLinkUrl(t.api.url, { ...forged, pageId: captured.page.itemId }));
    expect(other.status).toBe(403);
    expect((await fetch(pageLinkUrl(t.api.url, { ...forged, signature: 'x' }))).status).toBe(400);
    const denials = await h.db.auditEvent.findMany({ where: { action: 'read_page_image', outcome: 'denied', subject: `page:${page.id}` } });
    expect(denials.map((d) => d.reason)).toContain('the link has expired');
  });

  it('reports a changed ciphertext as damaged, never a 500: fixity names it, the reader answers 409, the inventory finds it', async () => {
    const { page, itemId } = await capturedCase(await renderTextPage({ lines: ['失业保险金申领表'], seed: 11 }));
    const tampered = await tamper(page.bucket, page.key, page.versionId!);
    const fixity = await call<{ ok: boolean; pages: { problems: string[] }[] }>('GET', `/items/${itemId}/fixity`, 'manager');
    expect(fixity.status).toBe(200);
    expect(fixity.body.ok).toBe(false);
    expect(fixity.body.pages[0]!.problems.join(' ')).toMatch(/current version: .*SM4-GCM/);
    // A reader sent to the changed version (as if it were the recorded one) is told it is damaged.
    await h.db.page.update({ where: { id: page.id }, data: { versionId: tampered } });
    const served = await fetch(pageLinkUrl(t.api.url, pageLink(h.store.keyring!, page.id, 60)));
    expect(served.status).toBe(409);
    expect(((await served.json()) as { error: { code: string; message: string } }).error.message).toMatch(/篡改.*SM4-GCM/);

    // The periodic inventory, re-hashing everything of a fonds of this test's own, finds the damaged page.
    const j001 = await h.db.fonds.findUniqueOrThrow({ where: { code: 'J001' } });
    let code: string;
    do code = `E${randomInt(1000).toString().padStart(3, '0')}`;
    while (await h.db.fonds.findUnique({ where: { code } }));
    const fonds = await h.db.fonds.create({
      data: { code, name: '加密测试科', orgCode: 'JM', agencyId: j001.agencyId, schemeId: j001.schemeId },
    });
    const archivist = await h.db.user.findUniqueOrThrow({ where: { username: 'archivist' } });
    await h.db.userFonds.create({ data: { userId: archivist.id, fondsId: fonds.id } });
    try {
      const [held] = await verifiedItems(h, {
        fonds: code,
        count: 1,
        pages: 2,
        year: 1990 + randomInt(30),
        retention: 'D30',
        state: 'in_archive_room',
      });
      const p2 = await h.db.page.findFirstOrThrow({ where: { itemId: held, pageNumber: 2 } });
      expect((await raw(p2.bucket, p2.key, p2.versionId!)).metadata['lantai-seal']).toBe('SM4-GCM');
      await tamper(p2.bucket, p2.key, p2.versionId!);
      const started = await call<{ id: string }>('POST', '/inventories', 'archivist', { fonds: code, rehash: 'all' });
      expect(started.status).toBe(202);
      const run = await eventually(
        async () => {
          const v = (
            await call<{ status: string; findings: { kind: string; pageNumber: number | null; detail: string }[] }>(
              'GET',
              `/inventories/${started.body.id}`,
              'archivist',
            )
          ).body;
          if (v.status === 'failed') throw new Error(JSON.stringify(v));
          return v.status === 'completed' ? v : undefined;
        },
        { timeoutMs: 120_000, what: 'the inventory' },
      );
      const damaged = run.findings.filter((f) => f.kind === 'digest_mismatch');
      expect(damaged.map((f) => f.pageNumber)).toEqual([2]);
      expect(damaged[0]!.detail).toMatch(/SM4-GCM/);
    } finally {
      await h.temporal.schedule
        .getHandle(`inventory-${code}`)
        .delete()
        .catch(() => undefined);
      await h.db.userFonds.deleteMany({ where: { fondsId: fonds.id } });
    }
  }, 180_000);

  it('rotates the KEK: new pages use the new one, old data keys are wrapped again in the catalogue, no stored byte changes, the old KEK goes once unused', async () => {
    const before = captured.page;
    const old = h.store.keyring!.current().id;
    const rawBefore = await raw(before.bucket, before.key, before.versionId!);
    const fresh = addKek(kekDir);
    expect(h.store.keyring!.current().id).toBe(fresh.id);
    const after = await capturedCase(await renderTextPage({ lines: ['工伤认定申请表'], seed: 12 }));
    expect((await raw(after.page.bucket, after.page.key, after.page.versionId!)).metadata['lantai-kek']).toBe(fresh.id);

    const where = [before, after.page].map((p) => ({ bucket: p.bucket, key: p.key })).map(({ bucket, key }) => ({ bucket, prefix: key }));
    const deps = { db: h.db, store: h.store, where };
    expect((await kekUsage(deps)).needs.get(old)).toBeGreaterThan(0);
    const report = await rewrapDataKeys(deps);
    expect(report).toMatchObject({ rewrapped: report.sealed - 1, alreadyCurrent: 1, unopenable: [] });
    expect((await rewrapDataKeys(deps)).rewrapped).toBe(0);
    // The object is the same version with the same bytes: only the catalogue's 44-byte wrapping is new.
    const rawAfter = await raw(before.bucket, before.key, before.versionId!);
    expect(rawAfter.body.equals(rawBefore.body)).toBe(true);
    expect(await h.db.dataKeyWrapping.count({ where: { bucket: before.bucket, key: before.key, kekId: fresh.id } })).toBe(1);
    expect((await kekUsage(deps)).needs.get(old)).toBe(0);

    // With the old KEK gone, a process started now (no key cached) opens the page through the catalogue's wrapping.
    removeKek(kekDir, old);
    const restarted = sealedObjectStore(h.config, h.db);
    const plain = await restarted.get({ bucket: before.bucket, key: before.key, versionId: before.versionId! });
    expect(digestsOf(plain).sha256).toBe(before.sha256);
    // Without the catalogue (a store that holds only the keyring) the page names the KEK it lacks and where it looked.
    await expect(
      sealedObjectStore(h.config).get({ bucket: before.bucket, key: before.key, versionId: before.versionId! }),
    ).rejects.toMatchObject({ name: 'KeyUnavailableError' });
    await expect(sealedObjectStore(h.config).get({ bucket: before.bucket, key: before.key, versionId: before.versionId! })).rejects.toThrow(
      `KEK ${old}, which is not in the keyring ${kekDir} (LANTAI_KEK_DIR)`,
    );
  }, 120_000);

  it('says clearly what is wrong with a keyring that cannot be used', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lantai-kek-bad-'));
    expect(() => loadKeyring(path.join(dir, 'none'))).toThrow(/the KEK folder .*none does not exist \(LANTAI_KEK_DIR\)/);
    const kek = addKek(dir);
    fs.writeFileSync(path.join(dir, `${kek.id}.kek`), 'not a key\n');
    expect(() => loadKeyring(dir)).toThrow(new RegExp(`the KEK file .*${kek.id}\\.kek does not hold 16 bytes in hex`));
    fs.writeFileSync(path.join(dir, `${kek.id}.kek`), `${'ab'.repeat(16)}\n`);
    expect(() => loadKeyring(dir)).toThrow(/holds another key than its name says/);
    fs.rmSync(path.join(dir, `${kek.id}.kek`));
    expect(() => loadKeyring(dir)).toThrow(new RegExp(`names KEK ${kek.id}, which is not in`));
  });

  it('reads a page stored in plaintext before encryption, and `keys seal` seals it in place of the plaintext version', async () => {
    const [itemId] = await verifiedItems(
      { config: h.config, db: h.db, temporal: h.temporal },
      { count: 1, pages: 1, year: 2001, retention: 'D10' },
    );
    const page = await h.db.page.findFirstOrThrow({ where: { itemId } });
    expect((await raw(page.bucket, page.key, page.versionId!)).metadata['lantai-seal']).toBeUndefined();
    expect(digestsOf(await h.store.get({ bucket: page.bucket, key: page.key })).sha256).toBe(page.sha256);
    const r = await sealPlaintextPages({ db: h.db, store: h.store }, { itemIds: [itemId!] });
    expect(r).toEqual({ sealed: 1, kept: [] });
    const now = await h.db.page.findFirstOrThrow({ where: { id: page.id } });
    expect(now.versionId).not.toBe(page.versionId);
    expect((await raw(now.bucket, now.key, now.versionId!)).metadata['lantai-seal']).toBe('SM4-GCM');
    const versions = (await h.store.listVersions(page.bucket, page.key)).filter((v) => !v.deleteMarker);
    expect(versions.map((v) => v.versionId)).toEqual([now.versionId]);
    expect((await call<{ ok: boolean }>('GET', `/items/${itemId}/fixity`, 'manager')).body.ok).toBe(true);
  });
});

describe('TLS for the API', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lantai-tls-'));
  const cert = path.join(dir, 'cert.pem');
  const key = path.join(dir, 'key.pem');
  beforeAll(() => {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        key,
        '-out',
        cert,
        '-days',
        '2',
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=IP:127.0.0.1,DNS:localhost',
      ],
      { stdio: 'ignore' },
    );
  });

  it('listens with https when a certificate is configured, and a plain-http request on that port is refused', async () => {
    const config = loadConfig({ ...process.env, LANTAI_TLS_CERT: cert, LANTAI_TLS_KEY: key });
    expect(config.api.tls?.certPath).toBe(cert);
    const server = await listenApi(createApp({ ...t.api.ctx, config, log: pino({ level: 'silent' }) }), {
      host: '127.0.0.1',
      port: 0,
      tls: config.api.tls,
    });
    try {
      const { port } = server.address() as { port: number };
      const reply = await new Promise<{ status: number; body: string; protocol: string }>((resolve, reject) => {
        https
          .get({ host: '127.0.0.1', port, path: '/openapi.json', ca: fs.readFileSync(cert) }, (res) => {
            let body = '';
            const protocol = (res.socket as import('node:tls').TLSSocket).getProtocol() ?? '';
            res.on('data', (c: Buffer) => (body += c.toString()));
            res.on('end', () => resolve({ status: res.statusCode!, body, protocol }));
          })
          .on('error', reject);
      });
      expect(reply.status).toBe(200);
      expect(reply.protocol).toMatch(/^TLSv1\.[23]$/);
      expect(JSON.parse(reply.body)).toMatchObject({ openapi: '3.1.0' });
      await expect(fetch(`http://127.0.0.1:${port}/openapi.json`)).rejects.toThrow();
      // And a client that does not trust the certificate does not get in either.
      await expect(fetch(`https://127.0.0.1:${port}/openapi.json`)).rejects.toThrow();
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });

  it('refuses at start, naming the variable, a certificate without its key, an unreadable file or a key of another certificate', () => {
    const problems = (env: Record<string, string>) => {
      try {
        loadConfig({ ...process.env, ...env });
      } catch (err) {
        if (err instanceof Error && err.name === 'ConfigError') return (err as ConfigError).problems.join('\n');
        throw err;
      }
      return '';
    };
    expect(problems({ LANTAI_TLS_CERT: cert })).toMatch(/LANTAI_TLS_CERT, LANTAI_TLS_KEY: set both/);
    expect(problems({ LANTAI_TLS_CERT: path.join(dir, 'nope.pem'), LANTAI_TLS_KEY: key })).toMatch(
      /LANTAI_TLS_CERT: cannot read .*nope\.pem \(ENOENT\)/,
    );
    expect(problems({ LANTAI_TLS_CERT: key, LANTAI_TLS_KEY: key })).toMatch(/LANTAI_TLS_CERT: .* is not a PEM certificate/);
    const otherKey = path.join(dir, 'other.pem');
    execFileSync('openssl', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-out', otherKey], {
      stdio: 'ignore',
    });
    expect(problems({ LANTAI_TLS_CERT: cert, LANTAI_TLS_KEY: otherKey })).toMatch(
      /LANTAI_TLS_KEY: .*other\.pem is not the private key of the certificate/,
    );
  });
});
