import type { Db } from '../prisma/client';

/** The fonds with this code (全宗号), or null. */
export function fondsByCode(db: Db, code: string) {
  return db.fonds.findUnique({ where: { code } });
}

/** The code of the fonds with this id. */
export async function fondsCodeOf(db: Db, id: string): Promise<string> {
  return (await db.fonds.findUniqueOrThrow({ where: { id }, select: { code: true } })).code;
}

/** Every fonds, by code. */
export function everyFonds(db: Db) {
  return db.fonds.findMany({ orderBy: { code: 'asc' } });
}

/** The codes of these fonds, in code order. */
export async function fondsCodes(db: Db, ids: string[]): Promise<string[]> {
  const found = await db.fonds.findMany({ where: { id: { in: ids } }, select: { code: true }, orderBy: { code: 'asc' } });
  return found.map((f) => f.code);
}
