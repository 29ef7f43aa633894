import { createHash, randomBytes } from 'node:crypto';
import {
  DeleteBucketCommand,
  GetBucketVersioningCommand,
  GetObjectLockConfigurationCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { loadConfig, type Config } from '../config';
import { createObjectStore, createS3Client, type BucketState, type ObjectStore } from '../store/object-store';

const runId = randomBytes(4).toString('hex');
let s3: Config['s3'];
let store: ObjectStore;
let raw: S3Client;
let firstEnsure: BucketState[];

function pageImage(bytes = 8 * 1024): Buffer {
  return randomBytes(bytes);
}

function pageKey(name: string): string {
  return `fonds-A001/2024/item-${runId}/${name}.tif`;
}

function hex(algorithm: 'sha256' | 'sm3', body: Buffer): string {
  return createHash(algorithm).update(body).digest('hex');
}

beforeAll(async () => {
  const config = loadConfig(process.env);
  const prefix = `${config.s3.buckets.images.replace(/images$/, '')}t${runId}-`;
  s3 = { ...config.s3, buckets: { images: `${prefix}images`, packages: `${prefix}packages` } };
  store = createObjectStore(s3);
  raw = createS3Client(s3);
  firstEnsure = await store.ensureBuckets();
});

afterAll(async () => {
  for (const bucket of Object.values(s3.buckets)) {
    for (const v of await store.listVersions(bucket, '')) {
      // COMPLIANCE-retained versions outlive the run by design; their bucket stays until retention ends.
      await store.deleteVersion({ bucket, key: v.key, versionId: v.versionId, bypassGovernance: true }).catch(() => undefined);
    }
    await raw.send(new DeleteBucketCommand({ Bucket: bucket })).catch(() => undefined);
  }
  raw.destroy();
});

describe('object store on plain S3', () => {
  test('ensureBuckets is idempotent and leaves every bucket versioned and under Object Lock', async () => {
    expect(firstEnsure.map((b) => b.created)).toEqual([true, true]);

    const second = await store.ensureBuckets();

    expect(second).toEqual(
      Object.values(s3.buckets).map((bucket) => ({ bucket, created: false, versioning: 'Enabled', objectLock: true })),
    );
    for (const bucket of Object.values(s3.buckets)) {
      const versioning = await raw.send(new GetBucketVersioningCommand({ Bucket: bucket }));
      const lock = await raw.send(new GetObjectLockConfigurationCommand({ Bucket: bucket }));
      expect(versioning.Status).toBe('Enabled');
      expect(lock.ObjectLockConfiguration?.ObjectLockEnabled).toBe('Enabled');
    }
    await expect(store.ping()).resolves.toBeGreaterThanOrEqual(0);
  });

  test('a stored page image comes back byte for byte, with SHA-256 and SM3 digests that verify', async () => {
    const image = pageImage();
    const key = pageKey('page-001');

    const stored = await store.put({ bucket: s3.buckets.images, key, body: image, contentType: 'image/tiff' });

    expect(stored).toMatchObject({
      bucket: s3.buckets.images,
      key,
      size: image.length,
      sha256: hex('sha256', image),
      sm3: hex('sm3', image),
    });
    expect(stored.versionId).toEqual(expect.any(String));
    expect((await store.get(stored)).equals(image)).toBe(true);
    const head = await store.head(stored);
    expect(head).toMatchObject({ size: image.length, versionId: stored.versionId, contentType: 'image/tiff' });
    expect(head.metadata).toEqual({ sha256: stored.sha256, sm3: stored.sm3 });
    await expect(store.verify(stored)).resolves.toEqual({ ok: true, problems: [] });
  });

  test('an overwrite behind the store’s back leaves the recorded version intact but fails verification of the key as recorded', async () => {
    const original = await store.put({ bucket: s3.buckets.images, key: pageKey('page-002'), body: pageImage(), contentType: 'image/tiff' });
    const forged = pageImage(original.size);
    await raw.send(new PutObjectCommand({ Bucket: original.bucket, Key: original.key, Body: forged, ContentType: 'image/tiff' }));

    await expect(store.verify(original)).resolves.toEqual({ ok: true, problems: [] });

    const current = await store.verify({ ...original, versionId: undefined });
    expect(current.ok).toBe(false);
    expect(current.problems).toEqual([
      expect.stringMatching(/SHA-256 is [0-9a-f]{64}, the record says/),
      expect.stringMatching(/SM3 is [0-9a-f]{64}, the record says/),
    ]);
    const versions = await store.listVersions(original.bucket, original.key);
    expect(versions).toHaveLength(2);
    expect(versions.find((v) => v.versionId === original.versionId)?.isLatest).toBe(false);
  });

  test('a version under COMPLIANCE retention cannot be deleted and stays readable', async () => {
    const image = pageImage();
    const retainUntil = new Date(Date.now() + 3 * 60_000);
    const stored = await store.put({
      bucket: s3.buckets.packages,
      key: pageKey('aip'),
      body: image,
      contentType: 'application/zip',
      retainUntil,
      retentionMode: 'COMPLIANCE',
    });
    const { retention } = await store.head(stored);
    expect(retention?.mode).toBe('COMPLIANCE');
    expect(Math.abs((retention?.retainUntil.getTime() ?? 0) - retainUntil.getTime())).toBeLessThan(1000);

    const refusal = await store.deleteVersion({ ...stored, bypassGovernance: true }).then(
      () => undefined,
      (err: unknown) => err as Error,
    );

    expect(refusal?.name).toBe('ObjectLockedError');
    expect(refusal?.message).toMatch(/COMPLIANCE retention until/);
    expect((await store.get(stored)).equals(image)).toBe(true);
    await expect(store.verify(stored)).resolves.toEqual({ ok: true, problems: [] });
  });

  test('a version under GOVERNANCE retention is deleted only with the governance bypass, after which verify reports it missing', async () => {
    const stored = await store.put({
      bucket: s3.buckets.images,
      key: pageKey('page-003'),
      body: pageImage(),
      contentType: 'image/tiff',
      retainUntil: new Date(Date.now() + 60 * 60_000),
    });

    await expect(store.deleteVersion(stored)).rejects.toMatchObject({ name: 'ObjectLockedError' });
    await store.deleteVersion({ ...stored, bypassGovernance: true });

    const result = await store.verify(stored);
    expect(result.ok).toBe(false);
    expect(result.problems).toEqual([expect.stringMatching(/is missing from the store/)]);
  });

  test('an unreachable store fails the health check with a named error', async () => {
    const nowhere = createObjectStore({ ...s3, endpoint: 'http://127.0.0.1:1' });
    await expect(nowhere.ping()).rejects.toMatchObject({ name: 'StoreUnavailableError' });
  });
});
