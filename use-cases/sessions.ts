import { defineAbilityFor, type Actor } from '../api/access';
import { deny } from '../api/authorise';
import type { ApiContext } from '../api/context';
import { notFound } from '../api/errors';
import { audit } from '../catalogue/audit';
import { removeSecondFactor } from '../catalogue/second-factor';
import { endLockOut, lockOuts } from '../catalogue/sign-in-throttle';
import { revokeToken, revokeTokensOf, userAccounts, userById } from '../catalogue/users';

/** Logs out: the caller's token is revoked, and refused from the next request on. */
export async function logout(ctx: ApiContext, actor: Actor, requestId: string) {
  const revoked = await revokeToken(ctx.db, actor.tokenId!);
  await audit(ctx.db, { actorId: actor.id, actor: actor.username, action: 'auth.logout', outcome: 'done', requestId });
  return { revoked: revoked ? 1 : 0 };
}

/** The user an administrator acts on, after the check that they administer (audited when they do not). */
async function administeredUser(ctx: ApiContext, actor: Actor, userId: string, action: string, requestId: string) {
  if (!defineAbilityFor(actor).can('manage', 'User'))
    await deny(ctx, actor, 'manage', `user:${userId}`, `only administrators ${action}`, requestId);
  const user = await userById(ctx.db, userId);
  if (!user) throw notFound(`user ${userId}`);
  return user;
}

/** The accounts, for administrators: roles, whether enrolled for TOTP, how many tokens run, whether locked out. */
export async function accounts(ctx: ApiContext, actor: Actor, requestId: string) {
  if (!defineAbilityFor(actor).can('manage', 'User'))
    await deny(ctx, actor, 'manage', 'users', 'only administrators list accounts', requestId);
  const users = await userAccounts(ctx.db);
  const locks = await lockOuts(ctx.db);
  return users.map((u) => ({ ...u, lockedUntil: locks.get(u.username)?.toISOString() ?? null }));
}

/** An administrator revokes every token of a user (a lost laptop, a leaver): each is refused at once. */
export async function revokeTokensOfUser(ctx: ApiContext, actor: Actor, userId: string, requestId: string) {
  const user = await administeredUser(ctx, actor, userId, "revoke users' tokens", requestId);
  const revoked = await revokeTokensOf(ctx.db, user.id);
  await audit(ctx.db, {
    actorId: actor.id,
    actor: actor.username,
    action: 'auth.revoke_tokens',
    subject: `user:${user.username}`,
    outcome: 'done',
    requestId,
    details: { revoked },
  });
  return { revoked };
}

/** An administrator ends a user's lock-out before its time. */
export async function unlockUser(ctx: ApiContext, actor: Actor, userId: string, requestId: string) {
  const user = await administeredUser(ctx, actor, userId, 'unlock accounts', requestId);
  const unlocked = await endLockOut(ctx.db, user.username);
  if (unlocked)
    await audit(ctx.db, {
      actorId: actor.id,
      actor: actor.username,
      action: 'auth.unlock',
      subject: `user:${user.username}`,
      outcome: 'done',
      reason: 'unlocked by an administrator',
      requestId,
    });
  return { unlocked };
}

/**
 * An administrator takes away a user's authenticator and recovery codes (a lost phone with the codes gone too):
 * every token of theirs is revoked, and they enrol again at their next sign-in.
 */
export async function resetSecondFactor(ctx: ApiContext, actor: Actor, userId: string, requestId: string) {
  const user = await administeredUser(ctx, actor, userId, 'reset second factors', requestId);
  const removed = await removeSecondFactor(ctx.db, user.id);
  const revoked = await revokeTokensOf(ctx.db, user.id);
  await audit(ctx.db, {
    actorId: actor.id,
    actor: actor.username,
    action: 'auth.mfa_reset',
    subject: `user:${user.username}`,
    outcome: 'done',
    requestId,
    details: { removed, revoked },
  });
  return { removed, revoked };
}
