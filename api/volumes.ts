import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { RETENTION_PERIODS } from '../domain/retention';
import {
  VOLUME_ASSEMBLY_WORKFLOW,
  VOLUME_DOCUMENTS,
  assemblyQuery,
  volumeAssemblyWorkflowId,
  type StoredDocument,
  type VolumeAssemblyWorkflow,
} from '../contracts/volume';
import { type Actor } from './access';
import type { ApiContext } from './context';
import { notFound } from './errors';
import { route, type Route } from './route';
import { inFonds } from '../contracts/search-attributes';
import { deny } from './authorise';
import { fondsFor } from './authorise';

const AssemblyOrder = z.object({
  fonds: z.string().min(1),
  years: z
    .array(z.number().int().min(1900).max(2200))
    .max(200)
    .optional()
    .describe('only items formed in these years; all years when absent'),
  retentionPeriods: z.array(z.enum(RETENTION_PERIODS)).optional().describe('only items of these retention periods; all when absent'),
});

async function startAssembly(ctx: ApiContext, actor: Actor, order: z.infer<typeof AssemblyOrder>, requestId: string) {
  const fonds = await fondsFor(ctx, actor, order.fonds, 'assemble', requestId);
  const id = randomUUID();
  const workflowId = volumeAssemblyWorkflowId(id);
  await ctx.db.volumeAssembly.create({
    data: {
      id,
      fondsId: fonds.id,
      workflowId,
      requestedBy: actor.displayName,
      scope: { years: order.years, retentionPeriods: order.retentionPeriods },
      status: 'numbering',
    },
  });
  await ctx.temporal.workflow.start<VolumeAssemblyWorkflow>(VOLUME_ASSEMBLY_WORKFLOW, {
    workflowId,
    taskQueue: ctx.config.temporal.taskQueue,
    args: [{ assemblyId: id, actor: actor.username }],
    typedSearchAttributes: inFonds(fonds.code),
  });
  return assemblyView(ctx, id);
}

export async function assemblyView(ctx: ApiContext, id: string, actor?: Actor, requestId = '') {
  const assembly = await ctx.db.volumeAssembly.findUnique({
    where: { id },
    include: { boxes: { orderBy: [{ year: 'asc' }, { retentionPeriod: 'asc' }, { boxNumber: 'asc' }], include: { location: true } } },
  });
  if (!assembly) throw notFound(`volume assembly ${id}`);
  if (actor && !actor.fondsIds.includes(assembly.fondsId))
    await deny(ctx, actor, 'read', `volume_assembly:${id}`, 'the assembly belongs to a fonds that is not among your fonds', requestId);
  const live = await ctx.temporal.workflow
    .getHandle(assembly.workflowId)
    .query(assemblyQuery)
    .catch(() => undefined);
  const documents = (assembly.documents as { name: string; size: number; sha256: string }[] | null) ?? [];
  return {
    id: assembly.id,
    workflowId: assembly.workflowId,
    status: assembly.status,
    stage: live?.stage ?? null,
    error: assembly.error,
    scope: assembly.scope,
    items: assembly.itemCount,
    boxes: assembly.boxes.map(boxView),
    documents: documents.map((d) => ({
      name: d.name,
      size: d.size,
      sha256: d.sha256,
      href: `/volume-assemblies/${id}/documents/${d.name}`,
    })),
    startedAt: assembly.createdAt.toISOString(),
    finishedAt: assembly.finishedAt?.toISOString() ?? null,
  };
}

export function boxView(b: {
  id: string;
  boxNumber: number;
  barcode: string;
  year: number;
  retentionPeriod: string;
  orgCode: string;
  firstItemNumber: number;
  lastItemNumber: number;
  itemCount: number;
  pageCount: number;
  shelfPosition: number | null;
  location: { room: string; shelf: string; barcode: string } | null;
}) {
  return {
    id: b.id,
    boxNumber: b.boxNumber,
    barcode: b.barcode,
    year: b.year,
    retentionPeriod: b.retentionPeriod,
    orgCode: b.orgCode,
    firstItemNumber: b.firstItemNumber,
    lastItemNumber: b.lastItemNumber,
    itemCount: b.itemCount,
    pageCount: b.pageCount,
    location: b.location
      ? { room: b.location.room, shelf: b.location.shelf, position: b.shelfPosition, shelfBarcode: b.location.barcode }
      : null,
  };
}

export function volumeRoutes(ctx: ApiContext): Route[] {
  return [
    route({
      method: 'post',
      path: '/volume-assemblies',
      tag: 'volumes',
      auth: true,
      summary: 'Number the verified items of a fonds (档号, no gaps) and box them; the catalogue, labels and note sheets follow',
      body: AssemblyOrder,
      response: { status: 202, description: 'Assembly started; its progress' },
      async handle({ req, res, actor, body }) {
        const view = await startAssembly(ctx, actor, body, req.id as string);
        res.status(202).json(view);
        return view;
      },
    }),
    route({
      method: 'get',
      path: '/volume-assemblies/:id',
      tag: 'volumes',
      auth: true,
      summary: 'A volume assembly: its stage, boxes and documents',
      params: z.object({ id: z.uuid() }),
      errors: [404],
      response: { status: 200, description: 'The assembly' },
      handle: ({ req, actor, params }) => assemblyView(ctx, params.id, actor, req.id as string),
    }),
    route({
      method: 'get',
      path: '/volume-assemblies/:id/documents/:name',
      tag: 'volumes',
      auth: true,
      summary: 'One document of an assembly: catalogue.pdf, catalogue.xlsx, spine-labels.pdf, item-labels.pdf, note-sheets.pdf',
      params: z.object({
        id: z.uuid(),
        name: z.enum(VOLUME_DOCUMENTS),
      }),
      errors: [404],
      response: { status: 200, description: 'The document' },
      async handle({ req, res, actor, params }) {
        const assembly = await ctx.db.volumeAssembly.findUnique({ where: { id: params.id }, select: { fondsId: true, documents: true } });
        if (!assembly) throw notFound(`volume assembly ${params.id}`);
        if (!actor.fondsIds.includes(assembly.fondsId))
          await deny(
            ctx,
            actor,
            'read',
            `volume_assembly:${params.id}`,
            'the assembly belongs to a fonds that is not among your fonds',
            req.id as string,
          );
        const document = ((assembly.documents as StoredDocument[] | null) ?? []).find((d) => d.name === params.name);
        if (!document) throw notFound(`document ${params.name} of assembly ${params.id}`);
        const body = await ctx.store.get({ bucket: document.bucket, key: document.key });
        res.type(document.contentType).send(body);
        return undefined;
      },
    }),
  ];
}
