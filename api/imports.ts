import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { IMPORT_WORKFLOW, importWorkflowId, type ImportWorkflow } from '../contracts/import';
import { defineAbilityFor, itemSubject, type Actor } from './access';
import type { ApiContext } from './context';
import { badRequest, notFound } from './errors';
import { route, type Route } from './route';
import { inFonds } from '../contracts/search-attributes';
import { deny } from './authorise';

const ImportOrder = z.object({
  fonds: z.string().min(1),
  sourceDir: z.string().min(1).describe('folder of the batch, relative to the import root (LANTAI_IMPORT_ROOT)'),
  indexFile: z
    .string()
    .regex(/^[^/\\]+\.(csv|json)$/i, 'must be the name of a .csv or .json file in the folder')
    .default('index.csv'),
  chunkSize: z.number().int().min(1).max(500).default(25),
});

async function startImport(ctx: ApiContext, actor: Actor, order: z.infer<typeof ImportOrder>, requestId: string) {
  const fonds = await ctx.db.fonds.findUnique({ where: { code: order.fonds } });
  if (!fonds) throw badRequest(`fonds: no fonds has code ${order.fonds}`, [{ field: 'fonds', problem: 'unknown fonds' }]);
  if (
    !defineAbilityFor(actor).can(
      'import',
      itemSubject({ id: '', fondsId: fonds.id, securityLevel: 'public', citizenId: '', employerCreditCode: null }),
    )
  ) {
    await deny(ctx, actor, 'import', `fonds:${fonds.code}`, `your roles do not import into fonds ${fonds.code}`, requestId);
  }
  const root = ctx.config.importRoot;
  const dir = path.resolve(root, order.sourceDir);
  if (dir !== root && !dir.startsWith(root + path.sep))
    throw badRequest('sourceDir: must lie inside the import root', [{ field: 'sourceDir', problem: 'outside the import root' }]);
  if (!fs.existsSync(path.join(dir, order.indexFile)))
    throw badRequest(`indexFile: ${order.indexFile} was not found in ${order.sourceDir}`, [{ field: 'indexFile', problem: 'not found' }]);
  const batch = await ctx.db.importBatch.create({
    data: { fondsId: fonds.id, sourceDir: dir, indexFile: order.indexFile, status: 'loading', createdBy: actor.username },
  });
  const workflowId = importWorkflowId(batch.id);
  await ctx.temporal.workflow.start<ImportWorkflow>(IMPORT_WORKFLOW, {
    workflowId,
    taskQueue: ctx.config.temporal.taskQueue,
    args: [{ batchId: batch.id, chunkSize: order.chunkSize }],
    typedSearchAttributes: inFonds(fonds.code),
  });
  await ctx.db.importBatch.update({ where: { id: batch.id }, data: { workflowId } });
  return importProgress(ctx, batch.id);
}

export async function importProgress(ctx: ApiContext, batchId: string, actor?: Actor, requestId = '') {
  const batch = await ctx.db.importBatch.findUnique({ where: { id: batchId } });
  if (!batch) throw notFound(`import batch ${batchId}`);
  if (actor && !actor.fondsIds.includes(batch.fondsId))
    await deny(ctx, actor, 'read', `import:${batchId}`, 'the import batch belongs to a fonds that is not among your fonds', requestId);
  const counts = await ctx.db.importRow.groupBy({ by: ['status'], where: { batchId }, _count: { _all: true } });
  const n = (s: string) => counts.find((c) => c.status === s)?._count._all ?? 0;
  const failures = await ctx.db.importRow.findMany({
    where: { batchId, status: 'failed' },
    orderBy: { rowNumber: 'asc' },
    take: 200,
    select: { rowNumber: true, caseNumber: true, error: true },
  });
  return {
    id: batch.id,
    status: batch.status,
    error: batch.error,
    workflowId: batch.workflowId,
    total: batch.total,
    done: n('done'),
    failed: n('failed'),
    remaining: n('pending'),
    failures,
    startedAt: batch.createdAt.toISOString(),
    finishedAt: batch.finishedAt?.toISOString() ?? null,
  };
}

export function importRoutes(ctx: ApiContext): Route[] {
  return [
    route({
      method: 'post',
      path: '/imports',
      tag: 'capture',
      auth: true,
      summary: 'Start a historical digitisation batch: a folder of page images with a CSV or JSON index, imported in chunks',
      body: ImportOrder,
      response: { status: 202, description: 'Import started; its progress' },
      async handle({ req, res, actor, body }) {
        const progress = await startImport(ctx, actor, body, req.id as string);
        res.status(202).json(progress);
        return progress;
      },
    }),
    route({
      method: 'get',
      path: '/imports/:id',
      tag: 'capture',
      auth: true,
      summary: 'Progress of an import batch: done, failed (with the reason per row) and remaining',
      params: z.object({ id: z.uuid() }),
      errors: [404],
      response: { status: 200, description: 'Progress' },
      handle: ({ req, actor, params }) => importProgress(ctx, params.id, actor, req.id as string),
    }),
  ];
}
