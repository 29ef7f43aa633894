import { randomUUID } from 'node:crypto';
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { Logger } from 'pino';
import { CUSTODY_STATES, cycleStartSequence, FINDING_KINDS, missingMetadata, rehashDue, type FindingKind, type InventoryOrder, type RehashPlan } from '../domain/inventory';
import { judgeShelfScans, type Reading } from '../domain/shelf-scan';
import type { Db, Prisma } from '../prisma/client';
import { digestsOf } from '../store/digest';
import type { ObjectStore } from '../store/object-store';

// Items per activity: a retry repeats at most one chunk of it, and the workflow's history grows by a few events per page.
// Items per transaction: findings, page timestamps, counters and cursor commit together, so a crash loses at most one chunk.
const ITEMS_PER_CHUNK = 25;
// Objects read from the store at once; more brought no gain on 2 cores (bench/inventory.ts).
const OBJECTS_IN_FLIGHT = 8;
const TASKS_PER_TRANSACTION = 500;

export interface InventoryDeps {
  db: Db;
  store: ObjectStore;
  log: Logger;
}

export interface InventoryProgress {
  runId: string;
  itemsTotal: number;
  itemsChecked: number;
  objectsChecked: number;
  objectsRehashed: number;
  findingCount: number;
  /** Whether items remain after the cursor. */
  more: boolean;
}

export interface InventoryReport {
  runId: string;
  status: 'running' | 'completed' | 'failed';
  itemsTotal: number;
  itemsChecked: number;
  objectsChecked: number;
  objectsRehashed: number;
  counts: Record<FindingKind, number>;
  tasksCreated: number;
}

const TASK_TITLES: Record<FindingKind, string> = {
  object_missing: 'Stored page image missing (存储对象缺失)',
  size_mismatch: 'Stored page image has another size (存储对象大小不符)',
  digest_mismatch: 'Stored page image altered: its digest differs (摘要不符)',
  metadata_incomplete: 'Metadata incomplete (元数据不完整)',
  box_misplaced: 'Box on another shelf than recorded (档案盒错架)',
  box_not_on_shelf: 'Box not found on its shelf (档案盒不在架)',
  item_misplaced: 'Item in another box than recorded (档案错盒)',
  item_not_in_box: 'Item not found in its box (档案不在盒)',
  unknown_barcode: 'Unknown barcode on the shelves (未知条码)',
};

/**
 * Opens the run a workflow stands for, once: a retried or continued workflow finds its run by workflow id. The
 * fonds' row lock orders runs opened at the same moment, so each gets the next sequence number.
 */
export async function openInventoryRunRecord(db: Db, workflowId: string, order: InventoryOrder): Promise<string> {
  const existing = await db.inventoryRun.findUnique({ where: { workflowId }, select: { id: true } });
  if (existing) return existing.id;
  const fonds = await db.fonds.findUnique({ where: { code: order.fonds } });
  if (!fonds) throw ApplicationFailure.nonRetryable(`no fonds has code ${order.fonds}`, 'UnknownFonds');
  return db.$transaction(async (tx) => {
    await tx.$queryRaw`SELECT id FROM fonds WHERE id = ${fonds.id}::uuid FOR UPDATE`;
    const again = await tx.inventoryRun.findUnique({ where: { workflowId }, select: { id: true } });
    if (again) return again.id;
    const previous = await tx.inventoryRun.findFirst({ where: { fondsId: fonds.id }, orderBy: { sequence: 'desc' } });
    const sequence = (previous?.sequence ?? 0) + 1;
    const shelfScanIds =
      order.shelfScanIds ??
      (await tx.shelfScan.findMany({ where: { agencyId: fonds.agencyId, closedAt: previous ? { gt: previous.startedAt } : { not: null } }, orderBy: { startedAt: 'asc' }, select: { id: true } })).map((s) => s.id);
    const run = await tx.inventoryRun.create({
      data: {
        fondsId: fonds.id, sequence, workflowId, trigger: order.trigger, requestedBy: order.requestedBy, shelfScanIds,
        rehash: await rehashPlan(tx, fonds.id, sequence, order),
        itemsTotal: await tx.item.count({ where: { fondsId: fonds.id, lifecycleState: { in: [...CUSTODY_STATES] } } }),
      },
    });
    return run.id;
  });
}

async function rehashPlan(tx: Prisma.TransactionClient, fondsId: string, sequence: number, order: InventoryOrder): Promise<RehashPlan> {
  if (order.rehash === 'all') return { mode: 'all' };
  const first = cycleStartSequence(sequence, order.rehashCycle);
  const bound = first === null ? null : await tx.inventoryRun.findUnique({ where: { fondsId_sequence: { fondsId, sequence: first } }, select: { startedAt: true } });
  return { mode: 'sample', cycle: order.rehashCycle, since: bound?.startedAt.toISOString() ?? null };
}

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

interface NewFinding {
  runId: string;
  kind: FindingKind;
  itemId?: string;
  pageId?: string;
  boxId?: string;
  detail: string;
}

export function createInventoryActivities({ db, store, log }: InventoryDeps) {
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
      if ((err as Error).name !== 'ObjectNotFoundError') throw err;
      return { pageId: page.id, found: false, rehashed: false, intact: false, bytes: 0, finding: { kind: 'object_missing', detail: `${where} is missing from the store` } };
    }
    if (size !== expected) {
      return { pageId: page.id, found: false, rehashed: false, intact: false, bytes: 0, finding: { kind: 'size_mismatch', detail: `${where}: the store holds ${size} bytes, the record says ${expected}` } };
    }
    if (!body) return { pageId: page.id, found: true, rehashed: false, intact: true, bytes: 0 };
    const actual = digestsOf(body);
    const differ = [actual.sha256 !== page.sha256 && `SHA-256 is ${actual.sha256}, the record says ${page.sha256}`, actual.sm3 !== page.sm3 && `SM3 is ${actual.sm3}, the record says ${page.sm3}`].filter(Boolean);
    if (differ.length === 0) return { pageId: page.id, found: true, rehashed: true, intact: true, bytes: size };
    return { pageId: page.id, found: true, rehashed: true, intact: false, bytes: size, finding: { kind: 'digest_mismatch', detail: `${where}: ${differ.join('; ')}` } };
  }

  /** One chunk's findings, page timestamps, counters and new cursor, in one transaction. */
  async function commitChunk(runId: string, chunk: { from: string | null; to: string; items: number; checks: ObjectCheck[]; findings: NewFinding[] }): Promise<void> {
    const { from, to, checks, findings } = chunk;
    const found = checks.filter((c) => c.found);
    const rehashed = checks.filter((c) => c.rehashed);
    await db.$transaction(async (tx) => {
      const moved = await tx.$executeRaw`UPDATE inventory_run SET cursor = ${to}::uuid, items_checked = items_checked + ${chunk.items},
          objects_checked = objects_checked + ${checks.length}, objects_rehashed = objects_rehashed + ${rehashed.length},
          bytes_rehashed = bytes_rehashed + ${BigInt(rehashed.reduce((n, c) => n + c.bytes, 0))}, finding_count = finding_count + ${findings.length}
        WHERE id = ${runId}::uuid AND status = 'running' AND cursor IS NOT DISTINCT FROM ${from}::uuid`;
      // Another attempt of this activity moved the cursor first (a worker thought dead came back): leave it to that one.
      if (moved !== 1) throw ApplicationFailure.retryable(`inventory run ${runId} moved on from ${from ?? 'the start'} under this attempt`, 'InventoryCursorMoved');
      if (findings.length) await tx.inventoryFinding.createMany({ data: findings });
      if (found.length) {
        await tx.$executeRaw`UPDATE page SET last_checked_at = now(), last_rehashed_at = CASE WHEN v.intact THEN now() ELSE page.last_rehashed_at END
          FROM unnest(${found.map((c) => c.pageId)}::uuid[], ${found.map((c) => c.rehashed && c.intact)}::boolean[]) AS v(id, intact)
          WHERE page.id = v.id`;
      }
    });
  }

  async function progressOf(runId: string, more: boolean): Promise<InventoryProgress> {
    const run = await db.inventoryRun.findUniqueOrThrow({ where: { id: runId } });
    return { runId, itemsTotal: run.itemsTotal, itemsChecked: run.itemsChecked, objectsChecked: run.objectsChecked, objectsRehashed: run.objectsRehashed, findingCount: run.findingCount, more };
  }

  return {
    async openInventoryRun({ workflowId, order }: { workflowId: string; order: InventoryOrder }): Promise<string> {
      return openInventoryRunRecord(db, workflowId, order);
    },

    /**
     * Checks the next page of items after the run's cursor, in id order: every current page's object exists with
     * its recorded size, its digests match when it is due for re-hashing, and the item's metadata is complete.
     * Each chunk's findings, page timestamps, counters and new cursor commit in one transaction, and the cursor is
     * read from the catalogue, so a retry after a crash starts after the last chunk committed.
     */
    async checkInventoryItems({ runId, itemsPerPage }: { runId: string; itemsPerPage: number }): Promise<InventoryProgress> {
      const run = await db.inventoryRun.findUnique({ where: { id: runId } });
      if (!run) throw ApplicationFailure.nonRetryable(`inventory run ${runId} is not in the catalogue`, 'InventoryRunNotFound');
      if (run.status !== 'running') return progressOf(runId, false);
      const plan = run.rehash as unknown as RehashPlan;
      const items = await db.item.findMany({
        where: { fondsId: run.fondsId, lifecycleState: { in: [...CUSTODY_STATES] }, ...(run.cursor ? { id: { gt: run.cursor } } : {}) },
        orderBy: { id: 'asc' },
        take: itemsPerPage,
        include: {
          box: { select: { locationId: true } },
          pages: { where: { supersededAt: null, destroyedAt: null }, orderBy: { pageNumber: 'asc' }, select: { id: true, pageNumber: true, bucket: true, key: true, size: true, sha256: true, sm3: true, lastRehashedAt: true } },
        },
      });
      // Every object of the page goes through one queue of store requests, chunk after chunk, so the store is
      // kept busy while each chunk commits, and chunks still commit in order.
      // Leaving early (a failed commit, a cancellation) stops the reads still queued.
      const leaving = new AbortController();
      const inFlight = limiter(OBJECTS_IN_FLIGHT, AbortSignal.any([Context.current().cancellationSignal, leaving.signal]));
      const chunks = [];
      for (let start = 0; start < items.length; start += ITEMS_PER_CHUNK) {
        const chunk = items.slice(start, start + ITEMS_PER_CHUNK);
        const pages = chunk.flatMap((item) => item.pages.map((page) => ({ itemId: item.id, page, rehash: rehashDue(page, { sequence: run.sequence, plan }) })));
        const checking = Promise.all(pages.map((p) => inFlight(() => checkObject(p.page, p.rehash))));
        // A failure is taken up when its chunk's turn comes; until then it must not count as unhandled.
        checking.catch(() => undefined);
        chunks.push({ chunk, pages, checking, checked: start + chunk.length });
      }
      let cursor = run.cursor;
      try {
        for (const { chunk, pages, checking, checked } of chunks) {
          const checks = await checking;
          const findings: NewFinding[] = checks.flatMap((c, i) => (c.finding ? [{ runId, itemId: pages[i]!.itemId, pageId: c.pageId, ...c.finding }] : []));
          for (const item of chunk) {
            const missing = missingMetadata({ ...item, shelved: item.box?.locationId != null, currentPages: item.pages.length });
            if (missing.length) findings.push({ runId, kind: 'metadata_incomplete', itemId: item.id, boxId: item.boxId ?? undefined, detail: `missing: ${missing.join(', ')}` });
          }
          const to = chunk.at(-1)!.id;
          await commitChunk(runId, { from: cursor, to, items: chunk.length, checks, findings });
          cursor = to;
          Context.current().heartbeat({ cursor, checked });
        }
      } finally {
        leaving.abort();
      }
      return progressOf(runId, items.length === itemsPerPage);
    },

    /** Judges the run's shelf-scan sessions against where the catalogue places the fonds' boxes and items; once. */
    async judgeShelves({ runId }: { runId: string }): Promise<{ findings: number }> {
      const run = await db.inventoryRun.findUniqueOrThrow({ where: { id: runId }, include: { fonds: true } });
      if (run.shelvesJudged || run.shelfScanIds.length === 0) return { findings: 0 };
      const scans = await db.shelfScan.findMany({ where: { id: { in: run.shelfScanIds } }, orderBy: { startedAt: 'asc' } });
      const sessions = scans.map((s) => s.readings as unknown as Reading[]);
      const { catalogue, boxIds, items } = await shelfCatalogue(db, run.fonds, sessions);
      const judged = judgeShelfScans(sessions, catalogue);
      const findings: NewFinding[] = judged.map((f) => {
        const item = items.get(f.barcode);
        return { runId, kind: f.kind, itemId: item?.id, boxId: boxIds.get(f.barcode) ?? item?.boxId ?? undefined, detail: f.detail };
      });
      await db.$transaction(async (tx) => {
        const marked = await tx.inventoryRun.updateMany({ where: { id: runId, shelvesJudged: false }, data: { shelvesJudged: true, findingCount: { increment: findings.length } } });
        if (marked.count === 1 && findings.length) await tx.inventoryFinding.createMany({ data: findings });
      });
      return { findings: findings.length };
    },

    /**
     * Ends the run: each finding becomes an archivist's task (once: only findings without one), and the run is
     * completed; or, given the error that stopped it, failed.
     */
    async finishInventoryRun({ runId, error }: { runId: string; error?: string }): Promise<InventoryReport> {
      if (error !== undefined) {
        await db.inventoryRun.updateMany({ where: { id: runId, status: 'running' }, data: { status: 'failed', error, finishedAt: new Date() } });
        return reportOf(runId, 0);
      }
      const run = await db.inventoryRun.findUniqueOrThrow({ where: { id: runId } });
      let created = 0;
      for (;;) {
        const findings = await db.inventoryFinding.findMany({ where: { runId, taskId: null }, orderBy: { createdAt: 'asc' }, take: TASKS_PER_TRANSACTION });
        if (findings.length === 0) break;
        const subjects = await subjectsOf(findings);
        // A problem still open from an earlier run keeps its task: the archivist gets one task per problem, not one per run.
        const open = await db.archivistTask.findMany({
          where: { fondsId: run.fondsId, status: 'open', source: { startsWith: 'inventory_run:' }, OR: findings.map((f) => ({ kind: f.kind, itemId: f.itemId, ...(f.itemId ? {} : { detail: f.detail }) })) },
        });
        const taskOf = new Map(open.map((t) => [problemKey(t), t.id]));
        const tasks: { id: string; fondsId: string; kind: string; itemId: string | null; source: string; title: string; detail: string }[] = [];
        for (const f of findings) {
          if (taskOf.has(problemKey(f))) continue;
          const task = {
            id: randomUUID(), fondsId: run.fondsId, kind: f.kind, itemId: f.itemId, source: `inventory_run:${runId}`,
            title: `${TASK_TITLES[f.kind]}: ${subjects.get(f.id) ?? ''}`.replace(/: $/, ''), detail: f.detail,
          };
          tasks.push(task);
          taskOf.set(problemKey(f), task.id);
        }
        await db.$transaction(async (tx) => {
          await tx.archivistTask.createMany({ data: tasks });
          const linked = await tx.$executeRaw`UPDATE inventory_finding SET task_id = v.task FROM unnest(${findings.map((f) => f.id)}::uuid[], ${findings.map((f) => taskOf.get(problemKey(f))!)}::uuid[]) AS v(id, task)
            WHERE inventory_finding.id = v.id AND inventory_finding.task_id IS NULL`;
          if (linked !== findings.length) throw ApplicationFailure.retryable(`findings of inventory run ${runId} were given tasks by another attempt`, 'InventoryTasksRaced');
        });
        created += tasks.length;
      }
      const findingCount = await db.inventoryFinding.count({ where: { runId } });
      await db.inventoryRun.updateMany({ where: { id: runId, status: 'running' }, data: { status: 'completed', finishedAt: new Date(), findingCount } });
      const report = await reportOf(runId, created);
      log.info({ runId, fonds: run.fondsId, sequence: run.sequence, itemsChecked: report.itemsChecked, counts: report.counts }, 'inventory finished');
      return report;
    },
  };

  /** What each finding is about, in the archive's words: the item's code and page, or the box's barcode. */
  async function subjectsOf(findings: { id: string; itemId: string | null; pageId: string | null; boxId: string | null; detail: string }[]): Promise<Map<string, string>> {
    const items = await db.item.findMany({ where: { id: { in: findings.flatMap((f) => (f.itemId ? [f.itemId] : [])) } }, select: { id: true, archivalCode: true, caseNumber: true } });
    const pages = await db.page.findMany({ where: { id: { in: findings.flatMap((f) => (f.pageId ? [f.pageId] : [])) } }, select: { id: true, pageNumber: true } });
    const boxes = await db.box.findMany({ where: { id: { in: findings.flatMap((f) => (f.boxId ? [f.boxId] : [])) } }, select: { id: true, barcode: true } });
    const code = new Map(items.map((i) => [i.id, i.archivalCode ?? `case ${i.caseNumber}`]));
    const pageNumber = new Map(pages.map((p) => [p.id, p.pageNumber]));
    const boxCode = new Map(boxes.map((b) => [b.id, b.barcode]));
    return new Map(
      findings.map((f) => {
        if (f.itemId) return [f.id, `${code.get(f.itemId) ?? f.itemId}${f.pageId ? ` page ${pageNumber.get(f.pageId) ?? '?'}` : ''}`];
        if (f.boxId) return [f.id, boxCode.get(f.boxId) ?? f.boxId];
        return [f.id, /"(.*?)"/.exec(f.detail)?.[1] ?? ''];
      }),
    );
  }

  async function reportOf(runId: string, tasksCreated: number): Promise<InventoryReport> {
    const run = await db.inventoryRun.findUniqueOrThrow({ where: { id: runId } });
    return {
      runId, status: run.status, itemsTotal: run.itemsTotal, itemsChecked: run.itemsChecked, objectsChecked: run.objectsChecked,
      objectsRehashed: run.objectsRehashed, counts: await findingCounts(db, runId), tasksCreated,
    };
  }
}

export async function findingCounts(db: Db, runId: string): Promise<Record<FindingKind, number>> {
  const groups = await db.inventoryFinding.groupBy({ by: ['kind'], where: { runId }, _count: true });
  const counts = Object.fromEntries(FINDING_KINDS.map((k) => [k, 0])) as Record<FindingKind, number>;
  for (const g of groups) counts[g.kind] = g._count;
  return counts;
}

/**
 * The catalogue as the shelf-scan judgement needs it, read for the barcodes scanned: shelves of the fonds'
 * agency, the fonds' boxes and items by barcode, the boxes recorded on the scanned shelves and the items
 * recorded in the boxes read. Only boxes holding items in the archive room are expected on a shelf.
 */
async function shelfCatalogue(db: Db, fonds: { id: string; agencyId: string }, sessions: Reading[][]) {
  const codes = [...new Set(sessions.flat().map((r) => r.barcode.trim()))];
  const onShelf = { some: { lifecycleState: { in: ['in_archive_room' as const, 'under_appraisal' as const] } } };
  const shelves = await db.storageLocation.findMany({ where: { agencyId: fonds.agencyId, barcode: { in: codes } }, select: { id: true, barcode: true } });
  const boxesRead = await db.box.findMany({ where: { barcode: { in: codes } }, select: { id: true, barcode: true, fondsId: true, location: { select: { barcode: true } } } });
  const itemsRead = await db.item.findMany({ where: { barcode: { in: codes } }, select: { id: true, barcode: true, fondsId: true, boxId: true, box: { select: { barcode: true } } } });
  const own = <T extends { fondsId: string }>(rows: T[]) => rows.filter((r) => r.fondsId === fonds.id);
  const boxesOnShelves = await db.box.findMany({ where: { fondsId: fonds.id, locationId: { in: shelves.map((s) => s.id) }, items: onShelf }, select: { id: true, barcode: true, location: { select: { barcode: true } } } });
  const itemsInBoxes = await db.item.findMany({
    where: { fondsId: fonds.id, box: { barcode: { in: own(boxesRead).map((b) => b.barcode) } }, lifecycleState: { in: [...CUSTODY_STATES] }, barcode: { not: null } },
    select: { id: true, barcode: true, boxId: true, box: { select: { barcode: true } } },
  });
  const group = (pairs: [string, string][]) => pairs.reduce((m, [k, v]) => m.set(k, [...(m.get(k) ?? []), v]), new Map<string, string[]>());
  return {
    catalogue: {
      shelves: new Set(shelves.map((s) => s.barcode)),
      boxes: new Map(own(boxesRead).map((b) => [b.barcode, { shelf: b.location?.barcode ?? null }])),
      items: new Map(own(itemsRead).map((i) => [i.barcode!, { box: i.box?.barcode ?? null }])),
      boxesOnShelf: group(boxesOnShelves.map((b) => [b.location!.barcode, b.barcode])),
      itemsInBox: group(itemsInBoxes.map((i) => [i.box!.barcode, i.barcode!])),
      foreign: new Set([...boxesRead, ...itemsRead].filter((r) => r.fondsId !== fonds.id).map((r) => r.barcode!)),
    },
    boxIds: new Map([...own(boxesRead), ...boxesOnShelves].map((b) => [b.barcode, b.id])),
    items: new Map([...own(itemsRead), ...itemsInBoxes].map((i) => [i.barcode!, { id: i.id, boxId: i.boxId }])),
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

/** One problem, as a task tracks it: the kind and the item, or for a box or a stray barcode the kind and what was found. */
function problemKey(p: { kind: string; itemId: string | null; detail: string }): string {
  return p.itemId ? `${p.kind}/${p.itemId}` : `${p.kind}//${p.detail}`;
}
