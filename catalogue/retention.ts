import { RETENTION_PERIODS, retentionYears } from '../domain/retention';
import { Prisma, type Db } from '../prisma/client';

const fixed = RETENTION_PERIODS.flatMap((p) => {
  const years = retentionYears(p);
  return years === null ? [] : [`WHEN '${p}' THEN ${years}`];
});
const permanent = RETENTION_PERIODS.filter((p) => retentionYears(p) === null).map((p) => `'${p}'`);

/**
 * The day an `item i` row's retention runs out, so that it may go before the appraisal committee; NULL when it is kept
 * for ever. A fixed period is a minimum counted from 1 January of the year after formation; an item the committee
 * kept comes back at the new date it set; a permanent item (period Y, or made permanent by a committee) never does.
 * This is the one place the rule is written: appraisal batches are opened by it and Object Lock retention is set to it.
 */
export const RETENTION_RUNS_OUT = Prisma.sql`(CASE WHEN i.made_permanent OR i.retention_period::text IN (${Prisma.raw(permanent.join(', '))}) THEN NULL
  ELSE COALESCE(i.kept_until, make_date(i.year + 1 + (CASE i.retention_period::text ${Prisma.raw(fixed.join(' '))} END), 1, 1)) END)`;

/** Of the given items, those whose retention runs out after `today`, with that day (YYYY-MM-DD). */
export async function retainedAfter(db: Db, itemIds: string[], today: string): Promise<{ id: string; due: string }[]> {
  if (itemIds.length === 0) return [];
  return db.$queryRaw<{ id: string; due: string }[]>`
    SELECT id, to_char(due, 'YYYY-MM-DD') AS due
    FROM (SELECT i.id::text AS id, ${RETENTION_RUNS_OUT} AS due FROM item i WHERE i.id = ANY(${itemIds}::uuid[])) d
    WHERE due > ${today}::date`;
}
