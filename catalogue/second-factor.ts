import type { Db } from '../prisma/client';

/** A user's TOTP enrolment, confirmed or waiting for its first code. */
export function totpEnrolmentOf(db: Db, userId: string) {
  return db.totpEnrolment.findUnique({ where: { userId } });
}

/** Starts (or starts again) an enrolment not yet confirmed, with a new secret. */
export async function startTotpEnrolment(db: Db, userId: string, secret: string): Promise<void> {
  await db.totpEnrolment.upsert({ where: { userId }, create: { userId, secret }, update: { secret, lastStep: null } });
}

/**
 * Takes the time step of a code once: true only if no code of this step or a later one was accepted before, so two
 * sign-ins racing with the same code cannot both pass. `confirm` also confirms a waiting enrolment.
 */
export async function takeTotpStep(db: Db, userId: string, step: number, { confirm }: { confirm: boolean }): Promise<boolean> {
  const taken = await db.$executeRaw`
    UPDATE totp_enrolment SET last_step = ${step},
      confirmed_at = CASE WHEN ${confirm} THEN COALESCE(confirmed_at, now()) ELSE confirmed_at END
    WHERE user_id = ${userId}::uuid AND (last_step IS NULL OR last_step < ${step})
      AND (confirmed_at IS NOT NULL) = ${!confirm}`;
  return taken === 1;
}

/** Replaces a user's recovery codes by these (as hashes). */
export async function replaceRecoveryCodes(db: Db, userId: string, hashes: string[]): Promise<void> {
  await db.$transaction([
    db.recoveryCode.deleteMany({ where: { userId } }),
    db.recoveryCode.createMany({ data: hashes.map((codeHash) => ({ userId, codeHash })) }),
  ]);
}

/** Uses up a recovery code: true only the first time, however many sign-ins race with it. */
export async function useRecoveryCode(db: Db, userId: string, codeHash: string): Promise<boolean> {
  const { count } = await db.recoveryCode.updateMany({ where: { userId, codeHash, usedAt: null }, data: { usedAt: new Date() } });
  return count === 1;
}

export function recoveryCodesLeft(db: Db, userId: string): Promise<number> {
  return db.recoveryCode.count({ where: { userId, usedAt: null } });
}

/** Takes a user's authenticator and recovery codes away (an administrator's reset after a lost phone). */
export async function removeSecondFactor(db: Db, userId: string): Promise<boolean> {
  const [codes, enrolment] = await db.$transaction([
    db.recoveryCode.deleteMany({ where: { userId } }),
    db.totpEnrolment.deleteMany({ where: { userId } }),
  ]);
  return codes.count + enrolment.count > 0;
}
