import type { Db } from '../prisma/client';

export interface DataKeyWrapping {
  dataKeyId: string;
  kekId: string;
  wrappedKey: Buffer;
  bucket: string;
  key: string;
  versionId: string;
}

/** The newest wrapping a key rotation made of a data key, if any. */
export async function rewrappedDataKey(db: Db, dataKeyId: string): Promise<{ kekId: string; wrappedKey: Buffer } | undefined> {
  const row = await db.dataKeyWrapping.findUnique({ where: { dataKeyId }, select: { kekId: true, wrappedKey: true } });
  return row ? { kekId: row.kekId, wrappedKey: Buffer.from(row.wrappedKey) } : undefined;
}

/** Keeps a data key's new wrapping in place of any before it. */
export async function keepDataKeyWrapping(db: Db, w: DataKeyWrapping): Promise<void> {
  const data = { ...w, wrappedKey: new Uint8Array(w.wrappedKey), wrappedAt: new Date() };
  await db.dataKeyWrapping.upsert({ where: { dataKeyId: w.dataKeyId }, create: data, update: data });
}

/** How many data keys each KEK wraps in the catalogue. */
export async function wrappingsByKek(db: Db): Promise<Map<string, number>> {
  const rows = await db.dataKeyWrapping.groupBy({ by: ['kekId'], _count: { _all: true } });
  return new Map(rows.map((r) => [r.kekId, r._count._all]));
}
