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

export interface LockToSet {
  id: string;
  /** YYYY-MM-DD */
  until: string;
  mode: 'GOVERNANCE' | 'COMPLIANCE';
}

/**
 * The Object Lock each of the given items' pages should now get. An item of a fixed period whose retention runs
 * out after `today` is kept in governance mode until that day (when `fixed`). A permanent item is kept in compliance
 * mode, which nobody can shorten or lift, for a rolling window up to `renewTo`; it is given again only once the
 * date last set falls before `renewBefore`, so a periodic inventory renews each item about once per half window.
 */
export async function locksToSet(
  db: Db,
  itemIds: string[],
  { today, renewBefore, renewTo, fixed }: { today: string; renewBefore: string; renewTo: string; fixed: boolean },
): Promise<LockToSet[]> {
  if (itemIds.length === 0) return [];
  return db.$queryRaw<LockToSet[]>`
    SELECT id, to_char(COALESCE(due, ${renewTo}::date), 'YYYY-MM-DD') AS until,
           CASE WHEN due IS NULL THEN 'COMPLIANCE' ELSE 'GOVERNANCE' END AS mode
    FROM (SELECT i.id::text AS id, ${RETENTION_RUNS_OUT} AS due, i.locked_until FROM item i WHERE i.id = ANY(${itemIds}::uuid[])) d
    WHERE (due IS NULL AND (locked_until IS NULL OR locked_until < ${renewBefore}::date))
       OR (${fixed} AND due > ${today}::date)`;
}

/** Records the Object Lock dates just given to the items' pages. */
export async function recordLocks(db: Db, locks: { id: string; until: string }[]): Promise<void> {
  if (locks.length === 0) return;
  await db.$executeRaw`
    UPDATE item i SET locked_until = l.until
    FROM unnest(${locks.map((l) => l.id)}::uuid[], ${locks.map((l) => l.until)}::date[]) AS l(id, until)
    WHERE i.id = l.id`;
}
