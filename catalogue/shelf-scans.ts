import type { Reading } from '../domain/shelf-scan';
import type { Db } from '../prisma/client';

/** Opens a session of barcodes read along an agency's shelves. */
export function openShelfScan(db: Db, scan: { agencyId: string; reader: string; scannedBy: string }) {
  return db.shelfScan.create({ data: scan });
}

/** The session, or null. */
export function shelfScanById(db: Db, id: string) {
  return db.shelfScan.findUnique({ where: { id } });
}

/** Appends readings to an open session; false when the session is closed (or not there). */
export async function appendReadings(db: Db, id: string, readings: Reading[]): Promise<boolean> {
  // One statement appends, so readings posted at once by two requests both land, each batch in its order.
  const appended = await db.$executeRaw`UPDATE shelf_scan SET readings = readings || ${JSON.stringify(readings)}::jsonb
    WHERE id = ${id}::uuid AND closed_at IS NULL`;
  return appended === 1;
}

/** Closes an open session; false when it was already closed. */
export async function closeShelfScan(db: Db, id: string): Promise<boolean> {
  const closed = await db.shelfScan.updateMany({ where: { id, closedAt: null }, data: { closedAt: new Date() } });
  return closed.count === 1;
}

/** Of these fonds, each with its agency; given an agency, only that agency's. */
export function agenciesOfFonds(db: Db, fondsIds: string[], agencyId?: string) {
  return db.fonds.findMany({ where: { id: { in: fondsIds }, ...(agencyId ? { agencyId } : {}) }, select: { id: true, agencyId: true } });
}
