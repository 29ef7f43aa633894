import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import { keyIdOf } from '../store/signing';
import { packageIdOf, type Found } from './carrier';
import { failure, messageOf } from './failure';
import { actualTotals, compareTotals, totalsIn } from './totals-rules';
import { PACKAGE_LAYOUT, recordPath, type PackageFailure } from './types';
import { child, children, textOf } from './xml';

/** The hand-over register: signed by the sender's SM2 key, and each entry true of the record it names. */
export function registerFailures(found: Found): PackageFailure[] {
  const failures = registerSignatureFailures(found);
  const register = found.docs.get(PACKAGE_LAYOUT.register);
  if (!register) return failures;
  const file = PACKAGE_LAYOUT.register;
  failures.push(...compareTotals('register-mismatch', file, totalsIn(register), actualTotals(found)));
  const id = packageIdOf(found);
  if (textOf(register, 'packageId') !== id)
    failures.push(
      failure('register-mismatch', `the register is for package ${textOf(register, 'packageId') ?? '(none)'}, not ${id ?? '(none)'}`, {
        file,
      }),
    );
  const present = new Map(found.records.map((r) => [r.dir, r]));
  const entries = children(child(register, 'records') ?? register, 'record');
  const registered = new Set<string>();
  for (const entry of entries) {
    const code = entry.attrs.archivalCode ?? '';
    const where = { archivalCode: code, file };
    registered.add(code);
    const record = present.get(code);
    if (!record) {
      failures.push(failure('register-mismatch', `the register lists ${code}, which is not in the package`, where));
      continue;
    }
    const metadata = found.facts.get(recordPath(code, 'metadata.xml'));
    const bytes = record.pages.reduce((sum, p) => sum + (found.listed.get(p) ?? 0), 0);
    if (metadata && entry.attrs.metadataSm3 !== metadata.sm3)
      failures.push(failure('register-mismatch', `the SM3 of ${code}/metadata.xml differs from the register's`, where));
    if (entry.attrs.files !== String(record.pages.length))
      failures.push(
        failure(
          'register-mismatch',
          `the register gives ${code} ${entry.attrs.files ?? 'no'} files, the package holds ${record.pages.length}`,
          where,
        ),
      );
    if (entry.attrs.bytes !== String(bytes))
      failures.push(
        failure('register-mismatch', `the register gives ${code} ${entry.attrs.bytes ?? 'no'} bytes, the package holds ${bytes}`, where),
      );
  }
  for (const code of present.keys())
    if (!registered.has(code))
      failures.push(
        failure('register-mismatch', `${code} is in the package but not in the hand-over register`, { archivalCode: code, file }),
      );
  return failures;
}

const SM2_CURVE_OID = Buffer.from('06082a811ccf5501822d', 'hex');

function registerSignatureFailures(found: Found): PackageFailure[] {
  const file = PACKAGE_LAYOUT.registerSignature;
  const register = found.bodies.get(PACKAGE_LAYOUT.register);
  const signature = found.bodies.get(file);
  const pem = found.bodies.get(PACKAGE_LAYOUT.signingKey);
  if (!register || !signature || !pem)
    return [
      failure('register-signature', 'the register, its signature or the signing key is missing, so the signature cannot be verified', {
        file,
      }),
    ];
  let key: KeyObject;
  try {
    key = createPublicKey(pem);
  } catch (err) {
    return [failure('register-signature', `signing-key.pem is not a public key: ${messageOf(err)}`, { file: PACKAGE_LAYOUT.signingKey })];
  }
  if (!isSm2Key(key)) return [failure('register-signature', 'signing-key.pem is not an SM2 key', { file: PACKAGE_LAYOUT.signingKey })];
  if (!verifiesQuietly(register, key, signature))
    return [
      failure(
        'register-signature',
        'the SM2 signature does not verify over handover-register.xml: the register was altered or signed by another key',
        { file },
      ),
    ];
  const trusted = found.options.trustedKeyPems;
  if (trusted && !trusted.some((p) => keyIdOf(createPublicKey(p)) === keyIdOf(key))) {
    return [
      failure(
        'register-signature',
        `the register is signed by key ${keyIdOf(key)}, which is not among the sender keys the receiver trusts`,
        { file },
      ),
    ];
  }
  return [];
}

function isSm2Key(key: KeyObject): boolean {
  return key.type === 'public' && key.export({ type: 'spki', format: 'der' }).includes(SM2_CURVE_OID);
}

function verifiesQuietly(data: Buffer, key: KeyObject, signature: Buffer): boolean {
  try {
    return verify('sm3', data, key, signature);
  } catch {
    return false;
  }
}
