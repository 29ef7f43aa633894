import { randomBytes, randomUUID } from 'node:crypto';
import path from 'node:path';
import type { Actor } from '../api/access';
import type { ApiContext } from '../api/context';
import { badRequest, notFound } from '../api/errors';
import { createTransfer, reservedRecords, transferById, withdrawTransfer } from '../catalogue/transfers';
import { inFonds } from '../contracts/search-attributes';
import { TRANSFER_WORKFLOW, transferQuery, transferWorkflowId, type TransferWorkflow } from '../contracts/transfer';
import type { PackageLocation } from '../domain/transfer';
import { startOrWithdraw } from './commit-point';

export interface TransferOrder {
  receiver: string;
  years: number[];
  retentionPeriods?: string[];
  encoding?: 'UTF-8' | 'GB18030';
  target: { kind: 's3' } | { kind: 'directory'; path: string };
}

/** A folder under the transfer root; a path leading out of it is refused as the field's error. */
export function insideTransferRoot(ctx: ApiContext, relative: string, field: string): string {
  const root = ctx.config.transfer.directoryRoot;
  const dir = path.resolve(root, relative);
  if (dir !== root && !dir.startsWith(root + path.sep))
    throw badRequest(`${field}: must lie inside the transfer root`, [{ field, problem: 'outside the transfer root' }]);
  return dir;
}

/** Records the transfer of the chosen records, names its package, and starts its workflow; returns its view. */
export async function startTransfer(ctx: ApiContext, actor: Actor, fonds: { id: string; code: string }, order: TransferOrder) {
  const allowed = ctx.config.transfer.retentionPeriods;
  const retentionPeriods = order.retentionPeriods ?? allowed;
  const refused = retentionPeriods.filter((r) => !allowed.includes(r));
  if (refused.length)
    throw badRequest(`retentionPeriods: ${refused.join(', ')} are not transferred; the city archive takes ${allowed.join(', ')}`, [
      { field: 'retentionPeriods', problem: 'not transferred' },
    ]);
  const day = new Date().toISOString().slice(0, 10).replaceAll('-', '');
  const packageId = `${fonds.code}-${day}-${randomBytes(3).toString('hex')}`;
  const location: PackageLocation =
    order.target.kind === 's3'
      ? { kind: 's3', bucket: ctx.config.s3.buckets.packages, prefix: `transfers/${packageId}/` }
      : { kind: 'directory', path: path.join(insideTransferRoot(ctx, order.target.path, 'target.path'), packageId) };
  const id = randomUUID();
  const workflowId = transferWorkflowId(id);
  await createTransfer(ctx.db, {
    id,
    fondsId: fonds.id,
    packageId,
    workflowId,
    receiver: order.receiver,
    encoding: order.encoding ?? ctx.config.transfer.encoding,
    selection: { years: order.years, retentionPeriods, location },
    createdBy: actor.displayName,
  });
  await startOrWithdraw<TransferWorkflow>(
    ctx,
    TRANSFER_WORKFLOW,
    {
      workflowId,
      taskQueue: ctx.config.temporal.taskQueue,
      args: [{ transferId: id, packageId }],
      typedSearchAttributes: inFonds(fonds.code),
    },
    () => withdrawTransfer(ctx.db, id),
  );
  return transferView(ctx, await transferOf(ctx, id));
}

export type Transfer = NonNullable<Awaited<ReturnType<typeof transferById>>>;

/** The transfer; 404 when there is none. */
export async function transferOf(ctx: ApiContext, id: string): Promise<Transfer> {
  const transfer = await transferById(ctx.db, id);
  if (!transfer) throw notFound(`transfer ${id}`);
  return transfer;
}

/** The transfer as the API shows it: its stage while it runs, its package, checks and receipt. */
export async function transferView(ctx: ApiContext, t: Transfer) {
  const live = await ctx.temporal.workflow
    .getHandle(t.workflowId)
    .query(transferQuery)
    .catch(() => undefined);
  const records = await reservedRecords(ctx.db, t.id);
  return {
    id: t.id,
    packageId: t.packageId,
    workflowId: t.workflowId,
    status: t.status,
    stage: live?.stage ?? null,
    receiver: t.receiver,
    encoding: t.encoding,
    selection: t.selection,
    location: t.location,
    records,
    summary: t.summary,
    report: t.report,
    receipt: t.receipt,
    startedAt: t.createdAt.toISOString(),
    finishedAt: t.finishedAt?.toISOString() ?? null,
  };
}
