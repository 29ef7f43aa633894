import { z } from 'zod';
import { arrangementOf, rearrange } from '../use-cases/arrangement';
import { fondsFor } from './authorise';
import type { ApiContext } from './context';
import { route, type Route } from './route';
import { ArrangementView } from './views/volumes';

const Arrangement = z.object({
  referenceCodeTemplate: z
    .string()
    .min(1)
    .max(120)
    .optional()
    .describe('segments {fonds} {category} {year} {retention} {org} {item:N}, each once'),
  boxCapacity: z.number().int().min(1).max(10_000).optional(),
  boxCapacityUnit: z.enum(['items', 'pages']).optional(),
});

export function arrangementRoutes(ctx: ApiContext): Route[] {
  const codeParam = z.object({ code: z.string().min(1).max(8) });
  return [
    route({
      method: 'get',
      path: '/fonds/:code/arrangement',
      tag: 'volumes',
      auth: true,
      summary: 'How the fonds is arranged: its archival code template (with an example) and its box capacity',
      params: codeParam,
      response: { status: 200, description: 'The arrangement', schema: ArrangementView },
      async handle({ req, actor, params }) {
        const fonds = await fondsFor(ctx, actor, params.code, 'read', req.id as string);
        return arrangementOf(ctx, fonds.id);
      },
    }),
    route({
      method: 'post',
      path: '/fonds/:code/arrangement',
      tag: 'volumes',
      auth: true,
      summary: "Change the fonds' archival code template (before its first item is numbered) or its box capacity (archive manager)",
      params: codeParam,
      body: Arrangement,
      errors: [409],
      response: { status: 200, description: 'The arrangement as changed', schema: ArrangementView },
      async handle({ req, actor, params, body }) {
        const fonds = await fondsFor(ctx, actor, params.code, 'arrange', req.id as string);
        return rearrange(ctx, actor, fonds, body, req.id as string);
      },
    }),
  ];
}
