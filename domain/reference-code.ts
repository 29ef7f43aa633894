/**
 * Archival reference codes (档号, DA/T 22-2015). A fonds configures the code's shape as a template of
 * segments, by default `{fonds}-{category}·{year}-{retention}-{org}-{item:4}`: "-" separates levels,
 * "·" separates items of one level, the item number is zero-padded.
 */
export const DEFAULT_REFERENCE_CODE_TEMPLATE = '{fonds}-{category}·{year}-{retention}-{org}-{item:4}';

export interface ReferenceCodeParts {
  fonds: string;
  category: string;
  year: number;
  retention: string;
  org: string;
  item: number;
}

type Segment = { literal: string } | { field: keyof ReferenceCodeParts; width?: number };

const FIELD_PATTERN: Record<keyof ReferenceCodeParts, string> = {
  fonds: '[A-Za-z0-9]{1,8}',
  category: '[A-Za-z0-9]{1,8}',
  year: '\\d{4}',
  retention: 'Y|D\\d{1,3}',
  org: '[A-Za-z0-9]{1,16}',
  item: '\\d+',
};

export class ReferenceCodeTemplateError extends Error {
  override name = 'ReferenceCodeTemplateError';
}

/** Reads a template; refuses one that cannot identify an item (it must hold every segment once). */
export function parseTemplate(template: string): Segment[] {
  const segments: Segment[] = [];
  const seen = new Set<string>();
  const re = /\{(\w+)(?::(\d+))?\}/g;
  let last = 0;
  for (const m of template.matchAll(re)) {
    if (m.index > last) segments.push({ literal: template.slice(last, m.index) });
    const field = m[1] as keyof ReferenceCodeParts;
    if (!(field in FIELD_PATTERN))
      throw new ReferenceCodeTemplateError(
        `unknown segment {${field}} in reference code template "${template}"; known: ${Object.keys(FIELD_PATTERN).join(', ')}`,
      );
    if (seen.has(field)) throw new ReferenceCodeTemplateError(`segment {${field}} appears twice in reference code template "${template}"`);
    seen.add(field);
    segments.push({ field, width: m[2] ? Number(m[2]) : undefined });
    last = m.index + m[0].length;
  }
  if (last < template.length) segments.push({ literal: template.slice(last) });
  const missing = Object.keys(FIELD_PATTERN).filter((f) => !seen.has(f));
  if (missing.length)
    throw new ReferenceCodeTemplateError(`reference code template "${template}" lacks ${missing.map((f) => `{${f}}`).join(', ')}`);
  return segments;
}

export function formatReferenceCode(template: string, parts: ReferenceCodeParts): string {
  return parseTemplate(template)
    .map((s) => ('literal' in s ? s.literal : String(parts[s.field]).padStart(s.width ?? 0, '0')))
    .join('');
}

/** The parts of a code written in `template`, or null when the code does not have the template's shape. */
export function parseReferenceCode(template: string, code: string): ReferenceCodeParts | null {
  const segments = parseTemplate(template);
  const source = segments
    .map((s) =>
      'literal' in s ? escape(s.literal) : `(?<${s.field}>${s.field === 'item' && s.width ? `\\d{${s.width},}` : FIELD_PATTERN[s.field]})`,
    )
    .join('');
  const m = new RegExp(`^${source}$`).exec(code);
  if (!m?.groups) return null;
  const g = m.groups;
  return { fonds: g.fonds!, category: g.category!, year: Number(g.year), retention: g.retention!, org: g.org!, item: Number(g.item) };
}

/** The group inside which item numbers run without gaps: fonds, category, year, retention, organisation. */
export function numberingGroupOf(parts: Omit<ReferenceCodeParts, 'item'>): string {
  return [parts.fonds, parts.category, parts.year, parts.retention, parts.org].join('/');
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
