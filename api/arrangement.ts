import { z } from 'zod';
import { formatReferenceCode, parseTemplate, ReferenceCodeTemplateError } from '../domain/reference-code';
import type { Actor } from './access';
import { audit } from '../catalogue/audit';
import type { ApiContext } from './context';
import { badRequest, conflict } from './errors';
import { route, type Route } from './route';
import { fondsFor } from './authorise';

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

async function arrangementOf(ctx: ApiContext, fondsId: string) {
  const fonds = await ctx.db.fonds.findUniqueOrThrow({ where: { id: fondsId }, include: { scheme: true } });
  const numberedItems = await ctx.db.item.count({ where: { fondsId, itemNumber: { not: null } } });
  return {
    fonds: fonds.code,
    referenceCodeTemplate: fonds.referenceCodeTemplate,
    example: formatReferenceCode(fonds.referenceCodeTemplate, {
      fonds: fonds.code,
      category: fonds.scheme.category,
      year: 2024,
      retention: 'D30',
      org: fonds.orgCode,
      item: 123,
    }),
    boxCapacity: fonds.boxCapacity,
    boxCapacityUnit: fonds.boxCapacityUnit,
    numberedItems,
  };
}

/** Changes how a fonds is arranged. The code's shape can change only before the fonds' first item is numbered: codes given keep their shape. */
async function rearrange(ctx: ApiContext, actor: Actor, code: string, change: z.infer<typeof Arrangement>, requestId: string) {
  const fonds = await fondsFor(ctx, actor, code, 'arrange', requestId);
  if (change.referenceCodeTemplate !== undefined && change.referenceCodeTemplate !== fonds.referenceCodeTemplate) {
    try {
      parseTemplate(change.referenceCodeTemplate);
    } catch (err) {
      if (err instanceof ReferenceCodeTemplateError)
        throw badRequest(`referenceCodeTemplate: ${err.message}`, [{ field: 'referenceCodeTemplate', problem: 'invalid template' }]);
      throw err;
    }
    const numbered = await ctx.db.item.count({ where: { fondsId: fonds.id, itemNumber: { not: null } } });
    if (numbered > 0)
      throw conflict(
        `fonds ${code} already has ${numbered} numbered items; archival codes once given keep their shape, so the template cannot change`,
      );
  }
  await ctx.db.fonds.update({ where: { id: fonds.id }, data: change });
  await audit(ctx.db, {
    actorId: actor.id,
    actor: actor.username,
    action: 'fonds.arrange',
    subject: `fonds:${code}`,
    outcome: 'done',
    requestId,
    details: change,
  });
  return arrangementOf(ctx, fonds.id);
}

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
      response: { status: 200, description: 'The arrangement' },
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
      response: { status: 200, description: 'The arrangement as changed' },
      handle: ({ req, actor, params, body }) => rearrange(ctx, actor, params.code, body, req.id as string),
    }),
  ];
}
