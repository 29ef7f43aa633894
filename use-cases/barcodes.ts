import { casesByNumber } from '../catalogue/captures';
import { defineAbilityFor, itemSubject, type Actor } from '../api/access';
import type { ApiContext } from '../api/context';
import { AppError } from '../api/errors';
import { parseSlipPayload } from '../domain/slip';
import type { BarcodeScan } from '../devices/types';

/**
 * The business case each scanned slip names, among the items the actor may read: a plain case number (Code 128) or
 * a QR slip with `caseNumber`. A code naming no such case is refused (422), with every code's match; a case above
 * the actor's clearance is no such case, so the reply says nothing of it, not even that it exists.
 */
export async function casesForScans(ctx: ApiContext, actor: Actor, scans: BarcodeScan[]) {
  const caseNumbers = scans.map((s) => parseSlipPayload(s.text)?.caseNumber ?? s.text.trim());
  const ability = defineAbilityFor(actor);
  const items = (await casesByNumber(ctx.db, caseNumbers, actor.fondsIds)).filter((i) => ability.can('read', itemSubject(i)));
  const results = scans.map((s, i) => {
    const item = items.find((it) => it.caseNumber === caseNumbers[i]);
    return {
      code: s.text,
      caseNumber: caseNumbers[i]!,
      item: item ? { id: item.id, fonds: item.fondsCode, lifecycleState: item.lifecycleState } : null,
    };
  });
  const unknown = results.filter((r) => !r.item);
  if (unknown.length) {
    throw new AppError(
      422,
      'unknown_barcode',
      `no business case you may read matches ${unknown.map((u) => JSON.stringify(u.code)).join(', ')}`,
      results,
    );
  }
  return results;
}
