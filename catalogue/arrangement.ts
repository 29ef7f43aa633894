import type { Db } from '../prisma/client';

export interface ArrangementChange {
  referenceCodeTemplate?: string;
  boxCapacity?: number;
  boxCapacityUnit?: 'items' | 'pages';
}

/** The fonds with its classification scheme, as its arrangement is shown. */
export function fondsWithScheme(db: Db, fondsId: string) {
  return db.fonds.findUniqueOrThrow({ where: { id: fondsId }, include: { scheme: true } });
}

/** How many items of the fonds have their number (件号), and so their archival code. */
export function numberedItems(db: Db, fondsId: string): Promise<number> {
  return db.item.count({ where: { fondsId, itemNumber: { not: null } } });
}

export async function changeArrangement(db: Db, fondsId: string, change: ArrangementChange): Promise<void> {
  await db.fonds.update({ where: { id: fondsId }, data: change });
}
