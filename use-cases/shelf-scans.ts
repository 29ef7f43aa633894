import type { Actor } from '../api/access';
import type { ApiContext } from '../api/context';
import { conflict, notFound } from '../api/errors';
import { audit } from '../catalogue/audit';
import { agenciesOfFonds, appendReadings, closeShelfScan, openShelfScan, shelfScanById } from '../catalogue/shelf-scans';
import { barcodeShape, type Reading } from '../domain/shelf-scan';

type ShelfScan = NonNullable<Awaited<ReturnType<typeof shelfScanById>>>;

/** The actor's fonds with their agencies; given an agency, only that agency's. */
export function actorFondsAgencies(ctx: ApiContext, actor: Actor, agencyId?: string) {
  return agenciesOfFonds(ctx.db, actor.fondsIds, agencyId);
}

/** The session; 404 when there is none. */
export async function scanOf(ctx: ApiContext, id: string): Promise<ShelfScan> {
  const scan = await shelfScanById(ctx.db, id);
  if (!scan) throw notFound(`shelf scan ${id}`);
  return scan;
}

export async function openScan(ctx: ApiContext, actor: Actor, agencyId: string, reader: string) {
  return scanView(await openShelfScan(ctx.db, { agencyId, reader, scannedBy: actor.username }));
}

/** Appends the barcodes, in order, all read now; a closed session takes no more (409). */
export async function readBarcodes(ctx: ApiContext, id: string, barcodes: string[]) {
  const at = new Date().toISOString();
  const readings: Reading[] = barcodes.map((b) => ({ barcode: b, at }));
  if (!(await appendReadings(ctx.db, id, readings))) throw conflict(`shelf scan ${id} is closed; open a new session to read more`);
  return scanView(await scanOf(ctx, id));
}

/** Closes the session, audited; only closed sessions are judged by an inventory. */
export async function closeScan(ctx: ApiContext, actor: Actor, id: string, requestId: string) {
  if (!(await closeShelfScan(ctx.db, id))) throw conflict(`shelf scan ${id} is already closed`);
  await audit(ctx.db, {
    actorId: actor.id,
    actor: actor.username,
    action: 'shelf_scan.close',
    subject: `shelf_scan:${id}`,
    outcome: 'done',
    requestId,
  });
  return scanView(await scanOf(ctx, id));
}

/** The session as the API shows it: each reading with its barcode's shape, and how many of each shape. */
export function scanView(scan: {
  id: string;
  reader: string;
  scannedBy: string;
  readings: unknown;
  startedAt: Date;
  closedAt: Date | null;
}) {
  const readings = (scan.readings as Reading[]).map((r) => ({ barcode: r.barcode, at: r.at ?? null, shape: barcodeShape(r.barcode) }));
  const counts = { shelf: 0, box: 0, item: 0, unknown: 0 };
  for (const r of readings) counts[r.shape] += 1;
  return {
    id: scan.id,
    reader: scan.reader,
    scannedBy: scan.scannedBy,
    status: scan.closedAt ? ('closed' as const) : ('open' as const),
    readings,
    counts,
    startedAt: scan.startedAt.toISOString(),
    closedAt: scan.closedAt?.toISOString() ?? null,
  };
}
