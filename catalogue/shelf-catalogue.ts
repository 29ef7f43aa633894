import { CUSTODY_STATES } from '../domain/inventory';
import type { Reading } from '../domain/shelf-scan';
import type { Db } from '../prisma/client';
import type { NewFinding } from './inventory-runs';

/** The run with its fonds and the readings of its shelf-scan sessions, oldest first. */
export async function runWithShelfScans(db: Db, runId: string) {
  const run = await db.inventoryRun.findUniqueOrThrow({ where: { id: runId }, include: { fonds: true } });
  const scans = run.shelfScanIds.length
    ? await db.shelfScan.findMany({ where: { id: { in: run.shelfScanIds } }, orderBy: { startedAt: 'asc' } })
    : [];
  return { run, sessions: scans.map((s) => s.readings as unknown as Reading[]) };
}

/** Marks the run's shelves judged and records the findings, once: a second call records nothing. */
export async function recordShelfJudgement(db: Db, runId: string, findings: NewFinding[]): Promise<void> {
  await db.$transaction(async (tx) => {
    const marked = await tx.inventoryRun.updateMany({
      where: { id: runId, shelvesJudged: false },
      data: { shelvesJudged: true, findingCount: { increment: findings.length } },
    });
    if (marked.count === 1 && findings.length) await tx.inventoryFinding.createMany({ data: findings });
  });
}

/**
 * The catalogue as the shelf-scan judgement needs it, read for the barcodes scanned: shelves of the fonds'
 * agency, the fonds' boxes and items by barcode, the boxes recorded on the scanned shelves and the items
 * recorded in the boxes read. Only boxes holding items in the archive room are expected on a shelf.
 */
export async function shelfCatalogue(db: Db, fonds: { id: string; agencyId: string }, sessions: Reading[][]) {
  const codes = [...new Set(sessions.flat().map((r) => r.barcode.trim()))];
  const onShelf = { some: { lifecycleState: { in: ['in_archive_room' as const, 'under_appraisal' as const] } } };
  const shelves = await db.storageLocation.findMany({
    where: { agencyId: fonds.agencyId, barcode: { in: codes } },
    select: { id: true, barcode: true },
  });
  const boxesRead = await db.box.findMany({
    where: { barcode: { in: codes } },
    select: { id: true, barcode: true, fondsId: true, location: { select: { barcode: true } } },
  });
  const itemsRead = await db.item.findMany({
    where: { barcode: { in: codes } },
    select: { id: true, barcode: true, fondsId: true, boxId: true, box: { select: { barcode: true } } },
  });
  const own = <T extends { fondsId: string }>(rows: T[]) => rows.filter((r) => r.fondsId === fonds.id);
  const boxesOnShelves = await db.box.findMany({
    where: { fondsId: fonds.id, locationId: { in: shelves.map((s) => s.id) }, items: onShelf },
    select: { id: true, barcode: true, location: { select: { barcode: true } } },
  });
  const itemsInBoxes = await db.item.findMany({
    where: {
      fondsId: fonds.id,
      box: { barcode: { in: own(boxesRead).map((b) => b.barcode) } },
      lifecycleState: { in: [...CUSTODY_STATES] },
      barcode: { not: null },
    },
    select: { id: true, barcode: true, boxId: true, box: { select: { barcode: true } } },
  });
  const group = (pairs: [string, string][]) => pairs.reduce((m, [k, v]) => m.set(k, [...(m.get(k) ?? []), v]), new Map<string, string[]>());
  return {
    catalogue: {
      shelves: new Set(shelves.map((s) => s.barcode)),
      boxes: new Map(own(boxesRead).map((b) => [b.barcode, { shelf: b.location?.barcode ?? null }])),
      items: new Map(own(itemsRead).map((i) => [i.barcode!, { box: i.box?.barcode ?? null }])),
      boxesOnShelf: group(boxesOnShelves.map((b) => [b.location!.barcode, b.barcode])),
      itemsInBox: group(itemsInBoxes.map((i) => [i.box!.barcode, i.barcode!])),
      foreign: new Set([...boxesRead, ...itemsRead].filter((r) => r.fondsId !== fonds.id).map((r) => r.barcode!)),
    },
    boxIds: new Map([...own(boxesRead), ...boxesOnShelves].map((b) => [b.barcode, b.id])),
    items: new Map([...own(itemsRead), ...itemsInBoxes].map((i) => [i.barcode!, { id: i.id, boxId: i.boxId }])),
  };
}
