import fs from 'node:fs';
import readline from 'node:readline';
import { ListObjectVersionsCommand, type S3Client } from '@aws-sdk/client-s3';

/** One object version (or delete marker) of a bucket as a backup's index records it, one JSON line each. */
export interface VersionRecord {
  key: string;
  versionId: string;
  latest: boolean;
  deleteMarker: boolean;
  lastModified: string | null;
  size: number;
  /** SHA-256 of the bytes, which is also the name of the blob that holds them; null for a delete marker. */
  sha256: string | null;
  contentType?: string;
  metadata?: Record<string, string>;
  retention?: { mode: string; until: string } | null;
  legalHold?: boolean;
}

/** S3 lists keys in UTF-8 byte order; JavaScript compares UTF-16 code units, which differs beyond the BMP. */
export function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** A bucket's versions in listing order (by key, the newest version of a key first), a page of at most 1,000 at a time. */
export async function* listingPages(client: S3Client, bucket: string): AsyncGenerator<VersionRecord[]> {
  let keyMarker: string | undefined;
  let versionIdMarker: string | undefined;
  for (;;) {
    const out = await client.send(
      new ListObjectVersionsCommand({ Bucket: bucket, KeyMarker: keyMarker, VersionIdMarker: versionIdMarker, MaxKeys: 1000 }),
    );
    const entry = (v: { Key?: string; VersionId?: string; IsLatest?: boolean; LastModified?: Date }, deleteMarker: boolean, size = 0) => ({
      key: v.Key!,
      versionId: v.VersionId ?? 'null',
      latest: Boolean(v.IsLatest),
      deleteMarker,
      lastModified: v.LastModified?.toISOString() ?? null,
      size,
      sha256: null,
    });
    const page: VersionRecord[] = [
      ...(out.Versions ?? []).map((v) => entry(v, false, v.Size ?? 0)),
      ...(out.DeleteMarkers ?? []).map((m) => entry(m, true)),
    ];
    page.sort((a, b) => compareKeys(a.key, b.key) || (b.lastModified ?? '').localeCompare(a.lastModified ?? ''));
    if (page.length) yield page;
    if (!out.IsTruncated) return;
    keyMarker = out.NextKeyMarker;
    versionIdMarker = out.NextVersionIdMarker;
  }
}

/** The records of an index file, one line at a time. */
export async function* indexRecords(file: string): AsyncGenerator<VersionRecord> {
  const lines = readline.createInterface({ input: fs.createReadStream(file, 'utf8'), crlfDelay: Infinity });
  for await (const line of lines) if (line) yield JSON.parse(line) as VersionRecord;
}

/**
 * The previous backup's index of a bucket, read alongside a new listing in the same order, so what an earlier
 * backup already holds is found without keeping either in memory: a version never changes once stored.
 */
export class PreviousIndex {
  private records: AsyncGenerator<VersionRecord> | undefined;
  private pending: VersionRecord | undefined;
  private key: string | undefined;
  private versions = new Map<string, VersionRecord>();

  constructor(file: string | undefined) {
    this.records = file && fs.existsSync(file) ? indexRecords(file) : undefined;
  }

  /** The previous backup's versions of a key; keys must be asked for in listing order. */
  async versionsOf(key: string): Promise<Map<string, VersionRecord>> {
    if (key === this.key) return this.versions;
    this.key = key;
    this.versions = new Map();
    while (this.records) {
      if (!this.pending) {
        const next = await this.records.next();
        if (next.done) {
          this.records = undefined;
          break;
        }
        this.pending = next.value;
      }
      const order = compareKeys(this.pending.key, key);
      if (order > 0) break;
      if (order === 0) this.versions.set(this.pending.versionId, this.pending);
      this.pending = undefined;
    }
    return this.versions;
  }
}
