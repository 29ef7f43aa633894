import { ApplicationFailure, Context } from '@temporalio/activity';
import { commitInventoryChunk, inventoryRun, itemsToCheck, progressOf, type NewFinding } from '../../catalogue/inventory-runs';
import { renewPermanentLocks } from '../../catalogue/object-locks';
import { missingMetadata, rehashDue, type FindingKind } from '../../domain/inventory';
import type { Db } from '../../prisma/client';
import { digestsOf } from '../../store/digest';
import type { ObjectStore } from '../../store/object-store';
import { InventoryError, type InventoryProgress } from '../../contracts/inventory';

// Items per activity: a retry repeats at most one chunk of it, and the workflow's history grows by a few events per page.
// Items per transaction: findings, page timestamps, counters and cursor commit together, so a crash loses at most one chunk.
const ITEMS_PER_CHUNK = 25;
// Objects read from the store at once; more brought no gain on 2 cores (bench/inventory.ts).
const OBJECTS_IN_FLIGHT = 8;

interface PageToCheck {
  id: string;
  pageNumber: number;
  bucket: string;
  key: string;
  size: bigint;
  sha256: string;
  sm3: string;
  lastRehashedAt: Date | null;
}

interface ObjectCheck {
  pageId: string;
  /** Present with the recorded size. */
  found: boolean;
  rehashed: boolean;
  intact: boolean;
  bytes: number;
  finding?: { kind: FindingKind; detail: string };
}

/** The periodic check of a fonds' items in custody: stored objects, their digests when due, and metadata. */
export function createItemChecks({ db, store, permanentLockYears }: { db: Db; store: ObjectStore; permanentLockYears: number }) {
  /** What the store now serves under the page's key, not the recorded version: a replaced or deleted object shows up. */
  async function checkObject(page: PageToCheck, rehash: boolean): Promise<ObjectCheck> {
    const where = `page ${page.pageNumber} (${page.bucket}/${page.key})`;
    const expected = Number(page.size);
    const ref = { bucket: page.bucket, key: page.key };
    let size: number;
    let body: Buffer | undefined;
    try {
      if (rehash) {
        body = await store.get(ref);
        size = body.length;
      } else {
        size = (await store.head(ref)).size;
      }
    } catch (err) {
      // A sealed page whose ciphertext was changed fails its SM4-GCM tag: altered, as a digest that differs.
      if ((err as Error).name === 'ObjectDamagedError')
        return {
          pageId: page.id,
          found: true,
          rehashed: true,
          intact: false,
          bytes: 0,
          finding: { kind: 'digest_mismatch', detail: `${where}: ${(err as Error).message}` },
        };
      if ((err as Error).name !== 'ObjectNotFoundError') throw err;
      return {
        pageId: page.id,
        found: false,
        rehashed: false,
        intact: false,
        bytes: 0,
        finding: { kind: 'object_missing', detail: `${where} is missing from the store` },
      };
    }
    if (size !== expected) {
      return {
        pageId: page.id,
        found: false,
        rehashed: false,
        intact: false,
        bytes: 0,
        finding: { kind: 'size_mismatch', detail: `${where}: the store holds ${size} bytes, the record says ${expected}` },
      };
    }
    if (!body) return { pageId: page.id, found: true, rehashed: false, intact: true, bytes: 0 };
    const actual = digestsOf(body);
    const differ = [
      actual.sha256 !== page.sha256 && `SHA-256 is ${actual.sha256}, the record says ${page.sha256}`,
      actual.sm3 !== page.sm3 && `SM3 is ${actual.sm3}, the record says ${page.sm3}`,
    ].filter(Boolean);
    if (differ.length === 0) return { pageId: page.id, found: true, rehashed: true, intact: true, bytes: size };
    return {
      pageId: page.id,
      found: true,
      rehashed: true,
      intact: false,
      bytes: size,
      finding: { kind: 'digest_mismatch', detail: `${where}: ${differ.join('; ')}` },
    };
  }

  /** One chunk's findings, page timestamps, counters and new cursor, in one transaction. */
  async function commitChunk(
    runId: string,
    chunk: { from: string | null; to: string; items: number; checks: ObjectCheck[]; findings: NewFinding[] },
  ): Promise<void> {
    const { from, to, checks, findings } = chunk;
    const rehashed = checks.filter((c) => c.rehashed);
    const committed = await commitInventoryChunk(db, runId, {
      from,
      to,
      items: chunk.items,
      objects: checks.length,
      rehashed: { count: rehashed.length, bytes: rehashed.reduce((n, c) => n + c.bytes, 0) },
      findings,
      found: checks.filter((c) => c.found).map((c) => ({ pageId: c.pageId, intact: c.rehashed && c.intact })),
    });
    // Another attempt of this activity moved the cursor first (a worker thought dead came back): leave it to that one.
    if (!committed)
      throw ApplicationFailure.retryable(
        `inventory run ${runId} moved on from ${from ?? 'the start'} under this attempt`,
        InventoryError.CursorMoved,
      );
  }

  return {
    /**
     * Checks the next page of items after the run's cursor, in id order: every current page's object exists with
     * its recorded size, its digests match when it is due for re-hashing, and the item's metadata is complete.
     * Each chunk's findings, page timestamps, counters and new cursor commit in one transaction, and the cursor is
     * read from the catalogue, so a retry after a crash starts after the last chunk committed.
     */
    async checkInventoryItems({ runId, itemsPerPage }: { runId: string; itemsPerPage: number }): Promise<InventoryProgress> {
      const run = await inventoryRun(db, runId);
      if (!run) throw ApplicationFailure.nonRetryable(`inventory run ${runId} is not in the catalogue`, InventoryError.RunNotFound);
      if (run.status !== 'running') return progressOf(db, runId, false);
      const plan = run.rehash;
      const items = await itemsToCheck(db, run, itemsPerPage);
      // Every object of the page goes through one queue of store requests, chunk after chunk, so the store is
      // kept busy while each chunk commits, and chunks still commit in order.
      // Leaving early (a failed commit, a cancellation) stops the reads still queued.
      const leaving = new AbortController();
      const inFlight = limiter(OBJECTS_IN_FLIGHT, AbortSignal.any([Context.current().cancellationSignal, leaving.signal]));
      const chunks = [];
      for (let start = 0; start < items.length; start += ITEMS_PER_CHUNK) {
        const chunk = items.slice(start, start + ITEMS_PER_CHUNK);
        const pages = chunk.flatMap((item) =>
          item.pages.map((page) => ({ itemId: item.id, page, rehash: rehashDue(page, { sequence: run.sequence, plan }) })),
        );
        const checking = Promise.all(pages.map((p) => inFlight(() => checkObject(p.page, p.rehash))));
        // A failure is taken up when its chunk's turn comes; until then it must not count as unhandled.
        checking.catch(() => undefined);
        chunks.push({ chunk, pages, checking, checked: start + chunk.length });
      }
      let cursor = run.cursor;
      try {
        for (const { chunk, pages, checking, checked } of chunks) {
          const checks = await checking;
          const findings: NewFinding[] = checks.flatMap((c, i) =>
            c.finding ? [{ runId, itemId: pages[i]!.itemId, pageId: c.pageId, ...c.finding }] : [],
          );
          for (const item of chunk) {
            const missing = missingMetadata({ ...item, shelved: item.box?.locationId != null, currentPages: item.pages.length });
            if (missing.length)
              findings.push({
                runId,
                kind: 'metadata_incomplete',
                itemId: item.id,
                boxId: item.boxId ?? undefined,
                detail: `missing: ${missing.join(', ')}`,
              });
          }
          // The inventory is what keeps a permanent item's compliance lock ahead of time, item by item as it passes.
          await renewPermanentLocks(
            db,
            store,
            chunk.map((i) => i.id),
            { permanentYears: permanentLockYears },
          );
          const to = chunk.at(-1)!.id;
          await commitChunk(runId, { from: cursor, to, items: chunk.length, checks, findings });
          cursor = to;
          Context.current().heartbeat({ cursor, checked });
        }
      } finally {
        leaving.abort();
      }
      return progressOf(db, runId, items.length === itemsPerPage);
    },
  };
}

/** Runs at most `size` pieces of work at once, in the order asked; once the signal aborts, work not yet begun is refused. */
function limiter(size: number, signal: AbortSignal) {
  let active = 0;
  const waiting: (() => void)[] = [];
  return async <T>(work: () => Promise<T>): Promise<T> => {
    while (active >= size) await new Promise<void>((resolve) => waiting.push(resolve));
    active += 1;
    try {
      signal.throwIfAborted();
      return await work();
    } finally {
      active -= 1;
      waiting.shift()?.();
    }
  };
}
