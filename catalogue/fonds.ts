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

/** The ids of the business types with these codes, and the codes no business type has. */
export async function businessTypeIds(db: Db, codes: string[]): Promise<{ ids: string[]; unknown: string[] }> {
  const found = await db.businessType.findMany({ where: { code: { in: codes } }, select: { id: true, code: true } });
  return { ids: found.map((b) => b.id), unknown: codes.filter((c) => !found.some((b) => b.code === c)) };
}

/** The ids of the fonds with these codes, and the codes no fonds has. */
export async function fondsIdsByCode(db: Db, codes: string[]): Promise<{ ids: string[]; unknown: string[] }> {
  const found = await db.fonds.findMany({ where: { code: { in: codes } }, select: { id: true, code: true } });
  return { ids: found.map((f) => f.id), unknown: codes.filter((c) => !found.some((f) => f.code === c)) };
}
