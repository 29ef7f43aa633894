import type { Actor } from '../api/access';
import type { ApiContext } from '../api/context';
import { badRequest, conflict } from '../api/errors';
import { changeArrangement, fondsWithScheme, numberedItems, type ArrangementChange } from '../catalogue/arrangement';
import { audit } from '../catalogue/audit';
import { formatReferenceCode, parseTemplate, ReferenceCodeTemplateError } from '../domain/reference-code';

/** How the fonds is arranged: its archival code template with an example code, its box capacity, how many items are numbered. */
export async function arrangementOf(ctx: ApiContext, fondsId: string) {
  const fonds = await fondsWithScheme(ctx.db, fondsId);
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
    numberedItems: await numberedItems(ctx.db, fondsId),
  };
}

/** Changes how a fonds is arranged. The code's shape can change only before the fonds' first item is numbered: codes given keep their shape. */
export async function rearrange(
  ctx: ApiContext,
  actor: Actor,
  fonds: { id: string; code: string; referenceCodeTemplate: string },
  change: ArrangementChange,
  requestId: string,
) {
  if (change.referenceCodeTemplate !== undefined && change.referenceCodeTemplate !== fonds.referenceCodeTemplate) {
    try {
      parseTemplate(change.referenceCodeTemplate);
    } catch (err) {
      if (err instanceof ReferenceCodeTemplateError)
        throw badRequest(`referenceCodeTemplate: ${err.message}`, [{ field: 'referenceCodeTemplate', problem: 'invalid template' }]);
      throw err;
    }
    const numbered = await numberedItems(ctx.db, fonds.id);
    if (numbered > 0)
      throw conflict(
        `fonds ${fonds.code} already has ${numbered} numbered items; archival codes once given keep their shape, so the template cannot change`,
      );
  }
  await changeArrangement(ctx.db, fonds.id, change);
  await audit(ctx.db, {
    actorId: actor.id,
    actor: actor.username,
    action: 'fonds.arrange',
    subject: `fonds:${fonds.code}`,
    outcome: 'done',
    requestId,
    details: { ...change },
  });
  return arrangementOf(ctx, fonds.id);
}
