import { eachInFlight } from '../domain/in-flight';
import type { Db } from '../prisma/client';
import type { ObjectStore } from '../store/object-store';
import { retainedAfter } from './retention';

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
  const versions: { bucket: string; key: string; versionId: string; deleteMarker: boolean }[] = [];
  for (const { bucket, prefix } of folders.values()) {
    // A prefix lists more than the pages (`0001.jpg.bak`, another page's key): only the pages' own keys count.
    for (const v of await store.listVersions(bucket, prefix)) {
      if (keys.has(`${bucket}/${v.key}`) && (deleteMarkers || !v.deleteMarker))
        versions.push({ bucket, key: v.key, versionId: v.versionId, deleteMarker: v.deleteMarker });
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

/**
 * Gives every stored version of the items' pages an Object Lock retention date (governance mode) at the day their
 * retention runs out, so the store itself refuses to delete them earlier. Permanent items and items already due
 * are left as they are: nothing in the store may stand in the way of a destruction the committee decided.
 */
export async function retainUntilDue(
  db: Db,
  store: ObjectStore,
  itemIds: string[],
  today = new Date().toISOString().slice(0, 10),
): Promise<number> {
  const due = await retainedAfter(db, itemIds, today);
  await eachInFlight(due, ITEMS_IN_FLIGHT, async (item) => {
    for (const version of await storedVersionsOf(db, store, item.id)) await store.setRetention(version, new Date(`${item.due}T00:00:00Z`));
  });
  return due.length;
}
