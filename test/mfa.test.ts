import { randomBytes, randomUUID } from 'node:crypto';
import argon2 from 'argon2';
import { registerCase } from '../catalogue/registration';
import type { Role } from '../domain/roles';
import { recoveryCodeHash } from '../domain/recovery-code';
import { base32Decode, base32Encode, hotp, stepOfCode, timeStep, totp } from '../domain/totp';
import { apiHarness, caseFor } from './helpers';

const PASSWORD = 'mfa-test-password';
type ErrorReply = { error: { code: string; message: string; details?: { retryAfterSeconds?: number; lockedUntil?: string } } };
type SignedIn = { status: string; token: string };

let env: Awaited<ReturnType<typeof apiHarness>>;

beforeAll(async () => {
  env = await apiHarness({ users: ['admin'], worker: false });
});
afterAll(() => env.close());

/** A user of this test's own in fonds J001, so the demo users' sign-ins are left as they are. */
async function newUser(roles: Role[]) {
  const fonds = await env.h.db.fonds.findUniqueOrThrow({ where: { code: 'J001' } });
  return env.h.db.user.create({
    data: {
      username: `mfa-${roles[0]}-${randomBytes(4).toString('hex')}`,
      displayName: '测试用户',
      roles,
      clearance: 'secret',
      passwordHash: await argon2.hash(PASSWORD),
      fonds: { create: [{ fondsId: fonds.id }] },
    },
  });
}

const login = (username: string, password = PASSWORD) =>
  env.client.call<SignedIn & ErrorReply>('POST', '/auth/login', { body: { username, password } });

async function registeredItem(): Promise<string> {
  const { item } = await registerCase(env.h.db, caseFor({ securityLevel: 'internal' }) as Parameters<typeof registerCase>[1], {
    name: 'business-system',
  });
  return item.id;
}

const placeHold = (token: string, itemId: string) =>
  env.client.call<ErrorReply>('POST', `/items/${itemId}/holds`, { token, body: { kind: 'audit', reason: '审计检查' } });

async function auditOf(actor: string, action?: string) {
  return env.h.db.auditEvent.findMany({ where: { actor, ...(action ? { action } : {}) }, orderBy: { id: 'asc' } });
}

/** Enrols a user through the API: returns the secret, the recovery codes and the sign-in's token. */
async function enrol(username: string) {
  const { body } = await login(username);
  const started = await env.client.call<{ secret: string; otpauthUri: string }>('POST', '/auth/mfa/enrolment', { token: body.token });
  const confirmed = await env.client.call<{ recoveryCodes: string[] }>('POST', '/auth/mfa/enrolment/confirm', {
    token: body.token,
    body: { code: totp(base32Decode(started.body.secret), Date.now()) },
  });
  expect(confirmed.status).toBe(200);
  return { secret: started.body.secret, recoveryCodes: confirmed.body.recoveryCodes, token: body.token };
}

/** The code of the step after the newest one the user's authenticator was accepted for: not used yet, within the tolerance. */
async function freshCode(userId: string, secret: string): Promise<string> {
  const enrolment = await env.h.db.totpEnrolment.findUniqueOrThrow({ where: { userId } });
  const step = Math.max(Number(enrolment.lastStep) + 1, timeStep(Date.now()));
  return hotp(base32Decode(secret), step);
}

describe('TOTP (RFC 6238)', () => {
  it('gives the SHA-1 test vectors of RFC 6238 appendix B', () => {
    const secret = Buffer.from('12345678901234567890', 'ascii');
    const vectors: [number, string][] = [
      [59, '94287082'],
      [1111111109, '07081804'],
      [1111111111, '14050471'],
      [1234567890, '89005924'],
      [2000000000, '69279037'],
      [20000000000, '65353130'],
    ];
    for (const [seconds, code] of vectors) expect(totp(secret, seconds * 1000, 8)).toBe(code);
  });

  it('reads and writes base32 as RFC 4648 does', () => {
    expect(base32Encode(Buffer.from('foobar'))).toBe('MZXW6YTBOI');
    expect(base32Decode('MZXW6YTBOI').toString()).toBe('foobar');
    expect(base32Decode('mzxw6ytboi======').toString()).toBe('foobar');
  });

  it('takes the codes of the step before and after, and no other', () => {
    const secret = base32Encode(randomBytes(20));
    const now = Date.now();
    const step = timeStep(now);
    for (const s of [step - 1, step, step + 1]) expect(stepOfCode(secret, hotp(base32Decode(secret), s), now)).toBe(s);
    expect(stepOfCode(secret, hotp(base32Decode(secret), step - 2), now)).toBeUndefined();
    expect(stepOfCode(secret, hotp(base32Decode(secret), step + 2), now)).toBeUndefined();
    expect(stepOfCode(secret, 'abcdef', now)).toBeUndefined();
  });
});

describe('multi-factor sign-in', () => {
  it('enrols a compliance officer, who may place a hold only once the sign-in has passed its second factor', async () => {
    const user = await newUser(['compliance_officer']);
    const itemId = await registeredItem();
    const first = await login(user.username);
    expect(first.status).toBe(200);
    expect(first.body.status).toBe('mfa_enrolment_required');
    const me = await env.client.call<{ secondFactor: string }>('GET', '/me', { token: first.body.token });
    expect(me.body.secondFactor).toBe('enrolment_required');
    // Before: reading is allowed, holding is not, and the refusal is audited.
    expect((await env.client.call('GET', `/items/${itemId}/holds`, { token: first.body.token })).status).toBe(200);
    const refused = await placeHold(first.body.token, itemId);
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('second_factor_enrolment_required');
    expect(refused.body.error.message).toMatch(/双因素认证/);
    const denial = (await auditOf(user.username, 'hold')).at(-1);
    expect(denial).toMatchObject({ outcome: 'denied', subject: `item:${itemId}` });
    expect(denial?.reason).toMatch(/second factor/);

    const started = await env.client.call<{ secret: string; otpauthUri: string }>('POST', '/auth/mfa/enrolment', {
      token: first.body.token,
    });
    expect(started.status).toBe(201);
    expect(started.body.secret).toMatch(/^[A-Z2-7]{32}$/);
    const uri = new URL(started.body.otpauthUri);
    expect(uri.protocol).toBe('otpauth:');
    expect(uri.host).toBe('totp');
    expect(decodeURIComponent(uri.pathname)).toBe(`/兰台:${user.username}`);
    expect(uri.searchParams.get('issuer')).toBe('兰台');
    expect(uri.searchParams.get('secret')).toBe(started.body.secret);
    expect(uri.searchParams.get('digits')).toBe('6');
    expect(uri.searchParams.get('period')).toBe('30');

    const secret = base32Decode(started.body.secret);
    const wrong = String((Number(totp(secret, Date.now())) + 1) % 1_000_000).padStart(6, '0');
    const refusedCode = await env.client.call<ErrorReply>('POST', '/auth/mfa/enrolment/confirm', {
      token: first.body.token,
      body: { code: wrong },
    });
    expect(refusedCode.status).toBe(401);
    expect(refusedCode.body.error.code).toBe('second_factor_wrong');
    expect((await placeHold(first.body.token, itemId)).status).toBe(403);

    const confirmed = await env.client.call<{ status: string; recoveryCodes: string[] }>('POST', '/auth/mfa/enrolment/confirm', {
      token: first.body.token,
      body: { code: totp(secret, Date.now()) },
    });
    expect(confirmed.status).toBe(200);
    expect(confirmed.body.recoveryCodes).toHaveLength(10);
    expect(new Set(confirmed.body.recoveryCodes).size).toBe(10);
    for (const c of confirmed.body.recoveryCodes) expect(c).toMatch(/^[a-z2-7]{4}(-[a-z2-7]{4}){3}$/);
    // Kept as hashes only.
    const stored = await env.h.db.recoveryCode.findMany({ where: { userId: user.id } });
    expect(stored.map((s) => s.codeHash).sort()).toEqual(confirmed.body.recoveryCodes.map(recoveryCodeHash).sort());
    expect(JSON.stringify(stored)).not.toContain(confirmed.body.recoveryCodes[0]!);

    expect((await placeHold(first.body.token, itemId)).status).toBe(201);
    expect((await env.client.call<{ secondFactor: string }>('GET', '/me', { token: first.body.token })).body.secondFactor).toBe('verified');
    // Enrolled once: a second enrolment is refused, the secret stays.
    expect((await env.client.call('POST', '/auth/mfa/enrolment', { token: first.body.token })).status).toBe(409);
  });

  it('asks an enrolled user for a code at every sign-in, refuses a wrong or reused one, and takes the next', async () => {
    const user = await newUser(['agency_head']);
    const { secret } = await enrol(user.username);
    const itemId = await registeredItem();
    const again = await login(user.username);
    expect(again.body.status).toBe('mfa_required');
    const refused = await placeHold(again.body.token, itemId);
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('second_factor_required');

    const mfa = (body: unknown) => env.client.call<ErrorReply & { status: string }>('POST', '/auth/mfa', { token: again.body.token, body });
    const wrong = await mfa({ code: '000000' === totp(base32Decode(secret), Date.now()) ? '111111' : '000000' });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error.code).toBe('second_factor_wrong');
    // The code the enrolment was confirmed with: its step was taken.
    const enrolment = await env.h.db.totpEnrolment.findUniqueOrThrow({ where: { userId: user.id } });
    const reused = await mfa({ code: hotp(base32Decode(secret), Number(enrolment.lastStep)) });
    expect(reused.status).toBe(401);
    const reasons = (await auditOf(user.username, 'auth.second_factor')).map((e) => e.reason);
    expect(reasons).toEqual(['wrong TOTP code', 'TOTP code already used']);
    expect(await env.h.db.signInThrottle.findUnique({ where: { username: user.username } })).toMatchObject({ failures: 2 });

    const code = await freshCode(user.id, secret);
    const ok = await mfa({ code });
    expect(ok.status).toBe(200);
    expect(ok.body.status).toBe('signed_in');
    expect((await placeHold(again.body.token, itemId)).status).toBe(201);
    // Success forgets the failures; the same code does not open a second sign-in.
    expect(await env.h.db.signInThrottle.findUnique({ where: { username: user.username } })).toBeNull();
    const third = await login(user.username);
    expect((await env.client.call('POST', '/auth/mfa', { token: third.body.token, body: { code } })).status).toBe(401);
    expect((await env.client.call('POST', '/auth/mfa', { token: again.body.token, body: { code } })).status).toBe(409);
  });

  it('takes a recovery code once', async () => {
    const user = await newUser(['archive_manager']);
    const { recoveryCodes } = await enrol(user.username);
    const first = await login(user.username);
    const used = await env.client.call<{ recoveryCodesLeft: number; method: string }>('POST', '/auth/mfa', {
      token: first.body.token,
      body: { recoveryCode: recoveryCodes[3]!.toUpperCase() },
    });
    expect(used.status).toBe(200);
    expect(used.body).toMatchObject({ method: 'recovery_code', recoveryCodesLeft: 9 });
    const second = await login(user.username);
    const again = await env.client.call<ErrorReply>('POST', '/auth/mfa', {
      token: second.body.token,
      body: { recoveryCode: recoveryCodes[3] },
    });
    expect(again.status).toBe(401);
    expect((await auditOf(user.username, 'auth.second_factor')).map((e) => [e.outcome, e.reason])).toEqual([
      ['done', null],
      ['denied', 'wrong or used recovery code'],
    ]);
    const bad = await env.client.call<ErrorReply>('POST', '/auth/mfa', { token: second.body.token, body: { recoveryCode: 'not a code' } });
    expect(bad.status).toBe(400);
  });

  it('asks nothing more of a clerk, who has no role that needs it', async () => {
    const user = await newUser(['clerk']);
    const r = await login(user.username);
    expect(r.body.status).toBe('signed_in');
    expect((await env.client.call<{ secondFactor: string }>('GET', '/me', { token: r.body.token })).body.secondFactor).toBe('not_required');
  });
});

describe('lock-out', () => {
  it('locks a user name after 5 failures in the window, known or not, with the same answer; every step audited', async () => {
    const user = await newUser(['clerk']);
    const unknown = `nobody-${randomBytes(4).toString('hex')}`;
    const answers: Record<string, { status: number; code: string }[]> = {};
    for (const name of [user.username, unknown]) {
      answers[name] = [];
      for (let i = 0; i < 5; i += 1) {
        const r = await login(name, 'wrong password');
        answers[name].push({ status: r.status, code: r.body.error.code });
      }
    }
    const expected = [...Array.from({ length: 4 }, () => ({ status: 401, code: 'unauthorised' })), { status: 423, code: 'locked' }];
    expect(answers[user.username]).toEqual(expected);
    expect(answers[unknown]).toEqual(expected);

    // Locked: even the right password is refused, with when to try again, and an unknown name reads the same.
    const right = await login(user.username);
    const stranger = await login(unknown);
    for (const r of [right, stranger]) {
      expect(r.status).toBe(423);
      expect(r.body.error.message).toMatch(/登录失败次数过多，账户已暂时锁定，请于 15 分钟后/);
      expect(r.body.error.details!.retryAfterSeconds).toBeGreaterThan(890);
      expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(890);
    }
    const withoutTime = (m: string) => m.replace(/\d\d:\d\d/, 'HH:MM');
    expect(withoutTime(right.body.error.message)).toBe(withoutTime(stranger.body.error.message));

    const trail = await auditOf(user.username);
    expect(trail.map((e) => [e.action, e.outcome])).toEqual([
      ...Array.from({ length: 5 }, () => ['auth.login', 'denied']),
      ['auth.lockout', 'done'],
      ['auth.login', 'denied'],
    ]);
    expect(trail[5]!.reason).toBe('5 failed sign-ins within 15 minutes');
    expect(trail[6]!.reason).toMatch(/^locked out until/);
    expect((await auditOf(unknown, 'auth.lockout')).length).toBe(1);

    // An administrator (after their own second factor, which the helper completed) unlocks it.
    const users = await env.client.call<{ id: string; username: string; lockedUntil: string | null }[]>('GET', '/users', {
      token: env.tokens.admin,
    });
    expect(users.body.find((u) => u.username === user.username)?.lockedUntil).not.toBeNull();
    const unlocked = await env.client.call<{ unlocked: boolean }>('POST', `/users/${user.id}/unlock`, { token: env.tokens.admin });
    expect(unlocked.body.unlocked).toBe(true);
    expect((await auditOf('admin', 'auth.unlock')).at(-1)).toMatchObject({ subject: `user:${user.username}`, outcome: 'done' });
    expect((await login(user.username)).status).toBe(200);
  });

  it('ends a lock-out when its time has run out, and audits the unlock', async () => {
    const rule = env.h.config.signIn;
    env.h.config.signIn = { ...rule, maxFailures: 2, lockoutMs: 1500 };
    try {
      const user = await newUser(['clerk']);
      await login(user.username, 'wrong');
      expect((await login(user.username, 'wrong')).status).toBe(423);
      expect((await login(user.username)).status).toBe(423);
      await new Promise((r) => setTimeout(r, 1700));
      expect((await login(user.username)).status).toBe(200);
      const unlock = (await auditOf(user.username, 'auth.unlock')).at(-1);
      expect(unlock).toMatchObject({ outcome: 'done', reason: 'the lock-out period ended' });
    } finally {
      env.h.config.signIn = rule;
    }
  });

  it('counts wrong second factors too', async () => {
    const rule = env.h.config.signIn;
    env.h.config.signIn = { ...rule, maxFailures: 3 };
    try {
      const user = await newUser(['administrator']);
      await enrol(user.username);
      const { body } = await login(user.username);
      const tries = [];
      for (const code of ['000001', '000002', '000003', '000004']) {
        tries.push((await env.client.call('POST', '/auth/mfa', { token: body.token, body: { code } })).status);
      }
      expect(tries).toEqual([401, 401, 423, 423]);
      expect((await login(user.username)).status).toBe(423);
    } finally {
      env.h.config.signIn = rule;
    }
  });
});

describe('sessions', () => {
  it('logout revokes the token at once', async () => {
    const user = await newUser(['clerk']);
    const { body } = await login(user.username);
    expect((await env.client.call('GET', '/me', { token: body.token })).status).toBe(200);
    const out = await env.client.call<{ revoked: number }>('POST', '/auth/logout', { token: body.token });
    expect(out.body.revoked).toBe(1);
    const after = await env.client.call<ErrorReply>('GET', '/me', { token: body.token });
    expect(after.status).toBe(401);
    expect(after.body.error.message).toMatch(/令牌已注销/);
    expect((await auditOf(user.username, 'auth.logout')).length).toBe(1);
  });

  it('an administrator revokes every token of a user; before their own second factor, and for others, it is refused', async () => {
    const user = await newUser(['archivist']);
    const tokens = [(await login(user.username)).body.token, (await login(user.username)).body.token];
    const clerk = await newUser(['clerk']);
    const asClerk = await env.client.call<ErrorReply>('POST', `/users/${user.id}/revoke-tokens`, {
      token: (await login(clerk.username)).body.token,
    });
    expect(asClerk.status).toBe(403);
    expect((await auditOf(clerk.username, 'manage')).at(-1)).toMatchObject({ outcome: 'denied', subject: `user:${user.id}` });
    const newAdmin = await newUser(['administrator']);
    const beforeMfa = await env.client.call<ErrorReply>('POST', `/users/${user.id}/revoke-tokens`, {
      token: (await login(newAdmin.username)).body.token,
    });
    expect(beforeMfa.status).toBe(403);
    expect(beforeMfa.body.error.code).toBe('second_factor_enrolment_required');
    for (const token of tokens) expect((await env.client.call('GET', '/me', { token })).status).toBe(200);

    const revoked = await env.client.call<{ revoked: number }>('POST', `/users/${user.id}/revoke-tokens`, { token: env.tokens.admin });
    expect(revoked.status).toBe(200);
    expect(revoked.body.revoked).toBe(2);
    for (const token of tokens) expect((await env.client.call('GET', '/me', { token })).status).toBe(401);
    expect((await auditOf('admin', 'auth.revoke_tokens')).at(-1)).toMatchObject({
      subject: `user:${user.username}`,
      details: { revoked: 2 },
    });
    expect((await env.client.call('POST', `/users/${randomUUID()}/revoke-tokens`, { token: env.tokens.admin })).status).toBe(404);
  });

  it('an administrator resets a lost authenticator: the user enrols again', async () => {
    const user = await newUser(['compliance_officer']);
    const { token } = await enrol(user.username);
    const reset = await env.client.call<{ removed: boolean; revoked: number }>('POST', `/users/${user.id}/mfa/reset`, {
      token: env.tokens.admin,
    });
    expect(reset.body).toEqual({ removed: true, revoked: 1 });
    expect((await env.client.call('GET', '/me', { token })).status).toBe(401);
    expect((await login(user.username)).body.status).toBe('mfa_enrolment_required');
  });
});
