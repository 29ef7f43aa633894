/** The processing slip (综合处理单) as its barcode carries it. */

/** A slip QR payload: a JSON object, or `key=value` pairs separated by ';', '&' or new lines. */
export function parseSlipPayload(text: string): Record<string, string> | undefined {
  const t = text.trim();
  if (t.startsWith('{')) {
    try {
      const parsed = JSON.parse(t) as Record<string, unknown>;
      return Object.fromEntries(Object.entries(parsed).map(([k, v]) => [k, String(v)]));
    } catch {
      return undefined;
    }
  }
  if (!t.includes('=')) return undefined;
  return Object.fromEntries(
    t
      .split(/[;&\n]/)
      .map((pair) => pair.split('=').map((s) => s.trim()))
      .filter((kv) => kv.length === 2 && kv[0]) as [string, string][],
  );
}

/** A slip barcode carries the business case number, plainly (Code 128) or as `caseNumber` in a QR payload. */
export function slipCaseNumber(text: string): string | undefined {
  const fields = parseSlipPayload(text);
  if (fields) return fields.caseNumber;
  const plain = text.trim();
  return /^[\p{L}\p{N}._/-]{4,64}$/u.test(plain) ? plain : undefined;
}
