import { keepDataKeyWrapping, rewrappedDataKey } from '../catalogue/data-keys';
import type { Db } from '../prisma/client';
import type { ObjectStore } from '../store/object-store';
import { unwrapDataKey, wrapDataKey } from '../store/sealing';

/**
 * Key rotation for encryption at rest. After a new KEK is made current (store/keyring.ts `addKek`), `rewrapDataKeys`
 * wraps the data key of every sealed version again under it, into the catalogue: only those 44 bytes change, never a
 * stored object, so versions under compliance-mode Object Lock rotate like any other. `kekUsage` says which KEKs a
 * stored version still needs, so an old KEK is removed only once nothing does. `sealPlaintextPages` seals the page
 * images stored before encryption was on.
 */
export interface RotationDeps {
  db: Db;
  store: ObjectStore;
  /** What to walk: every bucket whole for the command, a few prefixes for a test. */
  where: { bucket: string; prefix: string }[];
}

const IN_FLIGHT = 8;

export interface RewrapReport {
  versions: number;
  sealed: number;
  rewrapped: number;
  alreadyCurrent: number;
  /** Versions no KEK in the keyring opens, with why. */
  unopenable: string[];
}

export async function rewrapDataKeys({ db, store, where }: RotationDeps): Promise<RewrapReport> {
  const keyring = requireKeyring(store);
  const current = keyring.current();
  const report: RewrapReport = { versions: 0, sealed: 0, rewrapped: 0, alreadyCurrent: 0, unopenable: [] };
  await eachVersion(store, where, async (ref) => {
    report.versions += 1;
    const header = await store.sealHeader(ref);
    if (!header) return;
    report.sealed += 1;
    const newer = await rewrappedDataKey(db, header.dataKeyId);
    const wrapping = newer ?? { kekId: header.kekId, wrappedKey: header.wrappedKey };
    if (wrapping.kekId === current.id) {
      report.alreadyCurrent += 1;
      return;
    }
    const kek = keyring.byId(wrapping.kekId);
    if (!kek) {
      report.unopenable.push(`${ref.bucket}/${ref.key} version ${ref.versionId}: KEK ${wrapping.kekId} is not in the keyring`);
      return;
    }
    const dataKey = unwrapDataKey(wrapping.wrappedKey, header.dataKeyId, kek);
    await keepDataKeyWrapping(db, {
      dataKeyId: header.dataKeyId,
      kekId: current.id,
      wrappedKey: wrapDataKey(dataKey, header.dataKeyId, current),
      ...ref,
    });
    report.rewrapped += 1;
  });
  return report;
}

/** For each KEK, how many stored versions only it opens (with the keyring as it is); a KEK at 0 may be removed. */
export async function kekUsage({
  db,
  store,
  where,
}: RotationDeps): Promise<{ needs: Map<string, number>; plaintext: number; sealed: number }> {
  const keyring = requireKeyring(store);
  const needs = new Map<string, number>(keyring.ids().map((id) => [id, 0]));
  let plaintext = 0;
  let sealed = 0;
  await eachVersion(store, where, async (ref) => {
    const header = await store.sealHeader(ref);
    if (!header) {
      plaintext += 1;
      return;
    }
    sealed += 1;
    const newer = await rewrappedDataKey(db, header.dataKeyId);
    const openers = [...new Set([header.kekId, ...(newer ? [newer.kekId] : [])])].filter((id) => keyring.byId(id));
    if (openers.length === 1) needs.set(openers[0]!, (needs.get(openers[0]!) ?? 0) + 1);
  });
  return { needs, plaintext, sealed };
}

/**
 * Seals every current page image that was stored in plaintext: a sealed version of the same bytes, under the same
 * Object Lock retention and legal hold, becomes the page's recorded version (its digests and signature, which are
 * of the plaintext, stay valid); the plaintext version is deleted, unless Object Lock keeps it, in which case it is
 * named and goes once its retention ends.
 */
export async function sealPlaintextPages(
  { db, store }: Omit<RotationDeps, 'where'>,
  { itemIds }: { itemIds?: string[] } = {},
): Promise<{ sealed: number; kept: string[] }> {
  requireKeyring(store);
  const pages = await db.page.findMany({
    where: { supersededAt: null, versionId: { not: null }, ...(itemIds && { itemId: { in: itemIds } }) },
    select: { id: true, bucket: true, key: true, versionId: true, format: true },
    orderBy: { id: 'asc' },
  });
  let sealed = 0;
  const kept: string[] = [];
  await inParallel(pages, async (p) => {
    const ref = { bucket: p.bucket, key: p.key, versionId: p.versionId! };
    if (await store.sealHeader(ref)) return;
    const head = await store.head(ref);
    const body = await store.get(ref);
    const retained = head.retention && head.retention.retainUntil.getTime() > Date.now() ? head.retention : undefined;
    const stored = await store.put({
      bucket: p.bucket,
      key: p.key,
      body,
      contentType: head.contentType ?? `image/${p.format}`,
      seal: true,
      retainUntil: retained?.retainUntil,
      retentionMode: retained?.mode,
      legalHold: head.legalHold,
    });
    await db.page.update({ where: { id: p.id }, data: { versionId: stored.versionId } });
    sealed += 1;
    await store.deleteVersion(ref).catch((err: Error) => {
      if (err.name !== 'ObjectLockedError') throw err;
      kept.push(`${p.bucket}/${p.key} version ${ref.versionId}: ${err.message}`);
    });
  });
  return { sealed, kept };
}

function requireKeyring(store: ObjectStore) {
  if (!store.keyring) throw new Error('the store has no keyring (LANTAI_KEK_DIR)');
  return store.keyring;
}

async function eachVersion(
  store: ObjectStore,
  where: RotationDeps['where'],
  work: (ref: { bucket: string; key: string; versionId: string }) => Promise<void>,
): Promise<void> {
  for (const { bucket, prefix } of where) {
    const versions = (await store.listVersions(bucket, prefix)).filter((v) => !v.deleteMarker);
    await inParallel(versions, (v) => work({ bucket, key: v.key, versionId: v.versionId }));
  }
}

async function inParallel<T>(items: T[], work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const runners = Array.from({ length: Math.min(IN_FLIGHT, items.length) }, async () => {
    while (next < items.length) await work(items[next++]!);
  });
  await Promise.all(runners);
}
