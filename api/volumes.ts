import { z } from 'zod';
import { VOLUME_DOCUMENT_TYPES, VOLUME_DOCUMENTS } from '../contracts/volume';
import { RETENTION_PERIODS } from '../domain/retention';
import { assemblyDocument, assemblyOf, assemblyView, documentsOf, startAssembly } from '../use-cases/volumes';
import type { Actor } from './access';
import { deny, fondsFor } from './authorise';
import type { ApiContext } from './context';
import { route, type Route } from './route';
import { AssemblyView } from './views/volumes';

const AssemblyOrder = z.object({
  fonds: z.string().min(1),
  years: z
    .array(z.number().int().min(1900).max(2200))
    .max(200)
    .optional()
    .describe('only items formed in these years; all years when absent'),
  retentionPeriods: z.array(z.enum(RETENTION_PERIODS)).optional().describe('only items of these retention periods; all when absent'),
});

/** An assembly is read by those who work in its fonds. */
async function requireAssemblyFonds(ctx: ApiContext, actor: Actor, id: string, fondsId: string, requestId: string) {
  if (!actor.fondsIds.includes(fondsId))
    await deny(ctx, actor, 'read', `volume_assembly:${id}`, 'the assembly belongs to a fonds that is not among your fonds', requestId);
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
      response: { status: 202, description: 'Assembly started; its progress', schema: AssemblyView },
      async handle({ req, res, actor, body }) {
        const fonds = await fondsFor(ctx, actor, body.fonds, 'assemble', req.id as string);
        const view = await startAssembly(ctx, actor, fonds, { years: body.years, retentionPeriods: body.retentionPeriods });
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
      response: { status: 200, description: 'The assembly', schema: AssemblyView },
      async handle({ req, actor, params }) {
        const assembly = await assemblyOf(ctx, params.id);
        await requireAssemblyFonds(ctx, actor, params.id, assembly.fondsId, req.id as string);
        return assemblyView(ctx, assembly);
      },
    }),
    route({
      method: 'get',
      path: '/volume-assemblies/:id/documents/:name',
      tag: 'volumes',
      auth: true,
      summary: 'One document of an assembly: catalogue.pdf, catalogue.xlsx, spine-labels.pdf, item-labels.pdf, note-sheets.pdf',
      params: z.object({ id: z.uuid(), name: z.enum(VOLUME_DOCUMENTS) }),
      errors: [404],
      response: { status: 200, description: 'The document', binary: [...new Set(Object.values(VOLUME_DOCUMENT_TYPES))] },
      async handle({ req, res, actor, params }) {
        const assembly = await documentsOf(ctx, params.id);
        await requireAssemblyFonds(ctx, actor, params.id, assembly.fondsId, req.id as string);
        const document = await assemblyDocument(ctx, params.id, assembly.documents, params.name);
        res.type(document.contentType).send(document.body);
        return undefined;
      },
    }),
  ];
}
