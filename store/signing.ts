import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/** An SM2 key that fixes captured pages: digests are signed at capture so later tampering shows. */
export interface Signer {
  keyId: string;
  publicKeyPem: string;
  sign(statement: string): string;
  /** DER SM2 signature (SM3 digest) over raw bytes, as `openssl pkeyutl -verify -rawin -digest sm3` checks it. */
  signBytes(data: Buffer): Buffer;
}

export const SIGNATURE_ALGORITHM = 'SM2-with-SM3';

/**
 * Loads the SM2 private key from `file`, creating it (mode 0600) on first use.
 * Keys are always loaded from PEM: a key straight from generateKeyPairSync is a plain EC key and
 * Node would sign with ECDSA; re-imported, OpenSSL treats it as SM2 and signs per GB/T 32918.
 */
export function loadOrCreateSigner(file: string): Signer {
  if (!fs.existsSync(file)) {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'SM2' });
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    fs.writeFileSync(file, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600, flag: 'wx' });
  }
  const privateKey = createPrivateKey(fs.readFileSync(file));
  const publicKey = createPublicKey(privateKey);
  return {
    keyId: keyIdOf(publicKey),
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    sign: (statement) => sign('sm3', Buffer.from(statement, 'utf8'), privateKey).toString('base64'),
    signBytes: (data) => sign('sm3', data, privateKey),
  };
}

export function keyIdOf(publicKey: KeyObject): string {
  return createHash('sm3')
    .update(publicKey.export({ type: 'spki', format: 'der' }))
    .digest('hex');
}

export function verifySignature(publicKeyPem: string, statement: string, signatureBase64: string): boolean {
  return verify('sm3', Buffer.from(statement, 'utf8'), createPublicKey(publicKeyPem), Buffer.from(signatureBase64, 'base64'));
}

export interface FixityFacts {
  itemId: string;
  pageNumber: number;
  bucket: string;
  key: string;
  size: number;
  sha256: string;
  sm3: string;
}

/** The text a page's signature covers: what the page is, where it is, and its digests. */
export function fixityStatement(f: FixityFacts): string {
  return [
    'lantai-page-fixity/1',
    `item:${f.itemId}`,
    `page:${f.pageNumber}`,
    `object:${f.bucket}/${f.key}`,
    `size:${f.size}`,
    `sha256:${f.sha256}`,
    `sm3:${f.sm3}`,
  ].join('\n');
}
