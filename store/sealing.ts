import { createCipheriv, createDecipheriv, randomBytes, randomUUID, type CipherGCMTypes } from 'node:crypto';

/**
 * Envelope encryption of a stored object with SM4 (GB/T 32907) in GCM mode: each object has a random data key,
 * which is wrapped (SM4-GCM too) by a key-encryption key (KEK) kept outside the store. A sealed object is
 *
 *   magic (8) | KEK id (16) | data key id (16) | wrapped data key: nonce (12), key (16), tag (16) | nonce (12) | ciphertext | tag (16)
 *
 * The header (everything before the ciphertext) is the ciphertext's additional data, so a changed byte anywhere
 * fails the tag. The object alone says which KEK opens it; once a rotation re-wraps its data key under a newer KEK,
 * the catalogue holds that wrapping (catalogue/data-keys.ts), since a locked version can never be rewritten.
 */
export const SEAL_ALGORITHM = 'SM4-GCM';
const MAGIC = Buffer.from('LTSM4G1\n', 'latin1');
// Node's types list only the AES modes as GCM ciphers; OpenSSL 3 runs SM4-GCM the same way (crypto.getCiphers() has it).
const SM4_GCM = 'sm4-gcm' as CipherGCMTypes;
const KEY_BYTES = 16;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const ID_BYTES = 16;
const WRAPPED_BYTES = NONCE_BYTES + KEY_BYTES + TAG_BYTES;
export const HEADER_BYTES = MAGIC.length + ID_BYTES + ID_BYTES + WRAPPED_BYTES + NONCE_BYTES;
/** What sealing adds to an object's size. */
export const SEAL_OVERHEAD = HEADER_BYTES + TAG_BYTES;

export interface Kek {
  /** 32 lower-case hex digits. */
  id: string;
  key: Buffer;
}

export interface SealHeader {
  kekId: string;
  /** A UUID. */
  dataKeyId: string;
  wrappedKey: Buffer;
}

/** The stored bytes fail their SM4-GCM tag: changed after they were written, or not Lantai's. */
export class SealBrokenError extends Error {
  override name = 'SealBrokenError';
}

/** Whether the bytes (a whole object, or its first bytes) begin with the envelope's magic. */
export function isSealed(stored: Buffer): boolean {
  return stored.length >= MAGIC.length && stored.subarray(0, MAGIC.length).equals(MAGIC);
}

export function seal(plaintext: Buffer, kek: Kek): { sealed: Buffer; header: SealHeader } {
  const dataKey = randomBytes(KEY_BYTES);
  const dataKeyId = randomUUID();
  const wrappedKey = wrapDataKey(dataKey, dataKeyId, kek);
  const nonce = randomBytes(NONCE_BYTES);
  const header = Buffer.concat([MAGIC, Buffer.from(kek.id, 'hex'), uuidBytes(dataKeyId), wrappedKey, nonce]);
  const cipher = createCipheriv(SM4_GCM, dataKey, nonce);
  cipher.setAAD(header);
  const sealed = Buffer.concat([header, cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
  return { sealed, header: { kekId: kek.id, dataKeyId, wrappedKey } };
}

/** The header of a sealed object (the first HEADER_BYTES bytes are enough). */
export function readHeader(stored: Buffer): SealHeader {
  if (stored.length < HEADER_BYTES || !stored.subarray(0, MAGIC.length).equals(MAGIC))
    throw new SealBrokenError('the stored bytes do not begin with the SM4 envelope header');
  let at = MAGIC.length;
  const kekId = stored.subarray(at, (at += ID_BYTES)).toString('hex');
  const dataKeyId = uuidOf(stored.subarray(at, (at += ID_BYTES)));
  const wrappedKey = Buffer.from(stored.subarray(at, at + WRAPPED_BYTES));
  return { kekId, dataKeyId, wrappedKey };
}

/** The plaintext of a sealed object, given its data key; a changed byte anywhere is a SealBrokenError. */
export function open(stored: Buffer, dataKey: Buffer): Buffer {
  if (stored.length < SEAL_OVERHEAD) throw new SealBrokenError('the stored object is shorter than its SM4 envelope');
  const header = stored.subarray(0, HEADER_BYTES);
  const nonce = header.subarray(HEADER_BYTES - NONCE_BYTES);
  const decipher = createDecipheriv(SM4_GCM, dataKey, nonce);
  decipher.setAAD(header);
  decipher.setAuthTag(stored.subarray(stored.length - TAG_BYTES));
  try {
    return Buffer.concat([decipher.update(stored.subarray(HEADER_BYTES, stored.length - TAG_BYTES)), decipher.final()]);
  } catch (err) {
    throw new SealBrokenError('the stored bytes fail their SM4-GCM tag: they were changed after they were written', { cause: err });
  }
}

/** The data key wrapped by a KEK: SM4-GCM with the data key's id as additional data, so a wrapping cannot be moved to another object. */
export function wrapDataKey(dataKey: Buffer, dataKeyId: string, kek: Kek): Buffer {
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv(SM4_GCM, kek.key, nonce);
  cipher.setAAD(uuidBytes(dataKeyId));
  return Buffer.concat([nonce, cipher.update(dataKey), cipher.final(), cipher.getAuthTag()]);
}

export function unwrapDataKey(wrapped: Buffer, dataKeyId: string, kek: Kek): Buffer {
  if (wrapped.length !== WRAPPED_BYTES) throw new SealBrokenError(`a wrapped data key is ${WRAPPED_BYTES} bytes, not ${wrapped.length}`);
  const decipher = createDecipheriv(SM4_GCM, kek.key, wrapped.subarray(0, NONCE_BYTES));
  decipher.setAAD(uuidBytes(dataKeyId));
  decipher.setAuthTag(wrapped.subarray(NONCE_BYTES + KEY_BYTES));
  try {
    return Buffer.concat([decipher.update(wrapped.subarray(NONCE_BYTES, NONCE_BYTES + KEY_BYTES)), decipher.final()]);
  } catch (err) {
    throw new SealBrokenError(
      `the data key ${dataKeyId} does not unwrap with KEK ${kek.id}: the wrapping or the KEK is not the one it was made with`,
      {
        cause: err,
      },
    );
  }
}

function uuidBytes(uuid: string): Buffer {
  return Buffer.from(uuid.replace(/-/g, ''), 'hex');
}

function uuidOf(bytes: Buffer): string {
  const h = bytes.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
