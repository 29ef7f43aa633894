import { z } from 'zod';
import { actorFondsAgencies, closeScan, openScan, readBarcodes, scanOf, scanView } from '../use-cases/shelf-scans';
import { defineAbilityFor, fondsSubject, type Actor } from './access';
import { deny, fondsFor } from './authorise';
import type { ApiContext } from './context';
import { badRequest } from './errors';
import { route, type Route } from './route';
import { ShelfScanView as ScanView } from './views/inventory';

const ScanOpening = z.object({
  reader: z.string().trim().min(1).max(100).describe('the barcode reader, as the workstation names it (serial port or keyboard wedge)'),
  fonds: z.string().min(1).optional().describe('a fonds of the agency whose shelves are scanned; needed only by users of several agencies'),
});

const barcode = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(128)
  // The control characters (Unicode category Cc) written out as ranges, which a client's generator can read too.
  // eslint-disable-next-line no-control-regex -- refusing control characters is the point
  .regex(/^[^\x00-\x1f\x7f-\x9f]+$/u, 'must not hold control characters');
const Readings = z.object({
  barcodes: z.array(barcode).min(1).max(1000).describe('barcodes in the order read: a shelf, its boxes, a box’s items'),
});

/** The agency whose shelves the actor may scan: that of the fonds named, or of the actor's own fonds when they share one. */
async function agencyFor(ctx: ApiContext, actor: Actor, fondsCode: string | undefined, requestId: string): Promise<string> {
  if (fondsCode) return (await fondsFor(ctx, actor, fondsCode, 'inventory', requestId)).agencyId;
  const ability = defineAbilityFor(actor);
  const fonds = await actorFondsAgencies(ctx, actor);
  const agencies = [...new Set(fonds.filter((f) => ability.can('inventory', fondsSubject(f.id))).map((f) => f.agencyId))];
  if (agencies.length === 0)
    await deny(ctx, actor, 'inventory', 'shelf_scan', `your roles (${actor.roles.join(', ')}) do not allow scanning shelves`, requestId);
  if (agencies.length > 1)
    throw badRequest('fonds: you work in several agencies; name a fonds of the agency whose shelves you scan', [
      { field: 'fonds', problem: 'required' },
    ]);
  return agencies[0]!;
}

/** The session, if the actor may scan the shelves of its agency. */
async function scanFor(ctx: ApiContext, actor: Actor, id: string, requestId: string) {
  const scan = await scanOf(ctx, id);
  const ability = defineAbilityFor(actor);
  const fonds = await actorFondsAgencies(ctx, actor, scan.agencyId);
  if (!fonds.some((f) => ability.can('inventory', fondsSubject(f.id))))
    await deny(ctx, actor, 'inventory', `shelf_scan:${id}`, 'the shelf scan is of an agency whose shelves you may not scan', requestId);
  return scan;
}

export function shelfScanRoutes(ctx: ApiContext): Route[] {
  const idParam = z.object({ id: z.uuid() });
  return [
    route({
      method: 'post',
      path: '/shelf-scans',
      tag: 'inventory',
      auth: true,
      summary: 'Open a shelf-scan session (架位扫描): barcodes read along the shelves, judged by the next inventory that names it',
      body: ScanOpening,
      response: { status: 201, description: 'Session opened', schema: ScanView },
      async handle({ req, res, actor, body }) {
        const agencyId = await agencyFor(ctx, actor, body.fonds, req.id as string);
        const view = await openScan(ctx, actor, agencyId, body.reader);
        res.status(201).json(view);
        return view;
      },
    }),
    route({
      method: 'get',
      path: '/shelf-scans/:id',
      tag: 'inventory',
      auth: true,
      summary: 'A shelf-scan session: its readings in order, each with its barcode shape (shelf, box, item or unknown)',
      params: idParam,
      errors: [404],
      response: { status: 200, description: 'The session', schema: ScanView },
      async handle({ req, actor, params }) {
        return scanView(await scanFor(ctx, actor, params.id, req.id as string));
      },
    }),
    route({
      method: 'post',
      path: '/shelf-scans/:id/readings',
      tag: 'inventory',
      auth: true,
      summary: 'Append barcodes read, in order; a barcode of no known shape is kept and reported by the inventory as unknown',
      params: idParam,
      body: Readings,
      errors: [404, 409],
      response: { status: 200, description: 'The session with the readings appended', schema: ScanView },
      async handle({ req, actor, params, body }) {
        await scanFor(ctx, actor, params.id, req.id as string);
        return readBarcodes(ctx, params.id, body.barcodes);
      },
    }),
    route({
      method: 'post',
      path: '/shelf-scans/:id/close',
      tag: 'inventory',
      auth: true,
      summary: 'Close a shelf-scan session; only closed sessions are judged',
      params: idParam,
      errors: [404, 409],
      response: { status: 200, description: 'The closed session', schema: ScanView },
      async handle({ req, actor, params }) {
        await scanFor(ctx, actor, params.id, req.id as string);
        return closeScan(ctx, actor, params.id, req.id as string);
      },
    }),
  ];
}
