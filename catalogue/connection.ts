import type { Db } from '../prisma/client';

/** Resolves once PostgreSQL answers a query. */
export async function catalogueAnswers(db: Db): Promise<void> {
  await db.$queryRaw`SELECT 1`;
}
