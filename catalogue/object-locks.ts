import { eachInFlight } from '../domain/in-flight';
import type { Db } from '../prisma/client';
import type { ObjectStore } from '../store/object-store';
import { locksToSet, recordLocks } from './retention';

// Items handled at once; each is a listing and one request per stored version.
const ITEMS_IN_FLIGHT = 8;

/** Every stored version (not delete markers) of the item's pages still in the store. */
export async function storedVersionsOf(
  db: Db,
  store: ObjectStore,
  itemId: string,
): Promise<{ bucket: string; key: string; versionId: string }[]> {
  const pages = await db.page.findMany({ where: { itemId, destroyedAt: null }, select: { bucket: true, key: true } });
  return versionsOfPages(store, pages, { deleteMarkers: false });
}

/** The versions stored under the pages' keys (a key shared by a rescan counted once), delete markers when asked. */
export async function versionsOfPages(
  store: ObjectStore,
  pages: { bucket: string; key: string }[],
  { deleteMarkers }: { deleteMarkers: boolean },
) {
  const keys = new Set(pages.map((p) => `${p.bucket}/${p.key}`));
  // One listing per folder of the item's keys (`<archival code>/`), not one per page.
  const folders = new Map(pages.map((p) => [`${p.bucket}/${folderOf(p.key)}`, { bucket: p.bucket, prefix: folderOf(p.key) }]));
  const versions: { bucket: string; key: string; versionId: string; deleteMarker: boolean; size: number }[] = [];
  for (const { bucket, prefix } of folders.values()) {
    // A prefix lists more than the pages (`0001.jpg.bak`, another page's key): only the pages' own keys count.
    for (const v of await store.listVersions(bucket, prefix)) {
      if (keys.has(`${bucket}/${v.key}`) && (deleteMarkers || !v.deleteMarker))
        versions.push({ bucket, key: v.key, versionId: v.versionId, deleteMarker: v.deleteMarker, size: v.size ?? 0 });
    }
  }
  return versions;
}

/** The key up to its last `/`, or the key itself when it has none (a bare key's folder would be the whole bucket). */
function folderOf(key: string): string {
  const slash = key.lastIndexOf('/');
  return slash < 0 ? key : key.slice(0, slash + 1);
}

/** Turns the Object Lock legal hold of every stored version of the item's pages on or off. */
export async function setLegalHolds(db: Db, store: ObjectStore, itemId: string, on: boolean): Promise<void> {
  for (const version of await storedVersionsOf(db, store, itemId)) await store.setLegalHold(version, on);
}

/** How a step gives Object Lock: today's date and the compliance window of permanent items, in years. */
export interface LockPolicy {
  permanentYears: number;
  today?: string;
}

/**
 * Gives every stored version of the items' pages the Object Lock retention their retention period asks, so the
 * store itself refuses to delete them earlier: governance mode until the day a fixed period runs out (items already
 * due get none, so nothing in the store stands in the way of a destruction the committee decided), compliance mode
 * for a permanent item, over a rolling window of `permanentYears`. Returns how many items were given a date.
 */
export async function retainUntilDue(db: Db, store: ObjectStore, itemIds: string[], policy: LockPolicy): Promise<number> {
  return lock(db, store, itemIds, policy, true);
}

/** Renews the compliance window of the permanent ones among the items once half of it has passed; returns how many. */
export async function renewPermanentLocks(db: Db, store: ObjectStore, itemIds: string[], policy: LockPolicy): Promise<number> {
  return lock(db, store, itemIds, policy, false);
}

async function lock(db: Db, store: ObjectStore, itemIds: string[], policy: LockPolicy, fixed: boolean): Promise<number> {
  const today = policy.today ?? new Date().toISOString().slice(0, 10);
  const locks = await locksToSet(db, itemIds, {
    today,
    renewBefore: yearsAfter(today, policy.permanentYears / 2),
    renewTo: yearsAfter(today, policy.permanentYears),
    fixed,
  });
  await eachInFlight(locks, ITEMS_IN_FLIGHT, async (item) => {
    for (const version of await storedVersionsOf(db, store, item.id))
      await store.setRetention(version, new Date(`${item.until}T00:00:00Z`), item.mode);
  });
  await recordLocks(db, locks);
  return locks.length;
}

/** The day `years` (halves allowed) after `day`, YYYY-MM-DD. */
function yearsAfter(day: string, years: number): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCMonth(d.getUTCMonth() + Math.round(years * 12));
  return d.toISOString().slice(0, 10);
}
