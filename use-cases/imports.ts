import fs from 'node:fs';
import path from 'node:path';
import { fondsByCode } from '../catalogue/fonds';
import {
  createImportBatch,
  failedRows,
  importBatchById,
  importRowCounts,
  recordImportWorkflow,
  withdrawImportBatch,
} from '../catalogue/imports';
import type { Actor } from '../api/access';
import type { ApiContext } from '../api/context';
import { badRequest, notFound } from '../api/errors';
import { IMPORT_WORKFLOW, importWorkflowId, type ImportWorkflow } from '../contracts/import';
import { inFonds } from '../contracts/search-attributes';
import type { Fonds } from '../prisma/client';
import { startOrWithdraw } from './commit-point';

/** Historical digitisation (历史档案数字化), as the API asks it: a batch started from a folder, and its progress. */

export interface ImportOrder {
  sourceDir: string;
  indexFile: string;
  chunkSize: number;
}

/** The fonds an import goes into, by its code; an unknown code is the caller's mistake. */
export async function importFonds(ctx: ApiContext, code: string): Promise<Fonds> {
  const fonds = await fondsByCode(ctx.db, code);
  if (!fonds) throw badRequest(`fonds: no fonds has code ${code}`, [{ field: 'fonds', problem: 'unknown fonds' }]);
  return fonds;
}

/** Starts the batch of a folder inside the import root, once its index file is there. */
export async function startImport(ctx: ApiContext, actor: Actor, fonds: Fonds, order: ImportOrder) {
  const root = ctx.config.importRoot;
  const dir = path.resolve(root, order.sourceDir);
  if (dir !== root && !dir.startsWith(root + path.sep))
    throw badRequest('sourceDir: must lie inside the import root', [{ field: 'sourceDir', problem: 'outside the import root' }]);
  if (!fs.existsSync(path.join(dir, order.indexFile)))
    throw badRequest(`indexFile: ${order.indexFile} was not found in ${order.sourceDir}`, [{ field: 'indexFile', problem: 'not found' }]);
  const batch = await createImportBatch(ctx.db, {
    fondsId: fonds.id,
    sourceDir: dir,
    indexFile: order.indexFile,
    createdBy: actor.username,
  });
  const workflowId = importWorkflowId(batch.id);
  await startOrWithdraw<ImportWorkflow>(
    ctx,
    IMPORT_WORKFLOW,
    {
      workflowId,
      taskQueue: ctx.config.temporal.taskQueue,
      args: [{ batchId: batch.id, chunkSize: order.chunkSize }],
      typedSearchAttributes: inFonds(fonds.code),
    },
    () => withdrawImportBatch(ctx.db, batch.id),
  );
  await recordImportWorkflow(ctx.db, batch.id, workflowId);
  return importProgress(ctx, batch.id);
}

/** The batch, or not found. */
export async function importBatch(ctx: ApiContext, batchId: string) {
  const batch = await importBatchById(ctx.db, batchId);
  if (!batch) throw notFound(`import batch ${batchId}`);
  return batch;
}

/** Done, failed (the first 200 with their reasons) and remaining rows of the batch. */
export async function importProgress(ctx: ApiContext, batchId: string) {
  const batch = await importBatch(ctx, batchId);
  const { done, failed, remaining } = await importRowCounts(ctx.db, batchId);
  const failures = await failedRows(ctx.db, batchId, 200);
  return {
    id: batch.id,
    status: batch.status,
    error: batch.error,
    workflowId: batch.workflowId,
    total: batch.total,
    done,
    failed,
    remaining,
    failures,
    startedAt: batch.createdAt.toISOString(),
    finishedAt: batch.finishedAt?.toISOString() ?? null,
  };
}
