import { createHash, randomBytes } from 'node:crypto';
import argon2 from 'argon2';
import { recordAccessToken, userAccess, userAccessByToken, userByUsername, type UserAccess } from '../catalogue/users';
import type { ApiContext } from '../api/context';
import type { Actor } from '../api/access';
import { audit } from '../catalogue/audit';
import { unauthorised } from '../api/errors';

const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

// Verifying against a real hash when the user is unknown keeps the reply time the same either way.
let decoyHash: Promise<string> | undefined;

/** Signs a user in with their password: a bearer token valid for the configured time, every attempt audited. */
export async function login(
  { db, config }: ApiContext,
  { username, password, requestId }: { username: string; password: string; requestId: string },
): Promise<{ token: string; expiresAt: Date; actor: Actor }> {
  const user = await userByUsername(db, username);
  const ok = user?.active
    ? await argon2.verify(user.passwordHash, password)
    : await argon2.verify(await (decoyHash ??= argon2.hash(randomBytes(16))), password).then(() => false);
  if (!user || !ok) {
    await audit(db, { actor: username, action: 'auth.login', outcome: 'denied', reason: 'wrong username or password', requestId });
    throw unauthorised('the username or password is wrong');
  }
  const token = randomBytes(32).toString('base64url');
  const expiresAt = new Date(Date.now() + config.api.tokenTtlMinutes * 60_000);
  await recordAccessToken(db, user.id, hashToken(token), expiresAt);
  await audit(db, { actorId: user.id, actor: user.username, action: 'auth.login', outcome: 'done', requestId });
  return { token, expiresAt, actor: actorOf(await userAccess(db, user.id))! };
}

/** The actor behind a bearer token, or a 401 naming what is wrong with it. */
export async function actorForToken({ db }: ApiContext, header: string | undefined): Promise<Actor> {
  const match = /^Bearer\s+([A-Za-z0-9_-]{20,})$/.exec(header ?? '');
  if (!match?.[1]) throw unauthorised();
  const user = await userAccessByToken(db, hashToken(match[1]));
  if (!user) throw unauthorised('the bearer token is not known; log in again');
  if (user.tokenExpiresAt.getTime() <= Date.now()) throw unauthorised('the bearer token has expired; log in again');
  const actor = actorOf(user);
  if (!actor) throw unauthorised('the account behind this token is disabled');
  return actor;
}

function actorOf(user: UserAccess | undefined): Actor | undefined {
  if (!user?.active) return undefined;
  const { active: _active, ...actor } = user;
  return actor;
}
