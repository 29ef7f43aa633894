import { RETENTION_RUNS_OUT } from '../catalogue/retention';
import { RETENTION_PERIODS, type RetentionPeriod } from '../domain/retention';
import { createDb, Prisma, type Db } from '../prisma/client';
import { testConfig } from './helpers';

let db: Db;
beforeAll(() => {
  db = createDb(testConfig().postgres.url, { poolSize: 1 });
});
afterAll(async () => {
  await db.$disconnect();
});

/** The rule as the catalogue applies it, over an item row of these values. */
async function runsOut(item: {
  period: RetentionPeriod;
  year: number;
  keptUntil?: string;
  madePermanent?: boolean;
}): Promise<string | null> {
  const [row] = await db.$queryRaw<{ due: string | null }[]>(Prisma.sql`
    SELECT to_char(${RETENTION_RUNS_OUT}, 'YYYY-MM-DD') AS due
    FROM (VALUES (${item.period}::"RetentionPeriod", ${item.year}::int, ${item.keptUntil ?? null}::date, ${item.madePermanent ?? false}::boolean))
      AS i(retention_period, year, kept_until, made_permanent)`);
  return row!.due;
}

describe('the retention rule in the catalogue', () => {
  it('lets each fixed period run out on 1 January of the year after formation plus the period, and a permanent one never', async () => {
    const expected: Record<RetentionPeriod, string | null> = {
      Y: null,
      D100: '2116-01-01',
      D50: '2066-01-01',
      D30: '2046-01-01',
      D10: '2026-01-01',
      D5: '2021-01-01',
    };
    for (const period of RETENTION_PERIODS)
      expect({ period, due: await runsOut({ period, year: 2015 }) }).toEqual({ period, due: expected[period] });
  });

  it('follows the committee: a kept item comes back at its new date, one made permanent never', async () => {
    for (const period of RETENTION_PERIODS.filter((p) => p !== 'Y')) {
      expect(await runsOut({ period, year: 2015, keptUntil: '2056-01-01' })).toBe('2056-01-01');
      expect(await runsOut({ period, year: 2015, madePermanent: true })).toBeNull();
      expect(await runsOut({ period, year: 2015, keptUntil: '2056-01-01', madePermanent: true })).toBeNull();
    }
  });

  it('keeps a permanent period for ever, whatever date it carries', async () => {
    expect(await runsOut({ period: 'Y', year: 1990, keptUntil: '2030-01-01' })).toBeNull();
  });
});
