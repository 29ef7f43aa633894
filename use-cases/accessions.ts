import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Actor } from '../api/access';
import type { ApiContext } from '../api/context';
import { badRequest, notFound } from '../api/errors';
import { accessionById, createAccession, withdrawAccession } from '../catalogue/accessions';
import { ACCESSION_WORKFLOW, accessionQuery, accessionWorkflowId, type AccessionWorkflow } from '../contracts/accession';
import type { PackageLocation } from '../domain/transfer';
import { ObjectNotFoundError } from '../store/object-store';
import { insideTransferRoot } from './transfers';
import { startOrWithdraw } from './commit-point';

export type AccessionSource = { kind: 's3'; bucket?: string; prefix: string } | { kind: 'directory'; path: string };

/** Records the package received and starts its checks; returns the accession's view. */
export async function startAccession(ctx: ApiContext, actor: Actor, source: AccessionSource) {
  const location: PackageLocation =
    source.kind === 's3'
      ? {
          kind: 's3',
          bucket: source.bucket ?? ctx.config.s3.buckets.packages,
          prefix: source.prefix.endsWith('/') ? source.prefix : `${source.prefix}/`,
        }
      : { kind: 'directory', path: insideTransferRoot(ctx, source.path, 'source.path') };
  await requirePackageThere(ctx, location);
  const id = randomUUID();
  const workflowId = accessionWorkflowId(id);
  const packageId = path.basename(location.kind === 's3' ? location.prefix : location.path);
  await createAccession(ctx.db, { id, packageId, workflowId, source: location, receivedBy: actor.displayName });
  await startOrWithdraw<AccessionWorkflow>(
    ctx,
    ACCESSION_WORKFLOW,
    {
      workflowId,
      taskQueue: ctx.config.temporal.taskQueue,
      args: [{ accessionId: id }],
    },
    () => withdrawAccession(ctx.db, id),
  );
  return accessionView(ctx, id);
}

/**
 * The package must be where the request says before anything is recorded, and never in the bucket of the archive's
 * own page images, where its receipt would be written too.
 */
async function requirePackageThere(ctx: ApiContext, location: PackageLocation): Promise<void> {
  if (location.kind === 'directory') {
    const stat = await fs.stat(location.path).catch(() => undefined);
    if (!stat?.isDirectory())
      throw badRequest(
        `source.path: there is no folder ${path.relative(ctx.config.transfer.directoryRoot, location.path)} under the transfer root`,
        [{ field: 'source.path', problem: 'no such folder' }],
      );
    return;
  }
  if (location.bucket === ctx.config.s3.buckets.images)
    throw badRequest(`source.bucket: ${location.bucket} holds the archive's own page images; packages are received from another bucket`, [
      { field: 'source.bucket', problem: 'images bucket' },
    ]);
  const there = await ctx.store.holdsAny(location.bucket, location.prefix).catch((err: Error) => {
    if (err instanceof ObjectNotFoundError)
      throw badRequest(`source.bucket: the object store has no bucket ${location.bucket}`, [
        { field: 'source.bucket', problem: 'no such bucket' },
      ]);
    throw err;
  });
  if (!there)
    throw badRequest(`source.prefix: nothing lies under ${location.prefix} in bucket ${location.bucket}`, [
      { field: 'source.prefix', problem: 'no such package' },
    ]);
}

/** The accession as the API shows it: its stage while it runs, the checks' report, the receipt, the records accepted. */
export async function accessionView(ctx: ApiContext, id: string) {
  const a = await accessionById(ctx.db, id);
  if (!a) throw notFound(`accession ${id}`);
  const live = await ctx.temporal.workflow
    .getHandle(a.workflowId)
    .query(accessionQuery)
    .catch(() => undefined);
  return {
    id: a.id,
    packageId: a.packageId,
    workflowId: a.workflowId,
    status: a.status,
    stage: live?.stage ?? null,
    source: a.source,
    report: a.report,
    receiptLocation: a.receiptLocation,
    recordsAccepted: a.recordsAccepted,
    receivedBy: a.receivedBy,
    startedAt: a.createdAt.toISOString(),
    decidedAt: a.decidedAt?.toISOString() ?? null,
  };
}
