import { ApplicationFailure } from '@temporalio/activity';
import {
  CUSTODY_STATES,
  cycleStartSequence,
  FINDING_KINDS,
  type FindingKind,
  type InventoryOrder,
  type RehashPlan,
} from '../../domain/inventory';
import type { Db, Prisma } from '../../prisma/client';
import { StepError } from '../../contracts/errors';
import type { InventoryProgress, InventoryReport } from '../../contracts/inventory';

/**
 * Opens the run a workflow stands for, once: a retried or continued workflow finds its run by workflow id. The
 * fonds' row lock orders runs opened at the same moment, so each gets the next sequence number.
 */
export async function openInventoryRunRecord(db: Db, workflowId: string, order: InventoryOrder): Promise<string> {
  const existing = await db.inventoryRun.findUnique({ where: { workflowId }, select: { id: true } });
  if (existing) return existing.id;
  const fonds = await db.fonds.findUnique({ where: { code: order.fonds } });
  if (!fonds) throw ApplicationFailure.nonRetryable(`no fonds has code ${order.fonds}`, StepError.UnknownFonds);
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

async function rehashPlan(tx: Prisma.TransactionClient, fondsId: string, sequence: number, order: InventoryOrder): Promise<RehashPlan> {
  if (order.rehash === 'all') return { mode: 'all' };
  const first = cycleStartSequence(sequence, order.rehashCycle);
  const bound =
    first === null
      ? null
      : await tx.inventoryRun.findUnique({ where: { fondsId_sequence: { fondsId, sequence: first } }, select: { startedAt: true } });
  return { mode: 'sample', cycle: order.rehashCycle, since: bound?.startedAt.toISOString() ?? null };
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
