import fs from 'node:fs';
import path from 'node:path';
import { loadConfigOrExit, type Config } from '../config';
import { createS3Client } from '../store/object-store';
import { MANIFEST_FILE, partOf, writeManifest, type BucketPart, type Manifest, type Part } from './backup-manifest';
import { backupBucket } from './backup-objects';
import { copyTemporalDb, dumpCatalogue, servicesForCommand, temporalDbOf } from './backup-services';

const say = (line: string) => process.stdout.write(`[lantai backup] ${line}\n`);

/** Where backups go unless `--to` says otherwise: beside the data directory, never inside what a restore replaces. */
export function defaultBackupRepository(config: Config): string {
  return path.join(path.dirname(config.dataDir), 'backups');
}

/** The finished backups in a repository, oldest first (their names are their UTC start times). */
export function finishedBackups(repository: string): string[] {
  if (!fs.existsSync(repository)) return [];
  return fs
    .readdirSync(repository)
    .filter((name) => name !== 'blobs' && fs.existsSync(path.join(repository, name, MANIFEST_FILE)))
    .sort();
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const toAt = args.indexOf('--to');
  if (args.some((a, i) => a !== '--to' && i !== toAt + 1) || (toAt >= 0 && !args[toAt + 1])) {
    process.stderr.write('usage: ./lantai backup [--to <directory>]\n');
    process.exit(2);
  }
  const config = loadConfigOrExit();
  // A backup holds personal data and the signing key: readable by its owner only.
  process.umask(0o077);
  const repository = path.resolve(toAt >= 0 ? args[toAt + 1]! : defaultBackupRepository(config));
  const startedAt = new Date();
  const name = startedAt
    .toISOString()
    .replace(/:/g, '-')
    .replace(/\.\d+Z$/, 'Z');
  const dir = path.join(repository, name);
  const blobsDir = path.join(repository, 'blobs');
  if (fs.existsSync(dir)) throw new Error(`${dir} exists already; wait a second and run the backup again`);
  const previous = finishedBackups(repository).at(-1);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  fs.mkdirSync(blobsDir, { recursive: true, mode: 0o700 });
  say(`backing up into ${dir}${previous ? ` (reusing what ${previous} holds)` : ''}`);

  const services = await servicesForCommand(config, { whileRunning: 'use' });
  if (services.started.length) say(`Lantai is stopped: started ${services.started.join(', ')} for the backup`);
  const seconds: Record<string, number> = {};
  const timed = async <T>(what: string, work: () => Promise<T>): Promise<T> => {
    const t = performance.now();
    const result = await work();
    seconds[what] = Math.round(performance.now() - t) / 1000;
    return result;
  };
  try {
    // Temporal before the catalogue: a step whose last activities are newer than the Temporal copy runs them again
    // after a restore, as after a worker crash (each move is guarded); the other order would lose their effects.
    let temporal: Manifest['temporal'] = null;
    const temporalDb = temporalDbOf(config);
    if (config.temporal.embedded && fs.existsSync(temporalDb)) {
      await timed('temporal', () => copyTemporalDb(temporalDb, path.join(dir, 'temporal.db')));
      temporal = await partOf(dir, 'Temporal (embedded dev server)', 'temporal.db');
      say(`Temporal: ${mb(temporal.bytes)} in ${seconds.temporal} s`);
    }

    await timed('catalogue', () => dumpCatalogue(config, path.join(dir, 'catalogue.dump')));
    const catalogue = await partOf(dir, 'catalogue (PostgreSQL)', 'catalogue.dump');
    say(`catalogue: ${mb(catalogue.bytes)} in ${seconds.catalogue} s`);

    // After the catalogue, so every object the dump names is in the backup (objects are only ever added, or destroyed).
    const client = createS3Client(config.s3);
    const buckets: BucketPart[] = [];
    for (const bucket of Object.values(config.s3.buckets)) {
      const file = `objects-${bucket}.ndjson`;
      const previousIndex = previous ? path.join(repository, previous, file) : undefined;
      const copy = await timed(`objects ${bucket}`, () =>
        backupBucket(client, bucket, { indexFile: path.join(dir, file), blobsDir, previousIndex }),
      );
      buckets.push({ ...(await partOf(dir, `objects of ${bucket}`, file)), bucket, ...copy });
      const s = seconds[`objects ${bucket}`]!;
      say(
        `${bucket}: ${copy.versions} versions, ${mb(copy.objectBytes)}; copied ${copy.copied}, reused ${copy.reused}, in ${s} s` +
          (copy.copied && s ? ` (${(copy.copied / s).toFixed(1)} versions/s)` : ''),
      );
      for (const m of copy.mismatched) say(`WARNING: ${bucket}/${m} does not match the SHA-256 recorded when it was stored`);
    }

    let signingKey: Manifest['signingKey'] = null;
    if (fs.existsSync(config.signingKeyPath)) {
      fs.copyFileSync(config.signingKeyPath, path.join(dir, 'signing-key.pem'));
      fs.chmodSync(path.join(dir, 'signing-key.pem'), 0o600);
      signingKey = await partOf(dir, 'SM2 signing key', 'signing-key.pem');
    }

    // Without its KEKs no sealed page of the backup can be read: they travel with it, as the signing key does.
    const keks: Part[] = [];
    if (fs.existsSync(config.encryption.kekDir)) {
      fs.mkdirSync(path.join(dir, 'keks'), { mode: 0o700 });
      for (const f of fs.readdirSync(config.encryption.kekDir).filter((f) => f === 'current' || f.endsWith('.kek'))) {
        fs.copyFileSync(path.join(config.encryption.kekDir, f), path.join(dir, 'keks', f));
        fs.chmodSync(path.join(dir, 'keks', f), 0o600);
        keks.push(await partOf(dir, f === 'current' ? 'the current KEK' : `KEK ${f.slice(0, -4)}`, path.join('keks', f)));
      }
    }

    const manifest: Manifest = {
      format: 'lantai-backup 1',
      name,
      startedAt: startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      source: {
        catalogue: config.postgres.embedded ? 'embedded PostgreSQL' : 'existing PostgreSQL (DATABASE_URL)',
        temporal: config.temporal.embedded
          ? 'embedded Temporal dev server (its SQLite database)'
          : `existing Temporal cluster ${config.temporal.address}: not in this backup, the cluster's own backup applies`,
        objectStore: config.s3.embedded ? 'embedded MinIO' : `existing S3 store ${config.s3.endpoint}`,
      },
      catalogue,
      buckets,
      temporal,
      signingKey,
      keks,
      blobs: path.relative(dir, blobsDir),
      seconds,
    };
    writeManifest(dir, manifest);
    const total = (Date.now() - startedAt.getTime()) / 1000;
    say(`done in ${total.toFixed(1)} s: ${path.join(dir, MANIFEST_FILE)}`);
  } catch (err) {
    say(`failed; ${dir} is left without a manifest, so no restore will take it`);
    throw err;
  } finally {
    await services.stop();
  }
}

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(2)} MB`;

if (require.main === module)
  main().catch((err: Error) => {
    console.error(`[lantai backup] ${err.message}`);
    process.exit(1);
  });
