import { z } from 'zod';
import { parseWedgeInput } from '../devices/keyboard-wedge';
import { parseSlipPayload } from '../domain/slip';
import type { ApiContext } from './context';
import { AppError, badRequest } from './errors';
import { route, type Route } from './route';

/** Finds the items the scanned slip barcodes name: a plain case number (Code 128) or a QR slip with `caseNumber`. */
export function barcodeRoutes(ctx: ApiContext): Route[] {
  return [
    route({
      method: 'post',
      path: '/barcodes/wedge',
      tag: 'capture',
      auth: true,
      summary: 'Codes typed by a keyboard-wedge barcode reader at a workstation: each is matched to its business case',
      body: z.object({
        workstation: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/),
        text: z.string().max(16384),
        suffix: z.enum(['\n', '\r', '\r\n', '\t']).optional(),
      }),
      errors: [422],
      response: { status: 200, description: 'Each code with the item it names' },
      async handle({ actor, body }) {
        let scans;
        try {
          scans = parseWedgeInput(body.text, { suffix: body.suffix, readerId: `wedge:${body.workstation}` });
        } catch (err) {
          throw badRequest(`text: ${(err as Error).message}`, [{ field: 'text', problem: (err as Error).message }]);
        }
        const caseNumbers = scans.map((s) => parseSlipPayload(s.text)?.caseNumber ?? s.text.trim());
        const items = await ctx.db.item.findMany({
          where: { caseNumber: { in: caseNumbers }, fondsId: { in: actor.fondsIds } },
          select: { id: true, caseNumber: true, lifecycleState: true, fonds: { select: { code: true } } },
        });
        const results = scans.map((s, i) => {
          const item = items.find((it) => it.caseNumber === caseNumbers[i]);
          return {
            code: s.text,
            caseNumber: caseNumbers[i]!,
            item: item ? { id: item.id, fonds: item.fonds.code, lifecycleState: item.lifecycleState } : null,
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
      },
    }),
  ];
}
