import fs from 'node:fs';
import path from 'node:path';
import { catalogueContents, emptyCatalogue, renamePageVersions } from '../catalogue/restore';
import { loadConfigOrExit, type Config } from '../config';
import { createDb } from '../prisma/client';
import { createObjectStore, createS3Client } from '../store/object-store';
import { BackupRefused, checkParts, readManifest, sha256OfFile, type Manifest } from './backup-manifest';
import { placeTemporalDb, restoreCatalogue, servicesForCommand, temporalDbOf } from './backup-services';
import { bucketHoldsAnything, checkBlobs, restoreBucket } from './restore-objects';

const say = (line: string) => process.stdout.write(`[lantai restore] ${line}\n`);

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const force = args.includes('--force');
  const dirs = args.filter((a) => a !== '--force');
  if (dirs.length !== 1 || dirs[0]!.startsWith('-')) {
    process.stderr.write('usage: ./lantai restore <backup directory> [--force]\n');
    process.exit(2);
  }
  const dir = path.resolve(dirs[0]!);
  const config = loadConfigOrExit();
  const started = performance.now();

  // Everything is checked before anything is touched: a backup that is not whole is refused as it is.
  const manifest = readManifest(dir);
  say(`checking ${manifest.name} (taken ${manifest.startedAt})`);
  const problems = await checkParts(dir, manifest);
  const blobsDir = path.resolve(dir, manifest.blobs);
  let versions = 0;
  for (const part of manifest.buckets) {
    if (problems.some((p) => p.startsWith(`${part.name}:`))) continue;
    const { problems: missing, checked } = await checkBlobs(path.join(dir, part.file), blobsDir);
    problems.push(...missing.map((m) => `${part.bucket}: ${m}`));
    versions += checked;
  }
  if (problems.length) throw new BackupRefused(`the backup is not whole; nothing was restored:\n  ${problems.join('\n  ')}`);
  const checkedIn = ((performance.now() - started) / 1000).toFixed(1);
  say(`backup is whole: every part and all ${versions} object versions match the manifest (${checkedIn} s)`);
  const wrongBuckets = manifest.buckets.filter((b) => !Object.values(config.s3.buckets).includes(b.bucket)).map((b) => b.bucket);
  if (wrongBuckets.length)
    throw new BackupRefused(
      `the backup holds the buckets ${wrongBuckets.join(', ')}, which this configuration does not use (S3_BUCKET_PREFIX); the catalogue names them`,
    );

  const services = await servicesForCommand(config, { whileRunning: 'refuse' });
  try {
    await restoreInto(config, dir, manifest, { force, blobsDir });
  } finally {
    await services.stop();
  }
  say(`done in ${((performance.now() - started) / 1000).toFixed(1)} s; start Lantai with ./lantai start`);
}

async function restoreInto(config: Config, dir: string, manifest: Manifest, { force, blobsDir }: { force: boolean; blobsDir: string }) {
  const db = createDb(config.postgres.ownerUrl, { poolSize: 2 });
  const client = createS3Client(config.s3);
  try {
    const contents = await catalogueContents(db);
    const inUse: string[] = [];
    if (contents.tables > 0)
      inUse.push(`the catalogue has ${contents.tables} tables, ${contents.items} items and ${contents.auditEvents} audit events`);
    for (const b of manifest.buckets) if (await bucketHoldsAnything(client, b.bucket)) inUse.push(`bucket ${b.bucket} holds objects`);
    const temporalDb = temporalDbOf(config);
    if (manifest.temporal && config.temporal.embedded && fs.existsSync(temporalDb)) inUse.push(`${temporalDb} exists`);
    if (manifest.signingKey && fs.existsSync(config.signingKeyPath)) {
      if ((await sha256OfFile(config.signingKeyPath)) !== manifest.signingKey.sha256)
        inUse.push(`${config.signingKeyPath} holds another signing key`);
    }
    for (const k of manifest.keks ?? []) {
      const there = path.join(config.encryption.kekDir, path.basename(k.file));
      if (k.file.endsWith('.kek') || !fs.existsSync(there)) continue;
      if ((await sha256OfFile(there)) !== k.sha256) inUse.push(`${config.encryption.kekDir} names another current KEK`);
    }
    if (inUse.length && !force)
      throw new BackupRefused(`the target is not empty; nothing was restored (--force replaces it):\n  ${inUse.join('\n  ')}`);

    const timings: string[] = [];
    const timed = async (what: string, work: () => Promise<string>) => {
      const t = performance.now();
      const said = await work();
      timings.push(`${what} ${((performance.now() - t) / 1000).toFixed(1)} s`);
      say(said);
    };
    await timed('catalogue', async () => {
      if (contents.tables > 0) await emptyCatalogue(db);
      await restoreCatalogue(config, path.join(dir, manifest.catalogue.file));
      const after = await catalogueContents(db);
      return `catalogue restored: ${after.items} items, ${after.auditEvents} audit events`;
    });
    await createObjectStore(config.s3).ensureBuckets();
    for (const part of manifest.buckets) {
      await timed(part.bucket, async () => {
        const r = await restoreBucket(client, part.bucket, {
          indexFile: path.join(dir, part.file),
          blobsDir,
          onRenamed: async (renamed) => void (await renamePageVersions(db, part.bucket, renamed)),
        });
        return (
          `${part.bucket}: ${r.restored} versions restored, ${r.present} already there` +
          (r.renamed ? `, ${r.renamed} under new version ids (the catalogue's pages follow them)` : '')
        );
      });
    }
    if (manifest.temporal && config.temporal.embedded) {
      placeTemporalDb(path.join(dir, manifest.temporal.file), config);
      say(`Temporal's database restored to ${temporalDbOf(config)}`);
    } else if (manifest.temporal) say(`Temporal: this configuration uses an existing cluster; its own backup applies`);
    else if (config.temporal.embedded) say('Temporal: the backup holds no Temporal database (it came from an existing cluster)');
    if (manifest.signingKey) {
      fs.mkdirSync(path.dirname(config.signingKeyPath), { recursive: true, mode: 0o700 });
      fs.copyFileSync(path.join(dir, manifest.signingKey.file), config.signingKeyPath);
      fs.chmodSync(config.signingKeyPath, 0o600);
      say(`signing key restored to ${config.signingKeyPath}`);
    }
    if (manifest.keks?.length) {
      // Added beside any KEK already there (each file is named by its key), and the backup's current one made current.
      fs.mkdirSync(config.encryption.kekDir, { recursive: true, mode: 0o700 });
      for (const k of manifest.keks) {
        const to = path.join(config.encryption.kekDir, path.basename(k.file));
        fs.copyFileSync(path.join(dir, k.file), to);
        fs.chmodSync(to, 0o600);
      }
      say(`${manifest.keks.length - 1} KEK(s) restored to ${config.encryption.kekDir}`);
    } else say('the backup holds no KEK (made before encryption at rest): its pages are in plaintext');
    say(`took ${timings.join(', ')}`);
  } finally {
    await db.$disconnect();
  }
}

main().catch((err: Error) => {
  const refused = err instanceof BackupRefused;
  console.error(`[lantai restore] ${refused ? 'refused: ' : ''}${err.message}`);
  process.exit(refused ? 3 : 1);
});
