/**
 * Search text as the catalogue indexes it (migration 0009: lantai_search_chars): lower case, and only digits, Latin
 * letters and CJK ideographs kept, so a query matches across spaces, punctuation and line breaks.
 */
const KEPT = /[0-9a-z\u3400-\u9fff\uf900-\ufaff]/;

export function searchChars(text: string): string {
  let kept = '';
  for (const ch of text.toLowerCase()) if (KEPT.test(ch)) kept += ch;
  return kept;
}

/** A fragment of a field or a page around what matched, and where in the fragment each match stands. */
export interface Highlight {
  fragment: string;
  /** Each match as [start, end) offsets in `fragment`, in UTF-16 code units as JavaScript counts them. */
  matches: { start: number; end: number }[];
}

/**
 * Where each term stands in `text`, matched as the index matches it (kept characters only), with `context`
 * characters of the original text either side of the first match; null when no term is found.
 */
export function highlight(text: string, terms: readonly string[], context = 24): Highlight | null {
  const kept: string[] = [];
  const at: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!.toLowerCase();
    if (KEPT.test(ch)) {
      kept.push(ch);
      at.push(i);
    }
  }
  const flat = kept.join('');
  const spans: [number, number][] = [];
  for (const term of terms) {
    const wanted = searchChars(term);
    if (!wanted) continue;
    for (let from = flat.indexOf(wanted); from >= 0; from = flat.indexOf(wanted, from + wanted.length)) {
      spans.push([at[from]!, at[from + wanted.length - 1]! + 1]);
    }
  }
  if (spans.length === 0) return null;
  spans.sort((a, b) => a[0] - b[0]);
  const start = Math.max(0, spans[0]![0] - context);
  const end = Math.min(text.length, spans[0]![1] + context * 2);
  const prefix = start > 0 ? '…' : '';
  const fragment = prefix + text.slice(start, end).replace(/\s+/g, ' ') + (end < text.length ? '…' : '');
  // Whitespace runs collapse to one space, so offsets are recomputed on the collapsed fragment.
  const shift = (offset: number) => prefix.length + text.slice(start, offset).replace(/\s+/g, ' ').length;
  const matches = spans.filter(([s, e]) => s >= start && e <= end).map(([s, e]) => ({ start: shift(s), end: shift(e) }));
  return { fragment, matches };
}
