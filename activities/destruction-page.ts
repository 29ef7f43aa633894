import { Context } from '@temporalio/activity';
import type { Logger } from 'pino';
import { activeHolds, describeHold } from '../catalogue/holds';
import { versionsOfPages } from '../catalogue/object-locks';
import { eachInFlight } from '../domain/in-flight';
import type { Db } from '../prisma/client';
import {
  countAttempt,
  failEntries,
  leaveTombstones,
  markEntriesDestroyed,
  pagesToDelete,
  recordFirstLooks,
  removeEntries,
  type FirstLook,
  type StoredPage,
} from '../catalogue/destruction-entries';
import { DELETE_BATCH, isRefusalCode, type ObjectLockedError, type ObjectStore } from '../store/object-store';
import type { MoveActivities } from './moves';
import { groupBy } from '../domain/collections';

// Items checked at once, each one listing of its folder and a HEAD per version: enough to keep the store busy.
const ITEMS_IN_FLIGHT = 32;
// DeleteObjects requests at once, each of up to 1000 versions of many items.
const DELETES_IN_FLIGHT = 4;
// A deletion that keeps failing for a reason other than Object Lock is reported after this many tries, not retried for ever.
const MAX_ATTEMPTS = 5;

export interface PageTally {
  destroyed: number;
  failed: number;
  removed: number;
  /** Items whose deletion failed for a passing reason: still listed, tried again later. */
  unsettled: number;
}

interface StoredVersion {
  bucket: string;
  key: string;
  versionId: string;
  deleteMarker: boolean;
  size: number;
}

/** An item whose versions passed the lock check, but for the one whose own deletion is its check. */
interface CheckedItem {
  itemId: string;
  first: StoredVersion | undefined;
  rest: StoredVersion[];
}

type PageRow = StoredPage;

export interface DestructionPageDeps {
  db: Db;
  store: ObjectStore;
  log: Logger;
  moves: MoveActivities;
}

/** A page of entries checked: the items whose every version but the first passed the Object Lock check, and what befell the others. */
export interface CheckedPage {
  listId: string;
  tally: PageTally;
  attempts: Map<string, number>;
  pagesOf: Map<string, PageRow[]>;
  checked: CheckedItem[];
  failed: Map<string, string>;
  unsettled: Map<string, string>;
}

/**
 * The first half of destroying a page of a list's entries: held items taken off, and every stored version of the
 * others listed and checked for Object Lock, nothing deleted yet. Destruction checks the next page while the store
 * deletes this one.
 */
export async function checkPage(
  { db, store }: Pick<DestructionPageDeps, 'db' | 'store'>,
  { listId, itemIds }: { listId: string; itemIds: string[] },
): Promise<CheckedPage> {
  const page: CheckedPage = {
    listId,
    tally: { destroyed: 0, failed: 0, removed: 0, unsettled: 0 },
    attempts: new Map(),
    pagesOf: new Map(),
    checked: [],
    failed: new Map(),
    unsettled: new Map(),
  };
  let ids = await takeOffHeld(db, listId, itemIds, 'execution', page.tally);
  page.attempts = await countAttempt(db, listId, ids);
  ids = ids.filter((id) => page.attempts.has(id));
  page.pagesOf = groupBy(await pagesToDelete(db, ids), (p) => p.itemId);
  const looks: FirstLook[] = [];
  await eachInFlight(ids, ITEMS_IN_FLIGHT, async (itemId) => {
    // A worker shutting down cancels the activity: stop before anything is deleted, and another worker carries on.
    Context.current().cancellationSignal.throwIfAborted();
    try {
      const check = await checkItem(store, itemId, page.pagesOf.get(itemId) ?? []);
      looks.push(check.look);
      if (check.locks.length) page.failed.set(itemId, lockReason(check.locks));
      else page.checked.push(check);
    } catch (err) {
      page.unsettled.set(itemId, messageOf(err));
    }
    Context.current().heartbeat({ listId, checked: page.checked.length });
  });
  await recordFirstLooks(db, listId, looks);
  return page;
}

/**
 * The second half: the checked items' versions deleted in shared DeleteObjects requests, each item's first version
 * before the rest, then tombstones, moves and entries written in bulk. Safe to repeat: what is done is skipped.
 */
export async function finishPage({ db, store, log, moves }: DestructionPageDeps, page: CheckedPage, actor: string): Promise<PageTally> {
  const { listId, tally, failed, unsettled } = page;
  // A hold placed while the page was being checked still stops its item.
  const notHeld = new Set(
    await takeOffHeld(
      db,
      listId,
      page.checked.map((c) => c.itemId),
      'execution',
      tally,
    ),
  );
  const clear = page.checked.filter((c) => notHeld.has(c.itemId));

  // First each item's unchecked version: the store refuses to delete it if it is locked, and then nothing of the item is gone.
  const firsts = clear.flatMap((c) => (c.first ? [{ ...c.first, itemId: c.itemId }] : []));
  for (const refused of await deleteVersions(store, firsts)) {
    const lock = isRefusalCode(refused.code) ? await store.lockOf(refused).catch(() => undefined) : undefined;
    if (lock) failed.set(refused.itemId, lockReason([describeLock(refused, lock)]));
    else unsettled.set(refused.itemId, `${refused.key} version ${refused.versionId}: ${refused.code} ${refused.message}`);
  }
  const rest = clear
    .filter((c) => !failed.has(c.itemId) && !unsettled.has(c.itemId))
    .flatMap((c) => c.rest.map((v) => ({ ...v, itemId: c.itemId })));
  for (const refused of await deleteVersions(store, rest)) {
    const lock = isRefusalCode(refused.code) ? await store.lockOf(refused).catch(() => undefined) : undefined;
    // Only a lock placed after the check gets here.
    if (lock)
      failed.set(refused.itemId, `${lockReason([describeLock(refused, lock)])}, placed after the check: its other versions are deleted`);
    else unsettled.set(refused.itemId, `${refused.key} version ${refused.versionId}: ${refused.code} ${refused.message}`);
  }
  let destroyed = clear.map((c) => c.itemId).filter((id) => !failed.has(id) && !unsettled.has(id));

  await leaveTombstones(db, listId, destroyed);
  const moved = await moves.moveItemsReporting({ itemIds: destroyed, to: 'destroyed', actor, reason: `destruction list ${listId}` });
  for (const r of moved.refused)
    failed.set(r.itemId, `its objects are deleted, but its lifecycle refused the move: it is ${r.state ?? 'not in the catalogue'}`);
  destroyed = destroyed.filter((id) => !failed.has(id));
  await markEntriesDestroyed(db, listId, destroyed);
  tally.destroyed += destroyed.length;

  for (const [itemId, message] of unsettled) {
    const tries = page.attempts.get(itemId)!;
    if (tries >= MAX_ATTEMPTS) failed.set(itemId, `deletion failed after ${tries} attempt(s): ${message}`);
    else tally.unsettled += 1;
  }
  await failEntries(db, listId, failed);
  for (const [itemId, reason] of failed) log.warn({ listId, itemId, reason }, 'item not destroyed');
  tally.failed += failed.size;
  return tally;
}

/** Marks held items (冻结) `removed`, with the hold as the reason; returns the items not held. */
export async function takeOffHeld(
  db: Db,
  listId: string,
  itemIds: string[],
  stage: string,
  tally?: { removed: number },
): Promise<string[]> {
  const holds = await activeHolds(db, itemIds);
  if (holds.size) {
    await removeEntries(db, listId, new Map([...holds.values()].map((h) => [h.itemId, `held at ${stage}: ${describeHold(h)}`])));
    if (tally) tally.removed += holds.size;
  }
  return itemIds.filter((id) => !holds.has(id));
}

async function checkItem(
  store: ObjectStore,
  itemId: string,
  pages: PageRow[],
): Promise<CheckedItem & { locks: string[]; look: FirstLook }> {
  // Delete markers too: nothing of the item may stay behind in the store.
  const versions = await versionsOfPages(store, pages, { deleteMarkers: true });
  const stored = versions.filter((v) => !v.deleteMarker);
  const [first, ...others] = stored;
  const locks: string[] = [];
  for (const v of others) {
    const lock = await store.lockOf(v);
    if (lock) locks.push(describeLock(v, lock));
  }
  const held = new Set(stored.map((v) => `${v.bucket}/${v.key}`));
  const gone = [...new Map(pages.map((p) => [`${p.bucket}/${p.key}`, p])).values()]
    .filter((p) => !held.has(`${p.bucket}/${p.key}`))
    .map((p) => ({ pageNumber: p.pageNumber, bucket: p.bucket, key: p.key }));
  const look = { itemId, bytes: stored.reduce((n, v) => n + v.size, 0), gone };
  return { itemId, first, rest: [...others, ...versions.filter((v) => v.deleteMarker)], locks, look };
}

/** Deletes the versions in requests of up to 1000, several at once; returns those not deleted, a failed request's all. */
async function deleteVersions<V extends StoredVersion & { itemId: string }>(
  store: ObjectStore,
  versions: V[],
): Promise<(V & { code: string; message: string })[]> {
  const batches = [...groupBy(versions, (v) => v.bucket).values()].flatMap((inBucket) => chunks(inBucket, DELETE_BATCH));
  const refused: (V & { code: string; message: string })[] = [];
  await eachInFlight(batches, DELETES_IN_FLIGHT, async (batch) => {
    try {
      const byVersion = new Map(batch.map((v) => [`${v.key}\n${v.versionId}`, v]));
      for (const r of await store.deleteVersions(batch[0]!.bucket, batch)) {
        const v = byVersion.get(`${r.key}\n${r.versionId}`);
        if (v) refused.push({ ...v, code: r.code, message: r.message });
      }
    } catch (err) {
      refused.push(...batch.map((v) => ({ ...v, code: 'RequestFailed', message: messageOf(err) })));
    }
    Context.current().heartbeat();
  });
  return refused;
}

function describeLock(v: { key: string; versionId: string }, lock: ObjectLockedError['lock']): string {
  return `${v.key} version ${v.versionId} (${lock.legalHold ? 'legal hold' : `${lock.mode} retention until ${lock.retainUntil?.toISOString()}`})`;
}

function lockReason(locks: string[]): string {
  return `Object Lock protects ${locks.length} stored version(s): ${locks.slice(0, 3).join('; ')}`;
}

function chunks<T>(rows: T[], size: number): T[][] {
  return Array.from({ length: Math.ceil(rows.length / size) }, (_, i) => rows.slice(i * size, (i + 1) * size));
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
