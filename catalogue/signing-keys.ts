import type { Db } from '../prisma/client';

/** Records the public half of a signing key, once, so every signature it makes can be checked later. */
export async function recordSigningKey(db: Db, key: { id: string; algorithm: string; publicKeyPem: string }): Promise<void> {
  await db.signingKey.upsert({ where: { id: key.id }, update: {}, create: key });
}
