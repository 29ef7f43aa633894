import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';

export const MANIFEST_FORMAT = 'lantai-backup 1';
export const MANIFEST_FILE = 'manifest.json';

/** One file of a backup, fixed by its size and SHA-256 when it was written. */
export interface Part {
  name: string;
  file: string;
  bytes: number;
  sha256: string;
}

export interface BucketPart extends Part {
  bucket: string;
  versions: number;
  objectBytes: number;
  /** Object versions whose bytes this backup copied, and those it found already in the repository's blobs. */
  copied: number;
  reused: number;
}

export interface Manifest {
  format: typeof MANIFEST_FORMAT;
  name: string;
  startedAt: string;
  finishedAt: string;
  /** What the backup holds of each service, and what it leaves to the service's own backup. */
  source: { catalogue: string; temporal: string; objectStore: string };
  catalogue: Part;
  buckets: BucketPart[];
  temporal: Part | null;
  signingKey: Part | null;
  /** The key-encryption keys of sealed objects and the file naming the current one (`keks/`); absent in older backups. */
  keks?: Part[];
  /** The object bytes, one file per distinct content named by its SHA-256, relative to the backup's directory. */
  blobs: string;
  seconds: Record<string, number>;
}

export async function sha256OfFile(file: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(fs.createReadStream(file), hash);
  return hash.digest('hex');
}

export async function partOf(dir: string, name: string, file: string): Promise<Part> {
  const full = path.join(dir, file);
  return { name, file, bytes: fs.statSync(full).size, sha256: await sha256OfFile(full) };
}

export function blobPath(blobsDir: string, sha256: string): string {
  return path.join(blobsDir, sha256.slice(0, 2), sha256);
}

export function writeManifest(dir: string, manifest: Manifest): void {
  const tmp = path.join(dir, `${MANIFEST_FILE}.tmp`);
  fs.writeFileSync(tmp, JSON.stringify(manifest, null, 2) + '\n');
  fs.renameSync(tmp, path.join(dir, MANIFEST_FILE));
}

export class BackupRefused extends Error {
  override name = 'BackupRefused';
}

/** Reads the manifest of a finished backup; a directory without one is a backup that did not finish. */
export function readManifest(dir: string): Manifest {
  const file = path.join(dir, MANIFEST_FILE);
  if (!fs.existsSync(file)) throw new BackupRefused(`${dir} holds no ${MANIFEST_FILE}: it is not a finished Lantai backup`);
  let manifest: Manifest;
  try {
    manifest = JSON.parse(fs.readFileSync(file, 'utf8')) as Manifest;
  } catch (err) {
    throw new BackupRefused(`${file} is not valid JSON (${(err as Error).message})`);
  }
  if ((manifest.format as string) !== MANIFEST_FORMAT) throw new BackupRefused(`${file} is not a ${MANIFEST_FORMAT} manifest`);
  return manifest;
}

/** Every part present with the size and SHA-256 the manifest records; the problems found, none when it is whole. */
export async function checkParts(dir: string, manifest: Manifest): Promise<string[]> {
  const problems: string[] = [];
  const parts = [manifest.catalogue, ...manifest.buckets, manifest.temporal, manifest.signingKey, ...(manifest.keks ?? [])].filter(
    (p): p is Part => p !== null,
  );
  for (const part of parts) {
    const file = path.join(dir, part.file);
    if (path.relative(dir, file).startsWith('..')) {
      problems.push(`${part.name}: ${part.file} lies outside the backup`);
      continue;
    }
    if (!fs.existsSync(file)) {
      problems.push(`${part.name}: ${part.file} is missing`);
      continue;
    }
    const bytes = fs.statSync(file).size;
    if (bytes !== part.bytes) problems.push(`${part.name}: ${part.file} has ${bytes} bytes, the manifest says ${part.bytes}`);
    else if ((await sha256OfFile(file)) !== part.sha256)
      problems.push(`${part.name}: ${part.file} does not match its SHA-256 in the manifest`);
  }
  return problems;
}
