import type { Db } from '../prisma/client';
import type { ObjectStore } from '../store/object-store';
import { setLegalHolds } from './object-locks';

export type HoldKind = 'legal' | 'audit';

export interface ActiveHold {
  id: string;
  itemId: string;
  kind: HoldKind;
  reason: string;
}

/** The holds (冻结) not yet lifted on the given items, by item. */
export async function activeHolds(db: Db, itemIds: string[]): Promise<Map<string, ActiveHold>> {
  const holds = await db.legalHold.findMany({ where: { itemId: { in: itemIds }, liftedAt: null }, orderBy: { placedAt: 'asc' } });
  return new Map(holds.map((h) => [h.itemId, { id: h.id, itemId: h.itemId, kind: h.kind, reason: h.reason }]));
}

export function describeHold(hold: ActiveHold): string {
  return `${hold.kind} hold (冻结): ${hold.reason}`;
}

/**
 * Places a hold: recorded in the catalogue first, so destruction sees it at once, then an Object Lock legal hold on
 * every stored version of the item's pages, so not even an administrator with direct access to the store can delete them.
 */
export async function placeHold(db: Db, store: ObjectStore, input: { itemId: string; kind: HoldKind; reason: string; placedById: string }) {
  const hold = await db.legalHold.create({ data: input });
  await setLegalHolds(db, store, input.itemId, true);
  return hold;
}

/** Lifts a hold; the Object Lock legal holds go only when no other hold remains on the item. */
export async function liftHold(db: Db, store: ObjectStore, input: { holdId: string; liftedById: string; liftReason: string }) {
  const hold = await db.legalHold.update({
    where: { id: input.holdId },
    data: { liftedById: input.liftedById, liftReason: input.liftReason, liftedAt: new Date() },
  });
  const remaining = await db.legalHold.count({ where: { itemId: hold.itemId, liftedAt: null } });
  if (remaining === 0) await setLegalHolds(db, store, hold.itemId, false);
  return hold;
}

export async function findHold(db: Db, holdId: string) {
  return db.legalHold.findUnique({ where: { id: holdId } });
}

/** The hold with who placed and who lifted it. */
export async function holdRecord(db: Db, holdId: string) {
  const h = await db.legalHold.findUniqueOrThrow({ where: { id: holdId }, include: { placedBy: true, liftedBy: true } });
  return {
    id: h.id,
    itemId: h.itemId,
    kind: h.kind,
    reason: h.reason,
    placedBy: h.placedBy.username,
    placedAt: h.placedAt.toISOString(),
    liftedBy: h.liftedBy?.username ?? null,
    liftedAt: h.liftedAt?.toISOString() ?? null,
    liftReason: h.liftReason,
  };
}

/** The item's holds, lifted and not, newest first. */
export async function holdsOfItem(db: Db, itemId: string) {
  const holds = await db.legalHold.findMany({ where: { itemId }, orderBy: { placedAt: 'desc' }, select: { id: true } });
  return Promise.all(holds.map((h) => holdRecord(db, h.id)));
}
