import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '../generated/prisma/client';

export type Db = PrismaClient;
export * from '../generated/prisma/client';

// No JIT: PostgreSQL compiles a query it expects to be large, and a search it overestimates paid 50 ms of
// compiling for 4 ms of work (measured at 10^6 items); the catalogue's statements are short.
export function createDb(databaseUrl: string, { poolSize = 10 } = {}): Db {
  return new PrismaClient({ adapter: new PrismaPg({ connectionString: databaseUrl, max: poolSize, options: '-c jit=off' }) });
}
