import { createHash, randomBytes } from 'node:crypto';
import { base32Encode } from './totp';

/** How many recovery codes an enrolment hands out, each good for one sign-in. */
export const RECOVERY_CODES = 10;

/** A recovery code: 80 random bits as 16 base32 characters in groups of four, e.g. `k7q2-mx4a-…`. */
export function newRecoveryCode(): string {
  return base32Encode(randomBytes(10))
    .toLowerCase()
    .replace(/(.{4})(?!$)/g, '$1-');
}

/**
 * What is stored of a recovery code. 80 random bits are out of reach of a guess even at a fast hash's rate, so
 * SHA-256 serves where a password needs argon2; the code is read without its dashes and in either case.
 */
export const recoveryCodeHash = (code: string): string =>
  createHash('sha256').update(code.replace(/[-\s]/g, '').toUpperCase()).digest('hex');
