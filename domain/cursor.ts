/**
 * Keyset paging: a page ends with a cursor naming the sort key of its last row, and the next page starts after it.
 * Opaque to clients (base64url of JSON); a cursor that does not decode to the expected shape is refused.
 */
export function encodeCursor(key: readonly (string | number | null)[]): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

export function decodeCursor(cursor: string, length: number): (string | number | null)[] | null {
  try {
    const key: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (!Array.isArray(key) || key.length !== length) return null;
    return key.every((v) => v === null || typeof v === 'string' || typeof v === 'number') ? (key as (string | number | null)[]) : null;
  } catch {
    return null;
  }
}
