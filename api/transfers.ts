import { randomBytes, randomUUID } from 'node:crypto';
import path from 'node:path';
import { z } from 'zod';
import { RETENTION_PERIODS } from '../domain/retention';
import type { PackageLocation } from '../domain/transfer';
import { ACCESSION_WORKFLOW, accessionQuery, accessionWorkflowId, type AccessionWorkflow } from '../contracts/accession';
import { TRANSFER_WORKFLOW, transferQuery, transferWorkflowId, type TransferWorkflow } from '../contracts/transfer';
import { defineAbilityFor, type Actor } from './access';
import type { ApiContext } from './context';
import { badRequest, notFound } from './errors';
import { route, type Route } from './route';
import { inFonds } from '../contracts/search-attributes';
import { deny, fondsFor } from './authorise';

const folder = z.string().min(1).max(500).describe('a folder under the transfer root (LANTAI_TRANSFER_ROOT)');

const TransferOrder = z.object({
  fonds: z.string().min(1),
  receiver: z.string().trim().min(1).max(100).default('市档案馆'),
  years: z.array(z.number().int().min(1900).max(2200)).min(1).max(200),
  retentionPeriods: z
    .array(z.enum(RETENTION_PERIODS))
    .min(1)
    .optional()
    .describe('default: the periods configured for transfer (LANTAI_TRANSFER_RETENTION)'),
  encoding: z.enum(['UTF-8', 'GB18030']).optional().describe('encoding of catalogue.xml; default LANTAI_TRANSFER_ENCODING'),
  target: z
    .discriminatedUnion('kind', [z.object({ kind: z.literal('s3') }), z.object({ kind: z.literal('directory'), path: folder })])
    .default({ kind: 's3' }),
});

const AccessionOrder = z.object({
  source: z.discriminatedUnion('kind', [
    z.object({
      kind: z.literal('s3'),
      bucket: z.string().min(3).max(63).optional(),
      prefix: z.string().min(1).max(500).describe('the package’s prefix, e.g. transfers/J001-20261121-ab12cd/'),
    }),
    z.object({ kind: z.literal('directory'), path: folder }),
  ]),
});

function insideTransferRoot(ctx: ApiContext, relative: string, field: string): string {
  const root = ctx.config.transfer.directoryRoot;
  const dir = path.resolve(root, relative);
  if (dir !== root && !dir.startsWith(root + path.sep))
    throw badRequest(`${field}: must lie inside the transfer root`, [{ field, problem: 'outside the transfer root' }]);
  return dir;
}

async function startTransfer(ctx: ApiContext, actor: Actor, order: z.infer<typeof TransferOrder>, requestId: string) {
  const fonds = await fondsFor(ctx, actor, order.fonds, 'transfer', requestId);
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
  await ctx.db.transfer.create({
    data: {
      id,
      fondsId: fonds.id,
      packageId,
      workflowId,
      receiver: order.receiver,
      encoding: order.encoding ?? ctx.config.transfer.encoding,
      selection: { years: order.years, retentionPeriods, location },
      createdBy: actor.displayName,
    },
  });
  await ctx.temporal.workflow.start<TransferWorkflow>(TRANSFER_WORKFLOW, {
    workflowId,
    taskQueue: ctx.config.temporal.taskQueue,
    args: [{ transferId: id, packageId }],
    typedSearchAttributes: inFonds(fonds.code),
  });
  return transferView(ctx, id);
}

export async function transferView(ctx: ApiContext, id: string, actor?: Actor, requestId = '') {
  const t = await ctx.db.transfer.findUnique({ where: { id } });
  if (!t) throw notFound(`transfer ${id}`);
  if (actor && !actor.fondsIds.includes(t.fondsId))
    await deny(ctx, actor, 'read', `transfer:${id}`, 'the transfer belongs to a fonds that is not among your fonds', requestId);
  const live = await ctx.temporal.workflow
    .getHandle(t.workflowId)
    .query(transferQuery)
    .catch(() => undefined);
  const records = await ctx.db.item.count({ where: { transferId: id } });
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

async function startAccession(ctx: ApiContext, actor: Actor, order: z.infer<typeof AccessionOrder>, requestId: string) {
  if (!defineAbilityFor(actor).can('receive_transfer', 'Accession'))
    await deny(ctx, actor, 'receive_transfer', 'accession', 'only the archive manager receives transfer packages', requestId);
  const location: PackageLocation =
    order.source.kind === 's3'
      ? {
          kind: 's3',
          bucket: order.source.bucket ?? ctx.config.s3.buckets.packages,
          prefix: order.source.prefix.endsWith('/') ? order.source.prefix : `${order.source.prefix}/`,
        }
      : { kind: 'directory', path: insideTransferRoot(ctx, order.source.path, 'source.path') };
  const id = randomUUID();
  const workflowId = accessionWorkflowId(id);
  const packageId = path.basename(location.kind === 's3' ? location.prefix : location.path);
  await ctx.db.accession.create({ data: { id, packageId, workflowId, source: JSON.stringify(location), receivedBy: actor.displayName } });
  await ctx.temporal.workflow.start<AccessionWorkflow>(ACCESSION_WORKFLOW, {
    workflowId,
    taskQueue: ctx.config.temporal.taskQueue,
    args: [{ accessionId: id }],
  });
  return accessionView(ctx, id);
}

export async function accessionView(ctx: ApiContext, id: string) {
  const a = await ctx.db.accession.findUnique({ where: { id }, include: { _count: { select: { entries: true } } } });
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
    source: JSON.parse(a.source) as PackageLocation,
    report: a.report,
    receiptLocation: a.receiptLocation,
    recordsAccepted: a._count.entries,
    receivedBy: a.receivedBy,
    startedAt: a.createdAt.toISOString(),
    decidedAt: a.decidedAt?.toISOString() ?? null,
  };
}

export function transferRoutes(ctx: ApiContext): Route[] {
  const idParam = z.object({ id: z.uuid() });
  return [
    route({
      method: 'post',
      path: '/transfers',
      tag: 'transfer',
      auth: true,
      summary:
        'Transfer permanent and long-term records of chosen years to the city archive: a checked, signed BagIt package in S3 or a folder',
      body: TransferOrder,
      response: { status: 202, description: 'Transfer started; its progress' },
      async handle({ req, res, actor, body }) {
        const view = await startTransfer(ctx, actor, body, req.id as string);
        res.status(202).json(view);
        return view;
      },
    }),
    route({
      method: 'get',
      path: '/transfers/:id',
      tag: 'transfer',
      auth: true,
      summary: 'A transfer: stage, package location and totals, the checks before sending, and the receiver’s receipt',
      params: idParam,
      errors: [404],
      response: { status: 200, description: 'The transfer' },
      handle: ({ req, actor, params }) => transferView(ctx, params.id, actor, req.id as string),
    }),
    route({
      method: 'post',
      path: '/accessions',
      tag: 'transfer',
      auth: true,
      summary:
        'Receive a transfer package: every check re-run, each failure named with its record and rule; a receipt kept beside the package',
      body: AccessionOrder,
      response: { status: 202, description: 'Receiving started; its progress' },
      async handle({ req, res, actor, body }) {
        const view = await startAccession(ctx, actor, body, req.id as string);
        res.status(202).json(view);
        return view;
      },
    }),
    route({
      method: 'get',
      path: '/accessions/:id',
      tag: 'transfer',
      auth: true,
      summary: 'A received package: the checks’ report, the receipt’s location, the records accepted into custody',
      params: idParam,
      errors: [404],
      response: { status: 200, description: 'The accession' },
      async handle({ req, actor, params }) {
        if (!defineAbilityFor(actor).can('read', 'Accession'))
          await deny(ctx, actor, 'read', `accession:${params.id}`, 'your roles do not read received packages', req.id as string);
        return accessionView(ctx, params.id);
      },
    }),
  ];
}
