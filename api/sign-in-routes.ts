import { z } from 'zod';
import { login } from '../use-cases/sign-in';
import { completeSignIn, confirmEnrolment, startEnrolment } from '../use-cases/second-factor';
import { accounts, logout, resetSecondFactor, revokeTokensOfUser, unlockUser } from '../use-cases/sessions';
import type { ApiContext } from './context';
import { route, type Route } from './route';
import {
  EnrolmentConfirmed,
  EnrolmentStarted,
  LoggedOut,
  SecondFactorProof,
  SecondFactorReset,
  SignedIn,
  SignInCompleted,
  TokensRevoked,
  Unlocked,
  UserAccount,
} from './views/sign-in';

const requestId = (req: { id: unknown }) => String(req.id);
const userParams = z.object({ id: z.uuid('must be a user id (UUID)') });
const code = z.object({ code: z.string().regex(/^\d{6}$/, 'must be the 6 digits the authenticator shows') });

/** Sign-in with its second factor, enrolment, logout, and what administrators do to others' sessions. */
export function signInRoutes(ctx: ApiContext): Route[] {
  return [
    route({
      method: 'post',
      path: '/auth/login',
      tag: 'access',
      auth: false,
      summary:
        'Log in with username and password; returns a bearer token with its expiry, and whether the sign-in still needs its second factor',
      body: z.object({ username: z.string().min(1).max(100), password: z.string().min(1).max(200) }),
      response: { status: 200, description: 'Logged in (perhaps only as far as the second factor)', schema: SignedIn },
      errors: [401, 423],
      async handle({ req, body }) {
        const { status, token, expiresAt, actor } = await login(ctx, { ...body, requestId: requestId(req) });
        return {
          status,
          token,
          expiresAt: expiresAt.toISOString(),
          user: { username: actor.username, displayName: actor.displayName, roles: actor.roles },
        };
      },
    }),
    route({
      method: 'post',
      path: '/auth/mfa',
      tag: 'access',
      auth: true,
      summary: "Complete this token's sign-in with a TOTP code or an unused recovery code",
      body: SecondFactorProof,
      response: { status: 200, description: 'Signed in: the token has every ability of its roles', schema: SignInCompleted },
      errors: [409, 423],
      handle: ({ req, actor, body }) => completeSignIn(ctx, actor, body, requestId(req)),
    }),
    route({
      method: 'post',
      path: '/auth/mfa/enrolment',
      tag: 'access',
      auth: true,
      summary: 'Start enrolling a TOTP authenticator: a new secret and its otpauth:// URI (issuer 兰台)',
      response: { status: 201, description: 'Enrolment started; confirm it with the first code', schema: EnrolmentStarted },
      errors: [409],
      async handle({ req, res, actor }) {
        const started = await startEnrolment(ctx, actor, requestId(req));
        res.status(201).json(started);
        return started;
      },
    }),
    route({
      method: 'post',
      path: '/auth/mfa/enrolment/confirm',
      tag: 'access',
      auth: true,
      summary: "Confirm the enrolment with the authenticator's first code; returns ten one-time recovery codes, shown this once",
      body: code,
      response: { status: 200, description: 'Enrolled, and this sign-in completed', schema: EnrolmentConfirmed },
      errors: [409, 423],
      handle: ({ req, actor, body }) => confirmEnrolment(ctx, actor, body.code, requestId(req)),
    }),
    route({
      method: 'post',
      path: '/auth/logout',
      tag: 'access',
      auth: true,
      summary: 'Log out: the bearer token is revoked and refused from the next request on',
      response: { status: 200, description: 'Logged out', schema: LoggedOut },
      handle: ({ req, actor }) => logout(ctx, actor, requestId(req)),
    }),
    route({
      method: 'get',
      path: '/users',
      tag: 'access',
      auth: true,
      summary: 'The accounts (administrators): roles, TOTP enrolment, running tokens, lock-outs',
      response: { status: 200, description: 'Accounts by username', schema: z.array(UserAccount) },
      handle: ({ req, actor }) => accounts(ctx, actor, requestId(req)),
    }),
    route({
      method: 'post',
      path: '/users/:id/revoke-tokens',
      tag: 'access',
      auth: true,
      summary: 'Revoke every token of a user (administrators); each is refused at once',
      params: userParams,
      errors: [404],
      response: { status: 200, description: 'Revoked', schema: TokensRevoked },
      handle: ({ req, actor, params }) => revokeTokensOfUser(ctx, actor, params.id, requestId(req)),
    }),
    route({
      method: 'post',
      path: '/users/:id/unlock',
      tag: 'access',
      auth: true,
      summary: "End a user's lock-out after failed sign-ins before its time (administrators)",
      params: userParams,
      errors: [404],
      response: { status: 200, description: 'Unlocked, or was not locked', schema: Unlocked },
      handle: ({ req, actor, params }) => unlockUser(ctx, actor, params.id, requestId(req)),
    }),
    route({
      method: 'post',
      path: '/users/:id/mfa/reset',
      tag: 'access',
      auth: true,
      summary: "Take away a user's authenticator and recovery codes and revoke their tokens (administrators); they enrol again",
      params: userParams,
      errors: [404],
      response: { status: 200, description: 'Reset', schema: SecondFactorReset },
      handle: ({ req, actor, params }) => resetSecondFactor(ctx, actor, params.id, requestId(req)),
    }),
  ];
}
