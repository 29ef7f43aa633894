import type { InventoryProgress, InventoryReport } from '../contracts/inventory';
import {
  CUSTODY_STATES,
  cycleStartSequence,
  FINDING_KINDS,
  type FindingKind,
  type InventoryOrder,
  type RehashPlan,
} from '../domain/inventory';
import type { Db, Prisma } from '../prisma/client';

/** A finding of an inventory run, before it is recorded. */
export interface NewFinding {
  runId: string;
  kind: FindingKind;
  itemId?: string;
  pageId?: string;
  boxId?: string;
  detail: string;
}

/**
 * Opens the run a workflow stands for, once: a retried or continued workflow finds its run by workflow id. The
 * fonds' row lock orders runs opened at the same moment, so each gets the next sequence number. Undefined when no
 * fonds has the order's code.
 */
export async function openInventoryRunRecord(db: Db, workflowId: string, order: InventoryOrder): Promise<string | undefined> {
  const existing = await db.inventoryRun.findUnique({ where: { workflowId }, select: { id: true } });
  if (existing) return existing.id;
  const fonds = await db.fonds.findUnique({ where: { code: order.fonds } });
  if (!fonds) return undefined;
  return db.$transaction(async (tx) => {
    await tx.$queryRaw`SELECT id FROM fonds WHERE id = ${fonds.id}::uuid FOR UPDATE`;
    const again = await tx.inventoryRun.findUnique({ where: { workflowId }, select: { id: true } });
    if (again) return again.id;
    const previous = await tx.inventoryRun.findFirst({ where: { fondsId: fonds.id }, orderBy: { sequence: 'desc' } });
    const sequence = (previous?.sequence ?? 0) + 1;
    const shelfScanIds =
      order.shelfScanIds ??
      (
        await tx.shelfScan.findMany({
          where: { agencyId: fonds.agencyId, closedAt: previous ? { gt: previous.startedAt } : { not: null } },
          orderBy: { startedAt: 'asc' },
          select: { id: true },
        })
      ).map((s) => s.id);
    const run = await tx.inventoryRun.create({
      data: {
        fondsId: fonds.id,
        sequence,
        workflowId,
        trigger: order.trigger,
        requestedBy: order.requestedBy,
        shelfScanIds,
        rehash: await rehashPlan(tx, fonds.id, sequence, order),
        itemsTotal: await tx.item.count({ where: { fondsId: fonds.id, lifecycleState: { in: [...CUSTODY_STATES] } } }),
      },
    });
    return run.id;
  });
}

/** Takes back a run opened on demand whose workflow never started, so the fonds' next run takes its number. */
export async function withdrawInventoryRun(db: Db, runId: string): Promise<void> {
  await db.inventoryRun.deleteMany({ where: { id: runId } });
}

async function rehashPlan(tx: Prisma.TransactionClient, fondsId: string, sequence: number, order: InventoryOrder): Promise<RehashPlan> {
  if (order.rehash === 'all') return { mode: 'all' };
  const first = cycleStartSequence(sequence, order.rehashCycle);
  const bound =
    first === null
      ? null
      : await tx.inventoryRun.findUnique({ where: { fondsId_sequence: { fondsId, sequence: first } }, select: { startedAt: true } });
  return { mode: 'sample', cycle: order.rehashCycle, since: bound?.startedAt.toISOString() ?? null };
}

export async function inventoryRun(db: Db, runId: string) {
  const run = await db.inventoryRun.findUnique({ where: { id: runId } });
  return run ? { ...run, rehash: run.rehash as unknown as RehashPlan } : undefined;
}

export async function findingCounts(db: Db, runId: string): Promise<Record<FindingKind, number>> {
  const groups = await db.inventoryFinding.groupBy({ by: ['kind'], where: { runId }, _count: true });
  const counts = Object.fromEntries(FINDING_KINDS.map((k) => [k, 0])) as Record<FindingKind, number>;
  for (const g of groups) counts[g.kind] = g._count;
  return counts;
}

export async function progressOf(db: Db, runId: string, more: boolean): Promise<InventoryProgress> {
  const run = await db.inventoryRun.findUniqueOrThrow({ where: { id: runId } });
  return {
    runId,
    itemsTotal: run.itemsTotal,
    itemsChecked: run.itemsChecked,
    objectsChecked: run.objectsChecked,
    objectsRehashed: run.objectsRehashed,
    findingCount: run.findingCount,
    more,
  };
}

export async function reportOf(db: Db, runId: string, tasksCreated: number): Promise<InventoryReport> {
  const run = await db.inventoryRun.findUniqueOrThrow({ where: { id: runId } });
  return {
    runId,
    status: run.status,
    itemsTotal: run.itemsTotal,
    itemsChecked: run.itemsChecked,
    objectsChecked: run.objectsChecked,
    objectsRehashed: run.objectsRehashed,
    counts: await findingCounts(db, runId),
    tasksCreated,
  };
}

/** The next page of the fonds' items in custody after the cursor, in id order, with their current pages. */
export async function itemsToCheck(db: Db, run: { fondsId: string; cursor: string | null }, limit: number) {
  return db.item.findMany({
    where: { fondsId: run.fondsId, lifecycleState: { in: [...CUSTODY_STATES] }, ...(run.cursor ? { id: { gt: run.cursor } } : {}) },
    orderBy: { id: 'asc' },
    take: limit,
    include: {
      box: { select: { locationId: true } },
      pages: {
        where: { supersededAt: null, destroyedAt: null },
        orderBy: { pageNumber: 'asc' },
        select: { id: true, pageNumber: true, bucket: true, key: true, size: true, sha256: true, sm3: true, lastRehashedAt: true },
      },
    },
  });
}

export interface CheckedChunk {
  from: string | null;
  to: string;
  items: number;
  objects: number;
  rehashed: { count: number; bytes: number };
  findings: NewFinding[];
  /** Pages found in the store with their recorded size; `intact` when re-hashed and their digests matched. */
  found: { pageId: string; intact: boolean }[];
}

/**
 * One chunk's findings, page timestamps, counters and new cursor, in one transaction. False, with nothing written,
 * when the cursor is no longer where the chunk began: another attempt moved it first.
 */
export async function commitInventoryChunk(db: Db, runId: string, chunk: CheckedChunk): Promise<boolean> {
  const { from, to, findings, found } = chunk;
  return db.$transaction(async (tx) => {
    const moved = await tx.$executeRaw`UPDATE inventory_run SET cursor = ${to}::uuid, items_checked = items_checked + ${chunk.items},
        objects_checked = objects_checked + ${chunk.objects}, objects_rehashed = objects_rehashed + ${chunk.rehashed.count},
        bytes_rehashed = bytes_rehashed + ${BigInt(chunk.rehashed.bytes)}, finding_count = finding_count + ${findings.length}
      WHERE id = ${runId}::uuid AND status = 'running' AND cursor IS NOT DISTINCT FROM ${from}::uuid`;
    if (moved !== 1) return false;
    if (findings.length) await tx.inventoryFinding.createMany({ data: findings });
    if (found.length) {
      await tx.$executeRaw`UPDATE page SET last_checked_at = now(), last_rehashed_at = CASE WHEN v.intact THEN now() ELSE page.last_rehashed_at END
        FROM unnest(${found.map((c) => c.pageId)}::uuid[], ${found.map((c) => c.intact)}::boolean[]) AS v(id, intact)
        WHERE page.id = v.id`;
    }
    return true;
  });
}

/** Ends a run still running as failed, with the error that stopped it. */
export async function failInventoryRun(db: Db, runId: string, error: string): Promise<void> {
  await db.inventoryRun.updateMany({ where: { id: runId, status: 'running' }, data: { status: 'failed', error, finishedAt: new Date() } });
}

/** Ends a run still running as completed, with the count of its findings. */
export async function completeInventoryRun(db: Db, runId: string): Promise<void> {
  const findingCount = await db.inventoryFinding.count({ where: { runId } });
  await db.inventoryRun.updateMany({
    where: { id: runId, status: 'running' },
    data: { status: 'completed', finishedAt: new Date(), findingCount },
  });
}

/**
 * Records the findings of the run's check of the 审计链, once: a retried activity finds them there and adds
 * nothing. Returns how many it recorded.
 */
export async function recordChainFindings(db: Db, runId: string, findings: NewFinding[]): Promise<number> {
  return db.$transaction(async (tx) => {
    await tx.$queryRaw`SELECT id FROM inventory_run WHERE id = ${runId}::uuid FOR UPDATE`;
    if (await tx.inventoryFinding.count({ where: { runId, kind: 'audit_chain_broken' } })) return 0;
    if (findings.length === 0) return 0;
    await tx.inventoryFinding.createMany({ data: findings });
    await tx.inventoryRun.update({ where: { id: runId }, data: { findingCount: { increment: findings.length } } });
    return findings.length;
  });
}
