import { ItemRegistration } from '../catalogue/registration';

export interface ImportRowInput {
  rowNumber: number;
  caseNumber: string;
  data: { index: Record<string, string>; images: string[] };
  /** Why the row cannot be imported, or undefined. */
  problem?: string;
}

const IndexFields = ItemRegistration.omit({ fonds: true });
const MAX_ROWS = 100_000;

/**
 * Parses an import index: CSV with a header row (UTF-8, fields as in the README, images separated by ';')
 * or JSON (an array of objects with an `images` array). Each row is checked like a business system's push.
 */
export function parseImportIndex(text: string, fileName: string): ImportRowInput[] {
  const records = fileName.toLowerCase().endsWith('.json') ? fromJson(text) : fromCsv(text);
  if (records.length === 0) throw new Error('the index has no rows');
  if (records.length > MAX_ROWS) throw new Error(`the index has ${records.length} rows; split it into batches of at most ${MAX_ROWS}`);
  const seen = new Set<string>();
  return records.map(({ index, images }, i) => {
    const rowNumber = i + 1;
    const caseNumber = index.caseNumber ?? '';
    const parsed = IndexFields.safeParse(index);
    let problem = parsed.success ? undefined : parsed.error.issues.map((x) => `${x.path.join('.')}: ${x.message}`).join('; ');
    if (!problem && images.length === 0) problem = 'images: the row names no page images';
    if (!problem && seen.has(caseNumber)) problem = `caseNumber: ${caseNumber} appears more than once in the index`;
    seen.add(caseNumber);
    return { rowNumber, caseNumber, data: { index, images }, problem };
  });
}

function fromJson(text: string): { index: Record<string, string>; images: string[] }[] {
  const parsed = JSON.parse(text.replace(/^\uFEFF/, '')) as unknown;
  if (!Array.isArray(parsed)) throw new Error('a JSON index must be an array of rows');
  return parsed.map((row: Record<string, unknown>) => {
    const { images, ...rest } = row ?? {};
    return {
      index: Object.fromEntries(
        Object.entries(rest)
          .filter(([, v]) => v !== null && v !== undefined && v !== '')
          .map(([k, v]) => [k, String(v)]),
      ),
      images: Array.isArray(images) ? images.map(String) : [],
    };
  });
}

function fromCsv(text: string): { index: Record<string, string>; images: string[] }[] {
  const [header, ...rows] = csvRows(text.replace(/^\uFEFF/, ''));
  if (!header?.includes('caseNumber') || !header.includes('images'))
    throw new Error('the CSV header must name the columns, including caseNumber and images');
  return rows
    .filter((r) => r.some((cell) => cell.trim() !== ''))
    .map((cells) => {
      const entries = header.map((h, i) => [h.trim(), (cells[i] ?? '').trim()] as const).filter(([, v]) => v !== '');
      const record = Object.fromEntries(entries);
      const { images = '', ...index } = record;
      return {
        index,
        images: images
          .split(';')
          .map((s) => s.trim())
          .filter(Boolean),
      };
    });
}

/** RFC 4180 fields: quoted fields may hold commas, quotes ("") and line breaks. */
function csvRows(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  const endField = () => {
    row.push(field);
    field = '';
  };
  const endRow = () => {
    endField();
    rows.push(row);
    row = [];
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') endField();
    else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      endRow();
    } else field += c;
  }
  if (field !== '' || row.length) endRow();
  return rows;
}
