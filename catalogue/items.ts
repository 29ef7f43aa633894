import type { Db } from '../prisma/client';

/** The item with this id, or null. */
export function itemById(db: Db, id: string) {
  return db.item.findUnique({ where: { id } });
}

/** The codes an item's view shows in place of its references: fonds, business type and handling office. */
export function itemReferenceCodes(db: Db, id: string) {
  return db.item.findUniqueOrThrow({
    where: { id },
    select: { fonds: { select: { code: true } }, businessType: { select: { code: true } }, handlingOffice: { select: { code: true } } },
  });
}

/** Those of the given items that are in one of the fonds, with their fonds. */
export function itemsInFonds(db: Db, ids: string[], fondsIds: string[]) {
  return db.item.findMany({ where: { id: { in: ids }, fondsId: { in: fondsIds } }, include: { fonds: true } });
}
