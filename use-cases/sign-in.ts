import { createHash, randomBytes } from 'node:crypto';
import argon2 from 'argon2';
import { recordAccessToken, userAccess, userAccessByToken, userByUsername, type UserAccess } from '../catalogue/users';
import { clearFailures, endExpiredLockOut, lockedUntil, recordFailure } from '../catalogue/sign-in-throttle';
import type { ApiContext } from '../api/context';
import type { Actor } from '../api/access';
import { audit } from '../catalogue/audit';
import { locked, unauthorised, type AppError } from '../api/errors';
import { secondFactorState, type SecondFactorState } from '../domain/roles';

const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

// Verifying against a real hash when the user is unknown keeps the reply time the same either way.
let decoyHash: Promise<string> | undefined;

/** What a sign-in asks for next: nothing, the second factor, or an enrolment first. */
export type SignInStatus = 'signed_in' | 'mfa_required' | 'mfa_enrolment_required';
export const SIGN_IN_STATUS: Record<SecondFactorState, SignInStatus> = {
  not_required: 'signed_in',
  verified: 'signed_in',
  required: 'mfa_required',
  enrolment_required: 'mfa_enrolment_required',
};

/**
 * Signs a user in with their password: a bearer token valid for the configured time, every attempt audited. For a
 * user who needs a second factor the token reads only until `POST /auth/mfa` (or a confirmed enrolment) completes
 * the sign-in. A locked user name is refused before its password is looked at, known or not.
 */
export async function login(
  ctx: ApiContext,
  { username, password, requestId }: { username: string; password: string; requestId: string },
): Promise<{ status: SignInStatus; token: string; expiresAt: Date; actor: Actor }> {
  const { db, config } = ctx;
  await refuseWhileLocked(ctx, username, 'auth.login', requestId);
  const user = await userByUsername(db, username);
  const ok = user?.active
    ? await argon2.verify(user.passwordHash, password)
    : await argon2.verify(await (decoyHash ??= argon2.hash(randomBytes(16))), password).then(() => false);
  if (!user || !ok) {
    await audit(db, { actor: username, action: 'auth.login', outcome: 'denied', reason: 'wrong username or password', requestId });
    await countFailure(ctx, username, requestId);
    throw unauthorised('the username or password is wrong');
  }
  await clearFailures(db, username);
  const token = randomBytes(32).toString('base64url');
  const expiresAt = new Date(Date.now() + config.api.tokenTtlMinutes * 60_000);
  await recordAccessToken(db, user.id, hashToken(token), expiresAt);
  const actor = actorOf(await userAccess(db, user.id), false)!;
  const status = SIGN_IN_STATUS[actor.secondFactor!];
  await audit(db, { actorId: user.id, actor: user.username, action: 'auth.login', outcome: 'done', requestId, details: { status } });
  return { status, token, expiresAt, actor };
}

/** The actor behind a bearer token, or a 401 naming what is wrong with it. */
export async function actorForToken({ db }: ApiContext, header: string | undefined): Promise<Actor> {
  const match = /^Bearer\s+([A-Za-z0-9_-]{20,})$/.exec(header ?? '');
  if (!match?.[1]) throw unauthorised();
  const user = await userAccessByToken(db, hashToken(match[1]));
  if (!user) throw unauthorised('the bearer token is not known; log in again');
  if (user.tokenRevokedAt) throw unauthorised('令牌已注销（已退出登录或被管理员吊销），请重新登录');
  if (user.tokenExpiresAt.getTime() <= Date.now()) throw unauthorised('the bearer token has expired; log in again');
  const actor = actorOf(user, Boolean(user.secondFactorAt));
  if (!actor) throw unauthorised('the account behind this token is disabled');
  return { ...actor, tokenId: user.tokenId };
}

function actorOf(user: UserAccess | undefined, passed: boolean): Actor | undefined {
  if (!user?.active) return undefined;
  const { active: _active, ...actor } = user;
  return { ...actor, secondFactor: secondFactorState(actor.roles, actor.mfaEnrolled, passed) };
}

/**
 * Refuses a sign-in step (password or second factor) of a locked user name with 423 and when to try again, the
 * refusal audited; a lock-out whose time has run out is ended first, and its end audited.
 */
export async function refuseWhileLocked(ctx: ApiContext, username: string, action: string, requestId: string): Promise<void> {
  if (await endExpiredLockOut(ctx.db, username))
    await audit(ctx.db, { actor: username, action: 'auth.unlock', outcome: 'done', reason: 'the lock-out period ended', requestId });
  const until = await lockedUntil(ctx.db, username);
  if (!until) return;
  await audit(ctx.db, { actor: username, action, outcome: 'denied', reason: `locked out until ${until.toISOString()}`, requestId });
  throw lockedOut(ctx, until);
}

/** Counts a failed step; the failure that reaches the limit locks the user name, is audited as such and answers 423. */
export async function countFailure(ctx: ApiContext, username: string, requestId: string): Promise<void> {
  const { failures, lockedUntil: until } = await recordFailure(ctx.db, username, ctx.config.signIn);
  if (!until) return;
  await audit(ctx.db, {
    actor: username,
    action: 'auth.lockout',
    outcome: 'done',
    reason: `${failures} failed sign-ins within ${ctx.config.signIn.windowMs / 60_000} minutes`,
    requestId,
    details: { failures, lockedUntil: until.toISOString() },
  });
  throw lockedOut(ctx, until);
}

function lockedOut(ctx: ApiContext, until: Date): AppError {
  const minutes = Math.max(1, Math.ceil((until.getTime() - Date.now()) / 60_000));
  const at = new Intl.DateTimeFormat('zh-CN', { timeZone: ctx.config.timeZone, hour: '2-digit', minute: '2-digit', hour12: false }).format(
    until,
  );
  return locked(`登录失败次数过多，账户已暂时锁定，请于 ${minutes} 分钟后（${at} 之后）再试`, until);
}
