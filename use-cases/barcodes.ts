import { casesByNumber } from '../catalogue/captures';
import type { Actor } from '../api/access';
import type { ApiContext } from '../api/context';
import { AppError } from '../api/errors';
import { parseSlipPayload } from '../domain/slip';
import type { BarcodeScan } from '../devices/types';

/**
 * The business case each scanned slip names, in the actor's fonds: a plain case number (Code 128) or a QR slip
 * with `caseNumber`. A code naming no case there is refused (422), with every code's match.
 */
export async function casesForScans(ctx: ApiContext, actor: Actor, scans: BarcodeScan[]) {
  const caseNumbers = scans.map((s) => parseSlipPayload(s.text)?.caseNumber ?? s.text.trim());
  const items = await casesByNumber(ctx.db, caseNumbers, actor.fondsIds);
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
      `no business case in your fonds matches ${unknown.map((u) => JSON.stringify(u.code)).join(', ')}`,
      results,
    );
  }
  return results;
}
