import { z } from 'zod';
import { ROLES } from '../../domain/roles';
import { isoTime } from './common';

export const SignedIn = z.object({
  status: z
    .enum(['signed_in', 'mfa_required', 'mfa_enrolment_required'])
    .describe(
      'signed_in: the token has every ability of its roles; mfa_required: send a TOTP code or a recovery code to POST /auth/mfa; ' +
        'mfa_enrolment_required: enrol an authenticator (POST /auth/mfa/enrolment) first. Until then the token only reads.',
    ),
  token: z.string(),
  expiresAt: z.string().meta({ format: 'date-time' }),
  user: z.object({ username: z.string(), displayName: z.string(), roles: z.array(z.enum(ROLES)) }),
});

export const SecondFactorProof = z.union([
  z.object({ code: z.string().regex(/^\d{6}$/, 'must be the 6 digits the authenticator shows') }).strict(),
  z
    .object({
      recoveryCode: z.string().regex(/^[A-Za-z2-7]{4}(-?[A-Za-z2-7]{4}){3}$/, 'must be a recovery code, e.g. abcd-efgh-ijkl-mnop'),
    })
    .strict(),
]);

export const SignInCompleted = z.object({
  status: z.literal('signed_in'),
  method: z.enum(['totp', 'recovery_code']),
  recoveryCodesLeft: z.number().int().describe('unused recovery codes; enrol again through an administrator before they run out'),
});

export const EnrolmentStarted = z.object({
  secret: z.string().describe('the shared secret, base32 (RFC 4648), for typing into an authenticator app'),
  otpauthUri: z.string().describe('otpauth://totp/兰台:<user>?… for a QR code; HMAC-SHA1, 6 digits, 30 s'),
});

export const EnrolmentConfirmed = z.object({
  status: z.literal('signed_in'),
  recoveryCodes: z.array(z.string()).describe('ten one-time recovery codes, shown this once: keep them apart from the phone'),
});

export const LoggedOut = z.object({ revoked: z.number().int() });

export const UserAccount = z.object({
  id: z.string(),
  username: z.string(),
  displayName: z.string(),
  roles: z.array(z.enum(ROLES)),
  active: z.boolean(),
  mfaEnrolled: z.boolean(),
  activeTokens: z.number().int().describe('tokens not expired nor revoked'),
  lockedUntil: isoTime.nullable().describe('set while the account is locked out after failed sign-ins'),
});

export const TokensRevoked = z.object({ revoked: z.number().int().describe('tokens that were running and are now refused') });
export const Unlocked = z.object({ unlocked: z.boolean().describe('false: the account was not locked') });
export const SecondFactorReset = z.object({ removed: z.boolean(), revoked: z.number().int() });
