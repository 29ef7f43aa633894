import { z } from 'zod';
import { importBatch, importFonds, importProgress, startImport } from '../use-cases/imports';
import { defineAbilityFor, itemSubject } from './access';
import type { ApiContext } from './context';
import { route, type Route } from './route';
import { deny } from './authorise';
import { ImportProgress } from './views/capture';

const ImportOrder = z.object({
  fonds: z.string().min(1),
  sourceDir: z.string().min(1).describe('folder of the batch, relative to the import root (LANTAI_IMPORT_ROOT)'),
  indexFile: z
    .string()
    .regex(/^[^/\\]+\.(csv|json)$/i, 'must be the name of a .csv or .json file in the folder')
    .default('index.csv'),
  chunkSize: z.number().int().min(1).max(500).default(25),
});

export function importRoutes(ctx: ApiContext): Route[] {
  return [
    route({
      method: 'post',
      path: '/imports',
      tag: 'capture',
      auth: true,
      summary: 'Start a historical digitisation batch: a folder of page images with a CSV or JSON index, imported in chunks',
      body: ImportOrder,
      response: { status: 202, description: 'Import started; its progress', schema: ImportProgress },
      async handle({ req, res, actor, body }) {
        const fonds = await importFonds(ctx, body.fonds);
        // The right to import is checked on an item of the fonds that nothing else restricts (public, of no person).
        const anyItem = itemSubject({ id: '', fondsId: fonds.id, securityLevel: 'public', citizenId: '', employerCreditCode: null });
        if (!defineAbilityFor(actor).can('import', anyItem))
          await deny(ctx, actor, 'import', `fonds:${fonds.code}`, `your roles do not import into fonds ${fonds.code}`, req.id as string);
        const progress = await startImport(ctx, actor, fonds, body);
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
      response: { status: 200, description: 'Progress', schema: ImportProgress },
      async handle({ req, actor, params }) {
        const batch = await importBatch(ctx, params.id);
        if (!actor.fondsIds.includes(batch.fondsId))
          await deny(
            ctx,
            actor,
            'read',
            `import:${batch.id}`,
            'the import batch belongs to a fonds that is not among your fonds',
            req.id as string,
          );
        return importProgress(ctx, batch.id);
      },
    }),
  ];
}
