import { constants, accessSync, readFileSync } from 'node:fs';

/** The Debian package fonts-wqy-microhei installs this TrueType collection. */
export const DEFAULT_CJK_FONT = '/usr/share/fonts/truetype/wqy/wqy-microhei.ttc';
export const CJK_FONT_VARIABLE = 'LANTAI_CJK_FONT';

/** A font with Chinese glyphs; `face` names the member to use when the file is a collection (.ttc). */
export interface CjkFont {
  path: string;
  face?: string;
}

export class CjkFontMissingError extends Error {
  override name = 'CjkFontMissingError';
}

export function cjkFontPath(env: NodeJS.ProcessEnv = process.env): string {
  return env[CJK_FONT_VARIABLE] || DEFAULT_CJK_FONT;
}

/**
 * Checks the font before any document is drawn: PDF's standard fonts hold no Chinese glyphs, and
 * pdfkit would otherwise fail mid-document. A collection's first face is used unless `face` names
 * another (a PostScript name such as 'NotoSansCJKsc-Regular').
 */
export function loadCjkFont(path: string, face?: string): CjkFont {
  let data: Buffer;
  try {
    accessSync(path, constants.R_OK);
    data = readFileSync(path);
  } catch (cause) {
    throw new CjkFontMissingError(`${missing(path)} (${(cause as Error).message})`, { cause });
  }
  const tag = data.toString('latin1', 0, 4);
  try {
    if (tag === 'ttcf') return { path, face: face ?? firstFaceOf(data) };
    if (tag === 'OTTO' || tag === 'true' || tag === '\0\x01\0\0') return { path };
  } catch (cause) {
    if (!(cause instanceof RangeError)) throw cause;
  }
  throw new CjkFontMissingError(`${missing(path)} (not a TrueType or OpenType font)`);
}

function missing(path: string): string {
  return (
    `no usable CJK font at ${path}: the catalogue, spine labels and note sheets need a font with Chinese glyphs. ` +
    `Install the Debian package fonts-wqy-microhei, or set ${CJK_FONT_VARIABLE} to a TrueType/OpenType font with Chinese glyphs`
  );
}

/** The PostScript name (name table, id 6) of a collection's first face, which pdfkit needs to pick it. */
function firstFaceOf(data: Buffer): string {
  const face = data.readUInt32BE(12);
  const tables = data.readUInt16BE(face + 4);
  for (let t = 0; t < tables; t++) {
    const record = face + 12 + t * 16;
    if (data.toString('latin1', record, record + 4) !== 'name') continue;
    const name = nameRecord(data, data.readUInt32BE(record + 8));
    if (name) return name;
  }
  throw new RangeError('the first face of the collection has no PostScript name');
}

/**
 * The family name of the font's first face (name table, id 1), as fontconfig and pango know it: a renderer that is
 * given the file (sharp's text, for the watermark of access copies) picks the face by it.
 */
export function cjkFontFamily(font: CjkFont): string {
  const data = readFileSync(font.path);
  const face = data.toString('latin1', 0, 4) === 'ttcf' ? data.readUInt32BE(12) : 0;
  const tables = data.readUInt16BE(face + 4);
  for (let t = 0; t < tables; t++) {
    const record = face + 12 + t * 16;
    if (data.toString('latin1', record, record + 4) !== 'name') continue;
    const name = nameRecord(data, data.readUInt32BE(record + 8), 1, 0x0409);
    if (name) return name;
  }
  throw new CjkFontMissingError(`${missing(font.path)} (its first face has no family name)`);
}

function nameRecord(data: Buffer, table: number, nameId = 6, language?: number): string | undefined {
  const count = data.readUInt16BE(table + 2);
  const strings = table + data.readUInt16BE(table + 4);
  for (let r = 0; r < count; r++) {
    const at = table + 6 + r * 12;
    if (data.readUInt16BE(at + 6) !== nameId) continue;
    if (language !== undefined && data.readUInt16BE(at) === 3 && data.readUInt16BE(at + 4) !== language) continue;
    const platform = data.readUInt16BE(at);
    const start = strings + data.readUInt16BE(at + 10);
    const bytes = data.subarray(start, start + data.readUInt16BE(at + 8));
    // Windows names are UTF-16BE, Macintosh ones single-byte.
    return platform === 3 ? Buffer.from(bytes).swap16().toString('utf16le') : bytes.toString('latin1');
  }
  return undefined;
}
