import fs from 'node:fs';
import {
  DeleteObjectCommand,
  HeadObjectCommand,
  ListObjectVersionsCommand,
  PutObjectCommand,
  type ObjectLockMode,
  type S3Client,
} from '@aws-sdk/client-s3';
import { blobPath, sha256OfFile } from './backup-manifest';
import { indexRecords, type VersionRecord } from './backup-listing';

const IN_FLIGHT = 8;
const SHA256 = /^[0-9a-f]{64}$/;

/** Every version's blob present with its size and SHA-256; the problems found (at most `limit` named). */
export async function checkBlobs(indexFile: string, blobsDir: string, limit = 20): Promise<{ problems: string[]; checked: number }> {
  const problems: string[] = [];
  let checked = 0;
  await inFlight(indexRecords(indexFile), 4, async (r) => {
    if (r.deleteMarker) return;
    checked += 1;
    const name = `${r.key} version ${r.versionId}`;
    if (!r.sha256 || !SHA256.test(r.sha256)) return void problems.push(`${name}: the index names no SHA-256`);
    const file = blobPath(blobsDir, r.sha256);
    const size = fs.existsSync(file) ? fs.statSync(file).size : undefined;
    if (size === undefined) problems.push(`${name}: its bytes (blob ${r.sha256}) are missing`);
    else if (size !== r.size) problems.push(`${name}: blob ${r.sha256} has ${size} bytes, the index says ${r.size}`);
    else if ((await sha256OfFile(file)) !== r.sha256) problems.push(`${name}: blob ${r.sha256} does not match its SHA-256`);
  });
  return { problems: problems.slice(0, limit).concat(problems.length > limit ? [`… and ${problems.length - limit} more`] : []), checked };
}

/** Whether the bucket holds any version or delete marker at all. */
export async function bucketHoldsAnything(client: S3Client, bucket: string): Promise<boolean> {
  try {
    const out = await client.send(new ListObjectVersionsCommand({ Bucket: bucket, MaxKeys: 1 }));
    return (out.Versions?.length ?? 0) + (out.DeleteMarkers?.length ?? 0) > 0;
  } catch (err) {
    if ((err as Error).name === 'NoSuchBucket') return false;
    throw err;
  }
}

export interface BucketRestore {
  restored: number;
  present: number;
  /** Versions the store gave a new version id (a store that does not take the one asked for). */
  renamed: { key: string; from: string; to: string }[];
}

/**
 * Puts every version of the index back, the oldest of a key first so the newest is again the one served, each with
 * its version id (MinIO takes it; a store that does not gives a new one, reported to `onRenamed`), content type,
 * metadata, retention still running and legal hold. A version already there is left alone, so a restore that was
 * cut off can be run again. A key whose newest entry was a delete marker is deleted again.
 */
export async function restoreBucket(
  client: S3Client,
  bucket: string,
  {
    indexFile,
    blobsDir,
    onRenamed,
  }: { indexFile: string; blobsDir: string; onRenamed: (renamed: BucketRestore['renamed']) => Promise<void> },
): Promise<{ restored: number; present: number; renamed: number }> {
  const totals = { restored: 0, present: 0, renamed: 0 };
  let pendingRenames: BucketRestore['renamed'] = [];
  const flush = async (min: number) => {
    if (pendingRenames.length < min || pendingRenames.length === 0) return;
    const batch = pendingRenames;
    pendingRenames = [];
    totals.renamed += batch.length;
    await onRenamed(batch);
  };
  await inFlight(keyGroups(indexRecords(indexFile)), IN_FLIGHT, async (versions) => {
    for (const v of [...versions].reverse()) {
      if (v.deleteMarker) continue;
      if (await versionPresent(client, bucket, v)) {
        totals.present += 1;
        continue;
      }
      const to = await putVersion(client, bucket, v, blobsDir);
      totals.restored += 1;
      if (to !== v.versionId) pendingRenames.push({ key: v.key, from: v.versionId, to });
    }
    if (versions[0]?.deleteMarker) await deleteAgain(client, bucket, versions[0].key);
    await flush(1000);
  });
  await flush(1);
  return totals;
}

async function versionPresent(client: S3Client, bucket: string, v: VersionRecord): Promise<boolean> {
  try {
    const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: v.key, VersionId: v.versionId }));
    return head.ContentLength === v.size;
  } catch (err) {
    const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode ?? 0;
    if (status >= 400 && status < 500) return false;
    throw err;
  }
}

async function putVersion(client: S3Client, bucket: string, v: VersionRecord, blobsDir: string): Promise<string> {
  const until = v.retention ? new Date(v.retention.until) : undefined;
  const running = until && until.getTime() > Date.now() + 60_000;
  const command = new PutObjectCommand({
    Bucket: bucket,
    Key: v.key,
    Body: fs.createReadStream(blobPath(blobsDir, v.sha256!)),
    ContentLength: v.size,
    ContentType: v.contentType,
    Metadata: v.metadata,
    ChecksumSHA256: Buffer.from(v.sha256!, 'hex').toString('base64'),
    ...(running ? { ObjectLockMode: v.retention!.mode as ObjectLockMode, ObjectLockRetainUntilDate: until } : {}),
    ...(v.legalHold ? { ObjectLockLegalHoldStatus: 'ON' as const } : {}),
  });
  // MinIO keeps a version id given on a PUT (as its own replication does), so the catalogue's references still hold;
  // a store that refuses the parameter is asked again without it, and gives a new id.
  if (v.versionId !== 'null' && !refusesVersionIds.has(bucket))
    command.middlewareStack.add(
      (next) => (args) => {
        (args.request as { query: Record<string, string> }).query.versionId = v.versionId;
        return next(args);
      },
      { step: 'build', name: 'lantaiKeepVersionId' },
    );
  try {
    return (await client.send(command)).VersionId ?? 'null';
  } catch (err) {
    const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    if (refusesVersionIds.has(bucket) || v.versionId === 'null' || (status !== 400 && status !== 501)) throw err;
    refusesVersionIds.add(bucket);
    return putVersion(client, bucket, v, blobsDir);
  }
}

const refusesVersionIds = new Set<string>();

async function deleteAgain(client: S3Client, bucket: string, key: string): Promise<void> {
  try {
    await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
  } catch {
    return;
  }
  await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
}

/** Consecutive records of one key, as the index holds them (newest first). */
async function* keyGroups(records: AsyncGenerator<VersionRecord>): AsyncGenerator<VersionRecord[]> {
  let group: VersionRecord[] = [];
  for await (const r of records) {
    if (group.length && group[0]!.key !== r.key) {
      yield group;
      group = [];
    }
    group.push(r);
  }
  if (group.length) yield group;
}

/** Runs `work` on each input of a stream with at most `limit` at once; the first failure stops it. */
async function inFlight<T>(inputs: AsyncIterable<T>, limit: number, work: (input: T) => Promise<void>): Promise<void> {
  const running = new Set<Promise<void>>();
  let failure: Error | undefined;
  for await (const input of inputs) {
    if (failure) break;
    const p: Promise<void> = work(input)
      .catch((err: Error) => void (failure ??= err))
      .finally(() => running.delete(p));
    running.add(p);
    if (running.size >= limit) await Promise.race(running);
  }
  await Promise.all(running);
  if (failure) throw failure;
}
