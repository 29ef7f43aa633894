import type { Db, Prisma } from '../prisma/client';

/** How far a batch has come, counted from its rows: the one place a row's status becomes progress. */
export interface ImportRowCounts {
  total: number;
  done: number;
  failed: number;
  remaining: number;
}

/** A row of a batch's index as parsed, with the reason it cannot be imported, if any. */
export interface IndexRow {
  rowNumber: number;
  caseNumber: string;
  data: Prisma.InputJsonObject;
  problem?: string;
}

export function createImportBatch(db: Db, batch: { fondsId: string; sourceDir: string; indexFile: string; createdBy: string }) {
  return db.importBatch.create({ data: { ...batch, status: 'loading' } });
}

/** Takes back a batch whose workflow never started; its index was not loaded yet. */
export async function withdrawImportBatch(db: Db, batchId: string): Promise<void> {
  await db.importBatch.deleteMany({ where: { id: batchId } });
}

export async function recordImportWorkflow(db: Db, batchId: string, workflowId: string): Promise<void> {
  await db.importBatch.update({ where: { id: batchId }, data: { workflowId } });
}

export function importBatchById(db: Db, batchId: string) {
  return db.importBatch.findUnique({ where: { id: batchId } });
}

export function importBatchOrThrow(db: Db, batchId: string) {
  return db.importBatch.findUniqueOrThrow({ where: { id: batchId } });
}

/** Whether the batch's index was already loaded into rows. */
export async function indexLoaded(db: Db, batchId: string): Promise<boolean> {
  return (await db.importRow.count({ where: { batchId } })) > 0;
}

/** The batch's index could not be read: the whole batch failed, with the reason. */
export async function failImportBatch(db: Db, batchId: string, error: string): Promise<void> {
  await db.importBatch.update({ where: { id: batchId }, data: { status: 'failed', error, finishedAt: new Date() } });
}

/** Loads the index's rows once (a retry adds none twice); rows with a problem are failed from the start. */
export async function loadIndexRows(db: Db, batchId: string, rows: IndexRow[]): Promise<void> {
  await db.importRow.createMany({
    data: rows.map((r) => ({
      batchId,
      rowNumber: r.rowNumber,
      caseNumber: r.caseNumber,
      data: r.data,
      status: r.problem ? 'failed' : 'pending',
      error: r.problem,
    })),
    skipDuplicates: true,
  });
  await db.importBatch.update({ where: { id: batchId }, data: { total: rows.length, status: 'running' } });
}

/** The batch with its next `size` pending rows, in row order. */
export function pendingRows(db: Db, batchId: string, size: number) {
  return db.importBatch.findUniqueOrThrow({
    where: { id: batchId },
    include: { rows: { where: { status: 'pending' }, orderBy: { rowNumber: 'asc' }, take: size } },
  });
}

export async function rowImported(db: Db, batchId: string, rowNumber: number, itemId: string): Promise<void> {
  await db.importRow.update({ where: { batchId_rowNumber: { batchId, rowNumber } }, data: { status: 'done', itemId, error: null } });
}

export async function rowFailed(db: Db, batchId: string, rowNumber: number, error: string): Promise<void> {
  await db.importRow.update({ where: { batchId_rowNumber: { batchId, rowNumber } }, data: { status: 'failed', error } });
}

export async function finishImportBatch(db: Db, batchId: string): Promise<void> {
  await db.importBatch.update({ where: { id: batchId }, data: { status: 'done', finishedAt: new Date() } });
}

export async function importRowCounts(db: Db, batchId: string): Promise<ImportRowCounts> {
  const counts = await db.importRow.groupBy({ by: ['status'], where: { batchId }, _count: { _all: true } });
  const n = (s: string) => counts.find((c) => c.status === s)?._count._all ?? 0;
  return { total: n('pending') + n('done') + n('failed'), done: n('done'), failed: n('failed'), remaining: n('pending') };
}

/** The batch's failed rows with their reasons, first `limit` in row order. */
export function failedRows(db: Db, batchId: string, limit: number) {
  return db.importRow.findMany({
    where: { batchId, status: 'failed' },
    orderBy: { rowNumber: 'asc' },
    take: limit,
    select: { rowNumber: true, caseNumber: true, error: true },
  });
}
