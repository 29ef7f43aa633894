import { createHash } from 'node:crypto';

export interface Digests {
  sha256: string;
  sm3: string;
}

/** Lower-case hex SHA-256 and SM3 (GB/T 32905) of one body, computed in a single pass over it. */
export function digestsOf(body: Buffer): Digests {
  return {
    sha256: createHash('sha256').update(body).digest('hex'),
    sm3: createHash('sm3').update(body).digest('hex'),
  };
}

/** S3 carries checksums as base64 of the raw digest, our records as hex. */
export function hexToBase64(hex: string): string {
  return Buffer.from(hex, 'hex').toString('base64');
}
