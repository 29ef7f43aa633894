import { appraisalDueOn } from '../domain/appraisal';
import type { Db } from '../prisma/client';
import type { ObjectStore } from '../store/object-store';

// Items handled at once; each is a listing and one request per stored version.
const ITEMS_IN_FLIGHT = 8;

/** Every stored version (not delete markers) of the item's pages still in the store. */
export async function storedVersionsOf(db: Db, store: ObjectStore, itemId: string): Promise<{ bucket: string; key: string; versionId: string }[]> {
  const pages = await db.page.findMany({ where: { itemId, destroyedAt: null }, select: { bucket: true, key: true } });
  const keys = [...new Map(pages.map((p) => [`${p.bucket}/${p.key}`, p])).values()];
  const versions = [];
  for (const { bucket, key } of keys) {
    for (const v of await store.listVersions(bucket, key)) if (v.key === key && !v.deleteMarker) versions.push({ bucket, key, versionId: v.versionId });
  }
  return versions;
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
export async function retainUntilDue(db: Db, store: ObjectStore, itemIds: string[], today = new Date().toISOString().slice(0, 10)): Promise<number> {
  const items = await db.item.findMany({ where: { id: { in: itemIds } }, select: { id: true, retentionPeriod: true, year: true, keptUntil: true, madePermanent: true } });
  let locked = 0;
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const item = items[next++]!;
      const due = appraisalDueOn({ ...item, retentionPeriod: item.retentionPeriod, keptUntil: item.keptUntil?.toISOString().slice(0, 10) ?? null });
      if (due === null || due <= today) continue;
      for (const version of await storedVersionsOf(db, store, item.id)) await store.setRetention(version, new Date(`${due}T00:00:00Z`));
      locked += 1;
    }
  };
  await Promise.all(Array.from({ length: Math.min(ITEMS_IN_FLIGHT, items.length) }, lane));
  return locked;
}
