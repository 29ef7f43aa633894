import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import { GetObjectCommand, HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { eachInFlight } from '../domain/in-flight';
import { blobPath } from './backup-manifest';
import { listingPages, PreviousIndex, type VersionRecord } from './backup-listing';

const VANISHED = new Set(['NoSuchKey', 'NoSuchVersion', 'NotFound']);
// Object versions fetched at once: enough to keep a local store and disk busy, few enough for a remote one.
const IN_FLIGHT = 8;

export interface BucketCopy {
  versions: number;
  objectBytes: number;
  copied: number;
  reused: number;
  /** Versions whose bytes differ from the SHA-256 Lantai recorded in their metadata when it stored them. */
  mismatched: string[];
}

interface Lock {
  ObjectLockMode?: string;
  ObjectLockRetainUntilDate?: Date;
  ObjectLockLegalHoldStatus?: string;
  ContentType?: string;
  Metadata?: Record<string, string>;
}

const lockOf = (out: Lock): Pick<VersionRecord, 'contentType' | 'metadata' | 'retention' | 'legalHold'> => ({
  contentType: out.ContentType,
  metadata: out.Metadata ?? {},
  retention:
    out.ObjectLockMode && out.ObjectLockRetainUntilDate
      ? { mode: out.ObjectLockMode, until: out.ObjectLockRetainUntilDate.toISOString() }
      : null,
  legalHold: out.ObjectLockLegalHoldStatus === 'ON',
});

/**
 * Writes the index of every version of a bucket (key, version, size, SHA-256, content type, metadata, retention,
 * legal hold) and copies each version's bytes into the repository's blobs, streamed, one file per content. A version
 * the previous backup already holds is not fetched again: only its retention and legal hold are read afresh.
 */
export async function backupBucket(
  client: S3Client,
  bucket: string,
  { indexFile, blobsDir, previousIndex }: { indexFile: string; blobsDir: string; previousIndex?: string },
): Promise<BucketCopy> {
  const previous = new PreviousIndex(previousIndex);
  const out = fs.createWriteStream(indexFile);
  const result: BucketCopy = { versions: 0, objectBytes: 0, copied: 0, reused: 0, mismatched: [] };
  for await (const page of listingPages(client, bucket)) {
    const known: (VersionRecord | undefined)[] = [];
    for (const v of page) known.push((await previous.versionsOf(v.key)).get(v.versionId));
    const records = await eachInFlight(
      page.map((v, i) => ({ v, before: known[i] })),
      IN_FLIGHT,
      async ({ v, before }): Promise<VersionRecord | undefined> => {
        if (v.deleteMarker) return v;
        try {
          if (before?.sha256 && v.versionId !== 'null' && before.size === v.size && blobPresent(blobsDir, before.sha256, v.size)) {
            const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: v.key, VersionId: v.versionId }));
            result.reused += 1;
            return { ...v, sha256: before.sha256, ...lockOf(head) };
          }
          const record = await copyVersion(client, bucket, v, blobsDir);
          result.copied += 1;
          const recorded = record.metadata?.sha256;
          if (recorded && recorded !== record.sha256) result.mismatched.push(`${v.key} version ${v.versionId}`);
          return record;
        } catch (err) {
          // Deleted since it was listed (a destruction, a staged upload cleared away): it is no longer part of the archive.
          if (VANISHED.has((err as Error).name)) return undefined;
          throw err;
        }
      },
    );
    for (const r of records) {
      if (!r) continue;
      result.versions += 1;
      result.objectBytes += r.size;
      if (!out.write(JSON.stringify(r) + '\n')) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
    }
  }
  await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
  return result;
}

function blobPresent(blobsDir: string, sha256: string, size: number): boolean {
  try {
    return fs.statSync(blobPath(blobsDir, sha256)).size === size;
  } catch {
    return false;
  }
}

/** Streams one version into a temporary file while hashing it, then files it under its SHA-256. */
async function copyVersion(client: S3Client, bucket: string, v: VersionRecord, blobsDir: string): Promise<VersionRecord> {
  const got = await client.send(new GetObjectCommand({ Bucket: bucket, Key: v.key, VersionId: v.versionId }));
  const tmp = path.join(blobsDir, 'incoming', `${randomBytes(8).toString('hex')}.part`);
  fs.mkdirSync(path.dirname(tmp), { recursive: true });
  const hash = createHash('sha256');
  let size = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk);
      size += chunk.length;
      done(null, chunk);
    },
  });
  await pipeline(got.Body as Readable, tap, fs.createWriteStream(tmp));
  const sha256 = hash.digest('hex');
  const final = blobPath(blobsDir, sha256);
  if (blobPresent(blobsDir, sha256, size)) fs.rmSync(tmp);
  else {
    fs.mkdirSync(path.dirname(final), { recursive: true });
    fs.renameSync(tmp, final);
  }
  return { ...v, size, sha256, ...lockOf(got) };
}
