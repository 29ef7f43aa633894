import type { Actor } from '../api/access';
import type { ApiContext } from '../api/context';
import { AppError, conflict } from '../api/errors';
import { audit } from '../catalogue/audit';
import {
  recoveryCodesLeft,
  replaceRecoveryCodes,
  startTotpEnrolment,
  takeTotpStep,
  totpEnrolmentOf,
  useRecoveryCode,
} from '../catalogue/second-factor';
import { recordSecondFactor } from '../catalogue/users';
import { clearFailures } from '../catalogue/sign-in-throttle';
import { newRecoveryCode, RECOVERY_CODES, recoveryCodeHash } from '../domain/recovery-code';
import { newTotpSecret, otpauthUri, stepOfCode } from '../domain/totp';
import { countFailure, refuseWhileLocked } from './sign-in';

export type SecondFactorProof = { code: string } | { recoveryCode: string };

// A 401 with a code of its own, so a client tells a wrong code from a token that is not valid.
const secondFactorWrong = () => new AppError(401, 'second_factor_wrong', '动态口令或恢复码不正确，或已经用过；请输入新的口令');

/**
 * Completes a sign-in with its second factor: a TOTP code of the enrolled authenticator (each time step taken once)
 * or an unused recovery code (then used up). A wrong or reused one counts as a failed sign-in towards the lock-out.
 */
export async function completeSignIn(ctx: ApiContext, actor: Actor, proof: SecondFactorProof, requestId: string) {
  if (actor.secondFactor === 'verified') throw conflict('本次登录已完成双因素认证');
  if (!actor.mfaEnrolled) throw conflict('尚未绑定动态口令：请先绑定（POST /auth/mfa/enrolment）');
  await refuseWhileLocked(ctx, actor.username, 'auth.second_factor', requestId);
  const method: 'totp' | 'recovery_code' = 'code' in proof ? 'totp' : 'recovery_code';
  const refusal = 'code' in proof ? await takeCode(ctx, actor, proof.code) : await takeRecoveryCode(ctx, actor, proof.recoveryCode);
  if (refusal) {
    await audit(ctx.db, {
      actorId: actor.id,
      actor: actor.username,
      action: 'auth.second_factor',
      outcome: 'denied',
      reason: refusal,
      requestId,
    });
    await countFailure(ctx, actor.username, requestId);
    throw secondFactorWrong();
  }
  await recordSecondFactor(ctx.db, actor.tokenId!);
  await clearFailures(ctx.db, actor.username);
  const left = await recoveryCodesLeft(ctx.db, actor.id);
  await audit(ctx.db, {
    actorId: actor.id,
    actor: actor.username,
    action: 'auth.second_factor',
    outcome: 'done',
    requestId,
    details: { method, recoveryCodesLeft: left },
  });
  return { status: 'signed_in' as const, method, recoveryCodesLeft: left };
}

async function takeCode(ctx: ApiContext, actor: Actor, code: string): Promise<string | undefined> {
  const enrolment = await totpEnrolmentOf(ctx.db, actor.id);
  const step = enrolment ? stepOfCode(enrolment.secret, code, Date.now()) : undefined;
  if (step === undefined) return 'wrong TOTP code';
  return (await takeTotpStep(ctx.db, actor.id, step, { confirm: false })) ? undefined : 'TOTP code already used';
}

async function takeRecoveryCode(ctx: ApiContext, actor: Actor, code: string): Promise<string | undefined> {
  return (await useRecoveryCode(ctx.db, actor.id, recoveryCodeHash(code))) ? undefined : 'wrong or used recovery code';
}

/** Starts a TOTP enrolment: a new secret, as base32 and as the otpauth:// URI an authenticator app reads. */
export async function startEnrolment(ctx: ApiContext, actor: Actor, requestId: string) {
  if (actor.mfaEnrolled) throw conflict('已绑定动态口令；如需更换（例如手机丢失），请系统管理员重置');
  const secret = newTotpSecret();
  await startTotpEnrolment(ctx.db, actor.id, secret);
  await audit(ctx.db, {
    actorId: actor.id,
    actor: actor.username,
    action: 'auth.mfa_enrolment',
    outcome: 'done',
    reason: 'started',
    requestId,
  });
  return { secret, otpauthUri: otpauthUri(actor.username, secret) };
}

/**
 * Confirms an enrolment with the authenticator's first code: from then on the user signs in with it, and this
 * sign-in counts as having passed it. Returns the recovery codes, shown this once and kept only as hashes.
 */
export async function confirmEnrolment(ctx: ApiContext, actor: Actor, code: string, requestId: string) {
  if (actor.mfaEnrolled) throw conflict('已绑定动态口令');
  const enrolment = await totpEnrolmentOf(ctx.db, actor.id);
  if (!enrolment) throw conflict('没有待确认的绑定：请先开始绑定（POST /auth/mfa/enrolment）');
  await refuseWhileLocked(ctx, actor.username, 'auth.mfa_enrolment', requestId);
  const step = stepOfCode(enrolment.secret, code, Date.now());
  if (step === undefined || !(await takeTotpStep(ctx.db, actor.id, step, { confirm: true }))) {
    const reason = step === undefined ? 'wrong TOTP code' : 'TOTP code already used';
    await audit(ctx.db, { actorId: actor.id, actor: actor.username, action: 'auth.mfa_enrolment', outcome: 'denied', reason, requestId });
    await countFailure(ctx, actor.username, requestId);
    throw secondFactorWrong();
  }
  const recoveryCodes = Array.from({ length: RECOVERY_CODES }, newRecoveryCode);
  await replaceRecoveryCodes(ctx.db, actor.id, recoveryCodes.map(recoveryCodeHash));
  await recordSecondFactor(ctx.db, actor.tokenId!);
  await audit(ctx.db, {
    actorId: actor.id,
    actor: actor.username,
    action: 'auth.mfa_enrolment',
    outcome: 'done',
    reason: 'confirmed',
    requestId,
  });
  return { status: 'signed_in' as const, recoveryCodes };
}
