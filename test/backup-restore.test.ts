import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { GetObjectCommand, GetObjectLegalHoldCommand } from '@aws-sdk/client-s3';
import { Client, Connection } from '@temporalio/client';
import { loadConfig } from '../config';
import { renderPage } from '../ops/sample-pages';
import { createS3Client } from '../store/object-store';
import { sealedObjectStore } from '../store/sealed-store';
import { apiClient, caseFor, eventually } from './helpers';
import { emptyDir, lantaiCommand, ownLantaiEnv, startLantai } from './fixtures/lantai-process';

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

interface PageView {
  pageNumber: number;
  bucket: string;
  key: string;
  versionId: string;
  sha256: string;
}

async function captureStatus(env: NodeJS.ProcessEnv, itemId: string): Promise<string> {
  const config = loadConfig(env);
  const connection = await Connection.connect({ address: config.temporal.address });
  try {
    const temporal = new Client({ connection, namespace: config.temporal.namespace });
    return (await temporal.workflow.getHandle(`capture-${itemId}`).describe()).status.name;
  } finally {
    await connection.close();
  }
}

/**
 * The disaster-recovery drill through the real commands: items registered and their papers uploaded through the API
 * of a running Lantai, `./lantai backup` while it runs, the machine's data lost, `./lantai restore`, and the same
 * Lantai started again serves every item, page, history and audit event as before.
 */
describe('./lantai backup and ./lantai restore', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'lantai-drill-'));
  const dataDir = path.join(root, 'data');
  const repository = path.join(root, 'backups');
  let env: NodeJS.ProcessEnv;
  let backupDir: string;
  const before: {
    itemId: string;
    item: Record<string, unknown>;
    pages: PageView[];
    bytes: string[];
    stored: string[];
    history: unknown;
    audit: unknown[];
    capture: string;
    holds: unknown;
  } = {
    holds: undefined,
    capture: '',
    itemId: '',
    item: {},
    pages: [],
    bytes: [],
    stored: [],
    history: undefined,
    audit: [],
  };

  // Each page's digest as read (its plaintext, opened with the KEKs of the Lantai's data directory, which a restore
  // must bring back), and as stored (sealed with SM4), which is what a backup copies and names its blobs by.
  const pageBytes = async (pages: PageView[]) => {
    const store = sealedObjectStore(loadConfig(env));
    return Promise.all(pages.map(async (p) => sha256(await store.get({ bucket: p.bucket, key: p.key, versionId: p.versionId }))));
  };
  const storedBytes = async (pages: PageView[]) => {
    const client = createS3Client(loadConfig(env).s3);
    return Promise.all(
      pages.map(async (p) => {
        const got = await client.send(new GetObjectCommand({ Bucket: p.bucket, Key: p.key, VersionId: p.versionId }));
        return sha256(Buffer.from(await got.Body!.transformToByteArray()));
      }),
    );
  };

  const legalHolds = async (pages: PageView[]) => {
    const client = createS3Client(loadConfig(env).s3);
    return Promise.all(
      pages.map(
        async (p) =>
          (await client.send(new GetObjectLegalHoldCommand({ Bucket: p.bucket, Key: p.key, VersionId: p.versionId }))).LegalHold?.Status,
      ),
    );
  };

  beforeAll(async () => {
    fs.chmodSync(root, 0o755);
    fs.mkdirSync(dataDir);
    env = await ownLantaiEnv(dataDir);
  });

  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  it('backs up a running Lantai: the catalogue, every object version, Temporal and the signing key, with a manifest', async () => {
    const lantai = await startLantai(env);
    try {
      const api = apiClient(lantai.url, dataDir);
      const clerk = await api.login('clerk');
      const theCase = caseFor();
      const created = await api.call<{ id: string }>('POST', '/items', { token: clerk, body: theCase });
      expect(created.status).toBe(201);
      before.itemId = created.body.id;
      const papers = [
        {
          spec: { lines: 12, barcode: { symbology: 'code128' as const, text: theCase.caseNumber, at: 'top-right' as const }, seed: 1 },
          type: 'image/png',
        },
        { spec: { lines: 10, format: 'jpeg' as const, seed: 2 }, type: 'image/jpeg' },
        { spec: { lines: 20, seal: true, seed: 3 }, type: 'image/png' },
      ];
      for (const { spec, type } of papers) {
        const up = await api.call('POST', `/items/${before.itemId}/pages`, {
          token: clerk,
          body: await renderPage(spec),
          headers: { 'content-type': type },
        });
        expect(up.status).toBeLessThan(300);
      }
      expect((await api.call('POST', `/items/${before.itemId}/capture/finish`, { token: clerk })).status).toBeLessThan(300);
      await eventually(
        async () => {
          const r = await api.call<{ lifecycleState: string }>('GET', `/items/${before.itemId}`, { token: clerk });
          return ['verified', 'verification_failed'].includes(r.body.lifecycleState) ? true : undefined;
        },
        { timeoutMs: 180_000, what: 'the item through capture and verification' },
      );
      before.item = (await api.call('GET', `/items/${before.itemId}`, { token: clerk })).body;
      before.pages = (await api.call<PageView[]>('GET', `/items/${before.itemId}/pages`, { token: clerk })).body;
      expect(before.pages.length).toBe(3);
      before.bytes = await pageBytes(before.pages);
      expect(before.bytes).toEqual(before.pages.map((p) => p.sha256));
      before.stored = await storedBytes(before.pages);
      const compliance = await api.login('compliance1');
      const hold = await api.call('POST', `/items/${before.itemId}/holds`, {
        token: compliance,
        body: { kind: 'legal', reason: '法院调取' },
      });
      expect(hold.status).toBe(201);
      before.holds = (await api.call('GET', `/items/${before.itemId}/holds`, { token: compliance })).body;
      expect(await legalHolds(before.pages)).toEqual(before.pages.map(() => 'ON'));
      before.history = (await api.call('GET', `/items/${before.itemId}/history`, { token: clerk })).body;
      const auditor = await api.login('auditor');
      before.audit = (await api.call<unknown[]>('GET', `/audit?subject=item:${before.itemId}&limit=500`, { token: auditor })).body;
      before.capture = await captureStatus(env, before.itemId);

      const backup = await lantaiCommand('backup', ['--to', repository], env);
      expect(backup.code).toBe(0);
      backupDir = path.join(
        repository,
        fs.readdirSync(repository).find((n) => n !== 'blobs')!,
      );
      const manifest = JSON.parse(fs.readFileSync(path.join(backupDir, 'manifest.json'), 'utf8')) as {
        catalogue: { sha256: string };
        buckets: { bucket: string; versions: number; copied: number }[];
        temporal: { bytes: number } | null;
        signingKey: unknown;
      };
      expect(manifest.catalogue.sha256).toBe(sha256(fs.readFileSync(path.join(backupDir, 'catalogue.dump'))));
      expect(manifest.buckets.find((b) => b.bucket === 'lantai-images')!.versions).toBeGreaterThanOrEqual(3);
      expect(manifest.temporal!.bytes).toBeGreaterThan(0);
      expect(manifest.signingKey).not.toBeNull();
      for (const s of before.stored) expect(fs.existsSync(path.join(repository, 'blobs', s.slice(0, 2), s))).toBe(true);

      // A second backup copies no object again: a stored version never changes.
      await new Promise((r) => setTimeout(r, 1100));
      const again = await lantaiCommand('backup', ['--to', repository], env);
      expect(again.code).toBe(0);
      expect(again.output).toMatch(/lantai-images: \d+ versions, [\d.]+ MB; copied 0, reused [1-9]/);

      const refused = await lantaiCommand('restore', [backupDir], env);
      expect(refused.code).toBe(3);
      expect(refused.output).toContain('Lantai is running');
    } finally {
      await lantai.stop();
    }
    const overData = await lantaiCommand('restore', [backupDir], env);
    expect(overData.code).toBe(3);
    expect(overData.output).toContain('the target is not empty');
    expect(overData.output).toMatch(/the catalogue has \d+ tables, 1 items/);
  });

  it('refuses a tampered backup before touching anything', async () => {
    emptyDir(dataDir);
    const tampered = path.join(repository, 'tampered-dump');
    fs.cpSync(backupDir, tampered, { recursive: true });
    const dump = fs.readFileSync(path.join(tampered, 'catalogue.dump'));
    dump.writeUInt8(dump.readUInt8(dump.length >> 1) ^ 0xff, dump.length >> 1);
    fs.writeFileSync(path.join(tampered, 'catalogue.dump'), dump);
    const r1 = await lantaiCommand('restore', [tampered], env);
    expect(r1.code).toBe(3);
    expect(r1.output).toContain('catalogue (PostgreSQL): catalogue.dump does not match its SHA-256');

    const otherRepository = path.join(root, 'backups-copy');
    fs.cpSync(repository, otherRepository, { recursive: true });
    const blob = path.join(otherRepository, 'blobs', before.stored[1]!.slice(0, 2), before.stored[1]!);
    const bytes = fs.readFileSync(blob);
    bytes.writeUInt8(bytes.readUInt8(100) ^ 0x01, 100);
    fs.writeFileSync(blob, bytes);
    const r2 = await lantaiCommand('restore', [path.join(otherRepository, path.basename(backupDir))], env);
    expect(r2.code).toBe(3);
    expect(r2.output).toContain(`${before.pages[1]!.key} version ${before.pages[1]!.versionId}: blob ${before.stored[1]} does not match`);

    const manifestFile = path.join(tampered, 'manifest.json');
    fs.writeFileSync(manifestFile, fs.readFileSync(manifestFile, 'utf8').slice(0, 100));
    const r3 = await lantaiCommand('restore', [tampered], env);
    expect(r3.code).toBe(3);
    expect(r3.output).toContain('is not valid JSON');

    expect(fs.readdirSync(dataDir)).toEqual([]);
    fs.rmSync(tampered, { recursive: true });
  });

  it('restores onto a machine whose data is lost, and Lantai serves the items, pages and audit trail again', async () => {
    emptyDir(dataDir);
    const restore = await lantaiCommand('restore', [backupDir], env);
    if (restore.code !== 0) throw new Error(`restore failed:\n${restore.output}`);
    expect(restore.output).toContain('catalogue restored');
    expect(restore.output).not.toContain('under new version ids');

    const lantai = await startLantai(env);
    try {
      const api = apiClient(lantai.url, dataDir);
      const clerk = await api.login('clerk');
      expect((await api.call('GET', `/items/${before.itemId}`, { token: clerk })).body).toEqual(before.item);
      const pages = (await api.call<PageView[]>('GET', `/items/${before.itemId}/pages`, { token: clerk })).body;
      expect(pages).toEqual(before.pages);
      expect(await pageBytes(pages)).toEqual(before.bytes);
      expect(await storedBytes(pages)).toEqual(before.stored);
      const fixity = await api.call<{ ok: boolean }>('GET', `/items/${before.itemId}/fixity`, { token: clerk });
      expect(fixity.body.ok).toBe(true);
      expect((await api.call('GET', `/items/${before.itemId}/history`, { token: clerk })).body).toEqual(before.history);
      // The legal hold is back in the catalogue and on every stored version, so the store still refuses to delete them.
      const compliance = await api.login('compliance1');
      expect((await api.call('GET', `/items/${before.itemId}/holds`, { token: compliance })).body).toEqual(before.holds);
      expect(await legalHolds(pages)).toEqual(pages.map(() => 'ON'));
      const auditor = await api.login('auditor');
      const audit = (await api.call<unknown[]>('GET', `/audit?subject=item:${before.itemId}&limit=500`, { token: auditor })).body;
      expect(audit.length).toBeGreaterThan(0);
      expect(audit).toEqual(before.audit);

      // Temporal's state came back too: the item's capture workflow is there, as it was.
      expect(await captureStatus(env, before.itemId)).toBe(before.capture);
    } finally {
      await lantai.stop();
    }
  });
});
