import type { Db } from '../prisma/client';

export interface ThrottleRule {
  maxFailures: number;
  windowMs: number;
  lockoutMs: number;
}

/** When a user name's lock-out ends, if it is locked now. */
export async function lockedUntil(db: Db, username: string): Promise<Date | undefined> {
  const row = await db.signInThrottle.findUnique({ where: { username } });
  return row?.lockedUntil && row.lockedUntil > new Date() ? row.lockedUntil : undefined;
}

/**
 * Ends a lock-out whose time has run out, once: true for the one caller that ended it (who records the unlock),
 * false when there was none to end.
 */
export async function endExpiredLockOut(db: Db, username: string): Promise<boolean> {
  const { count } = await db.signInThrottle.deleteMany({ where: { username, lockedUntil: { lte: new Date() } } });
  return count === 1;
}

/** Ends a lock-out now, whether its time ran out or not (an administrator's unlock); true if there was one. */
export async function endLockOut(db: Db, username: string): Promise<boolean> {
  const { count } = await db.signInThrottle.deleteMany({ where: { username, lockedUntil: { not: null } } });
  return count === 1;
}

/**
 * Counts a failed sign-in of a user name, in one statement so failures racing each other are all counted; the
 * failure that reaches the limit locks it. Returns the failures in the window and, when this one locked it, until when.
 */
export async function recordFailure(db: Db, username: string, rule: ThrottleRule): Promise<{ failures: number; lockedUntil?: Date }> {
  const windowStart = new Date(Date.now() - rule.windowMs);
  const lockUntil = new Date(Date.now() + rule.lockoutMs);
  const [row] = await db.$queryRaw<{ failures: number; locked_until: Date | null; locked_now: boolean }[]>`
    INSERT INTO sign_in_throttle AS t (username, failures, first_failure_at, locked_until)
    VALUES (${username}, 1, now(), CASE WHEN ${rule.maxFailures} <= 1 THEN ${lockUntil}::timestamptz END)
    ON CONFLICT (username) DO UPDATE SET
      failures = CASE WHEN t.first_failure_at < ${windowStart} THEN 1 ELSE t.failures + 1 END,
      first_failure_at = CASE WHEN t.first_failure_at < ${windowStart} THEN now() ELSE t.first_failure_at END,
      locked_until = CASE
        WHEN t.locked_until IS NOT NULL THEN t.locked_until
        WHEN (CASE WHEN t.first_failure_at < ${windowStart} THEN 1 ELSE t.failures + 1 END) >= ${rule.maxFailures} THEN ${lockUntil}::timestamptz
      END
    RETURNING failures, locked_until, (locked_until = ${lockUntil}::timestamptz) AS locked_now`;
  // Failures of names nobody tried again within the window are forgotten, so guessed names do not pile up.
  await db.signInThrottle.deleteMany({ where: { firstFailureAt: { lt: windowStart }, lockedUntil: null } });
  return { failures: row!.failures, lockedUntil: row!.locked_now ? row!.locked_until! : undefined };
}

/** Forgets a user name's failures after a successful sign-in. */
export async function clearFailures(db: Db, username: string): Promise<void> {
  await db.signInThrottle.deleteMany({ where: { username, lockedUntil: null } });
}

/** The user names locked now, with when each lock-out ends. */
export async function lockOuts(db: Db): Promise<Map<string, Date>> {
  const rows = await db.signInThrottle.findMany({ where: { lockedUntil: { gt: new Date() } } });
  return new Map(rows.map((r) => [r.username, r.lockedUntil!]));
}
