import { Context } from '@temporalio/activity';
import type { Logger } from 'pino';
import { activeHolds, describeHold } from '../catalogue/holds';
import { versionsOfPages } from '../catalogue/object-locks';
import { eachInFlight } from '../domain/in-flight';
import type { Db, Prisma } from '../prisma/client';
import { DELETE_BATCH, isRefusalCode, type ObjectLockedError, type ObjectStore } from '../store/object-store';
import type { MoveActivities } from './moves';

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
}

/** An item whose versions passed the lock check, but for the one whose own deletion is its check. */
interface CheckedItem {
  itemId: string;
  first: StoredVersion | undefined;
  rest: StoredVersion[];
}

type PageRow = Prisma.PageGetPayload<{ select: typeof pageColumns }>;
const pageColumns = { itemId: true, bucket: true, key: true, versionId: true, size: true, sha256: true, sm3: true, pageNumber: true, supersededAt: true } as const;

export interface DestructionPageDeps {
  db: Db;
  store: ObjectStore;
  log: Logger;
  moves: MoveActivities;
}

/**
 * Destroys a page of a list's entries together. Holds are checked per item; every version of an item is checked for
 * Object Lock before any of them is deleted, and the versions of all items that passed go in shared DeleteObjects
 * requests; then tombstones, moves and entries are written in bulk. Safe to repeat: what is done is skipped.
 */
export async function destroyPage({ db, store, log, moves }: DestructionPageDeps, { listId, itemIds, actor }: { listId: string; itemIds: string[]; actor: string }): Promise<PageTally> {
  const tally: PageTally = { destroyed: 0, failed: 0, removed: 0, unsettled: 0 };
  const failed = new Map<string, string>();
  const unsettled = new Map<string, string>();

  let ids = await takeOffHeld(db, listId, itemIds, 'execution', tally);
  const attempts = await countAttempt(db, listId, ids);
  ids = ids.filter((id) => attempts.has(id));
  const pagesOf = groupBy(await db.page.findMany({ where: { itemId: { in: ids } }, select: pageColumns, orderBy: [{ pageNumber: 'asc' }, { createdAt: 'asc' }] }), (p) => p.itemId);

  const checked: CheckedItem[] = [];
  await eachInFlight(ids, ITEMS_IN_FLIGHT, async (itemId) => {
    // A worker shutting down cancels the activity: stop before anything is deleted, and another worker carries on.
    Context.current().cancellationSignal.throwIfAborted();
    try {
      const check = await checkItem(store, itemId, pagesOf.get(itemId) ?? []);
      if (check.locks.length) failed.set(itemId, lockReason(check.locks));
      else checked.push(check);
    } catch (err) {
      unsettled.set(itemId, messageOf(err));
    }
    Context.current().heartbeat({ listId, checked: checked.length });
  });
  Context.current().cancellationSignal.throwIfAborted();

  // A hold placed while the page was being checked still stops its item.
  const notHeld = new Set(await takeOffHeld(db, listId, checked.map((c) => c.itemId), 'execution', tally));
  const clear = checked.filter((c) => notHeld.has(c.itemId));

  // First each item's unchecked version: the store refuses to delete it if it is locked, and then nothing of the item is gone.
  const firsts = clear.flatMap((c) => (c.first ? [{ ...c.first, itemId: c.itemId }] : []));
  for (const refused of await deleteVersions(store, firsts)) {
    const lock = isRefusalCode(refused.code) ? await store.lockOf(refused).catch(() => undefined) : undefined;
    if (lock) failed.set(refused.itemId, lockReason([describeLock(refused, lock)]));
    else unsettled.set(refused.itemId, `${refused.key} version ${refused.versionId}: ${refused.code} ${refused.message}`);
  }
  const rest = clear.filter((c) => !failed.has(c.itemId) && !unsettled.has(c.itemId)).flatMap((c) => c.rest.map((v) => ({ ...v, itemId: c.itemId })));
  for (const refused of await deleteVersions(store, rest)) {
    const lock = isRefusalCode(refused.code) ? await store.lockOf(refused).catch(() => undefined) : undefined;
    // Only a lock placed after the check gets here.
    if (lock) failed.set(refused.itemId, `${lockReason([describeLock(refused, lock)])}, placed after the check: its other versions are deleted`);
    else unsettled.set(refused.itemId, `${refused.key} version ${refused.versionId}: ${refused.code} ${refused.message}`);
  }
  let destroyed = clear.map((c) => c.itemId).filter((id) => !failed.has(id) && !unsettled.has(id));

  await leaveTombstones(db, listId, destroyed, pagesOf);
  const moved = await moves.moveItemsReporting({ itemIds: destroyed, to: 'destroyed', actor, reason: `destruction list ${listId}` });
  for (const r of moved.refused) failed.set(r.itemId, `its objects are deleted, but its lifecycle refused the move: it is ${r.state ?? 'not in the catalogue'}`);
  destroyed = destroyed.filter((id) => !failed.has(id));
  await db.destructionEntry.updateMany({ where: { listId, itemId: { in: destroyed }, status: 'listed' }, data: { status: 'destroyed', destroyedAt: new Date(), reason: null } });
  tally.destroyed += destroyed.length;

  for (const [itemId, message] of unsettled) {
    const tries = attempts.get(itemId)!;
    if (tries >= MAX_ATTEMPTS) failed.set(itemId, `deletion failed after ${tries} attempt(s): ${message}`);
    else tally.unsettled += 1;
  }
  await settleFailed(db, log, listId, failed);
  tally.failed += failed.size;
  return tally;
}

/** Marks held items (冻结) `removed`, with the hold as the reason; returns the items not held. */
export async function takeOffHeld(db: Db, listId: string, itemIds: string[], stage: string, tally?: { removed: number }): Promise<string[]> {
  const holds = await activeHolds(db, itemIds);
  if (holds.size) {
    await setEntries(db, listId, 'removed', new Map([...holds.values()].map((h) => [h.itemId, `held at ${stage}: ${describeHold(h)}`])));
    if (tally) tally.removed += holds.size;
  }
  return itemIds.filter((id) => !holds.has(id));
}

async function checkItem(store: ObjectStore, itemId: string, pages: PageRow[]): Promise<CheckedItem & { locks: string[] }> {
  // Delete markers too: nothing of the item may stay behind in the store.
  const versions = await versionsOfPages(store, pages, { deleteMarkers: true });
  const [first, ...others] = versions.filter((v) => !v.deleteMarker);
  const locks: string[] = [];
  for (const v of others) {
    const lock = await store.lockOf(v);
    if (lock) locks.push(describeLock(v, lock));
  }
  return { itemId, first, rest: [...others, ...versions.filter((v) => v.deleteMarker)], locks };
}

/** Deletes the versions in requests of up to 1000, several at once; returns those not deleted, a failed request's all. */
async function deleteVersions<V extends StoredVersion & { itemId: string }>(store: ObjectStore, versions: V[]): Promise<(V & { code: string; message: string })[]> {
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

async function countAttempt(db: Db, listId: string, itemIds: string[]): Promise<Map<string, number>> {
  if (itemIds.length === 0) return new Map();
  const rows = await db.$queryRaw<{ item_id: string; attempts: number }[]>`
    UPDATE destruction_entry SET attempts = attempts + 1
    WHERE list_id = ${listId}::uuid AND item_id = ANY(${itemIds}::uuid[]) AND status = 'listed'
    RETURNING item_id::text, attempts`;
  return new Map(rows.map((r) => [r.item_id, r.attempts]));
}

/** A tombstone (item_tombstone) of each destroyed item's metadata and objects, and its pages marked destroyed. */
async function leaveTombstones(db: Db, listId: string, itemIds: string[], pagesOf: Map<string, PageRow[]>): Promise<void> {
  if (itemIds.length === 0) return;
  const items = await db.item.findMany({ where: { id: { in: itemIds } }, include: { businessType: true, handlingOffice: true, box: true } });
  const tombstones = items.map((item) => {
    const pages = pagesOf.get(item.id) ?? [];
    const metadata = {
      archivalCode: item.archivalCode, itemNumber: item.itemNumber, title: item.title, year: item.year, retentionPeriod: item.retentionPeriod,
      securityLevel: item.securityLevel, caseNumber: item.caseNumber, citizenId: item.citizenId, personName: item.personName,
      employerName: item.employerName, employerCreditCode: item.employerCreditCode, clerkName: item.clerkName,
      handledOn: item.handledOn.toISOString().slice(0, 10), businessType: item.businessType.code, handlingOffice: item.handlingOffice.code,
      box: item.box?.barcode ?? null, pageCount: pages.filter((p) => p.supersededAt === null).length,
    };
    const objects = pages.map((p) => ({ pageNumber: p.pageNumber, bucket: p.bucket, key: p.key, versionId: p.versionId, size: Number(p.size), sha256: p.sha256, sm3: p.sm3 }));
    return { itemId: item.id, listId, archivalCode: item.archivalCode, metadata, objects };
  });
  await db.$transaction([
    // A retry after a crash finds some tombstones written: they stay as they are (the table is append-only).
    db.itemTombstone.createMany({ data: tombstones, skipDuplicates: true }),
    db.page.updateMany({ where: { itemId: { in: itemIds }, destroyedAt: null }, data: { destroyedAt: new Date() } }),
  ]);
}

/** Failed entries, with their reasons, and an archivist task for each, together. */
async function settleFailed(db: Db, log: Logger, listId: string, reasons: Map<string, string>): Promise<void> {
  if (reasons.size === 0) return;
  const list = await db.destructionList.findUniqueOrThrow({ where: { id: listId }, select: { fondsId: true } });
  const items = await db.item.findMany({ where: { id: { in: [...reasons.keys()] } }, select: { id: true, archivalCode: true, caseNumber: true } });
  await db.$transaction([
    setEntries(db, listId, 'failed', reasons),
    db.archivistTask.createMany({
      data: items.map((item) => ({
        fondsId: list.fondsId, kind: 'destruction_failed', itemId: item.id, source: `destruction_list:${listId}`,
        title: `Destruction of ${item.archivalCode ?? item.caseNumber} failed`, detail: reasons.get(item.id)!,
      })),
    }),
  ]);
  for (const [itemId, reason] of reasons) log.warn({ listId, itemId, reason }, 'item not destroyed');
}

/** Sets listed entries to `status`, each with its own reason, in one statement. */
function setEntries(db: Db, listId: string, status: 'removed' | 'failed', reasons: Map<string, string>) {
  return db.$executeRaw`
    UPDATE destruction_entry e SET status = ${status}::"DestructionEntryStatus", reason = r.reason
    FROM unnest(${[...reasons.keys()]}::uuid[], ${[...reasons.values()]}::text[]) AS r(item_id, reason)
    WHERE e.list_id = ${listId}::uuid AND e.item_id = r.item_id AND e.status = 'listed'`;
}

function describeLock(v: { key: string; versionId: string }, lock: ObjectLockedError['lock']): string {
  return `${v.key} version ${v.versionId} (${lock.legalHold ? 'legal hold' : `${lock.mode} retention until ${lock.retainUntil?.toISOString()}`})`;
}

function lockReason(locks: string[]): string {
  return `Object Lock protects ${locks.length} stored version(s): ${locks.slice(0, 3).join('; ')}`;
}

function groupBy<T>(rows: T[], key: (row: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const row of rows) {
    const k = key(row);
    const group = groups.get(k);
    if (group) group.push(row);
    else groups.set(k, [row]);
  }
  return groups;
}

function chunks<T>(rows: T[], size: number): T[][] {
  return Array.from({ length: Math.ceil(rows.length / size) }, (_, i) => rows.slice(i * size, (i + 1) * size));
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
