import type { Db } from '../prisma/client';

/** The fonds with this code (全宗号), or null. */
export function fondsByCode(db: Db, code: string) {
  return db.fonds.findUnique({ where: { code } });
}
