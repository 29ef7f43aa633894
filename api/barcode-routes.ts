import { z } from 'zod';
import { parseWedgeInput } from '../devices/keyboard-wedge';
import { casesForScans } from '../use-cases/barcodes';
import type { ApiContext } from './context';
import { badRequest } from './errors';
import { route, type Route } from './route';
import { BarcodeMatches } from './views/capture';

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
      response: { status: 200, description: 'Each code with the item it names', schema: BarcodeMatches },
      async handle({ actor, body }) {
        let scans;
        try {
          scans = parseWedgeInput(body.text, { suffix: body.suffix, readerId: `wedge:${body.workstation}` });
        } catch (err) {
          throw badRequest(`text: ${(err as Error).message}`, [{ field: 'text', problem: (err as Error).message }]);
        }
        return casesForScans(ctx, actor, scans);
      },
    }),
  ];
}
