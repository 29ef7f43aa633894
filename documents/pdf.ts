import bwipjs from 'bwip-js/node';
import PDFDocument from 'pdfkit';
import type { CjkFont } from './font';

export type Pdf = PDFKit.PDFDocument;

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

const POINTS_PER_MM = 72 / 25.4;
export const mm = (millimetres: number): number => millimetres * POINTS_PER_MM;

/** A4 in points, portrait. */
export const A4 = { width: mm(210), height: mm(297) };

const CJK = 'cjk';

/**
 * Draws a document and returns its bytes. Pages are added by `draw` with zero margins: every
 * document here places its text itself, and pdfkit's own margins would start new pages behind its back.
 * Pages stay buffered so that page numbers can be written once the count is known.
 */
export async function renderPdf(font: CjkFont, title: string, draw: (doc: Pdf) => void | Promise<void>): Promise<Buffer> {
  const doc = new PDFDocument({
    autoFirstPage: false,
    bufferPages: true,
    margin: 0,
    info: { Title: title, Creator: 'Lantai' },
    lang: 'zh-CN',
  });
  doc.registerFont(CJK, font.path, font.face);
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('data', (chunk: Buffer) => chunks.push(chunk));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  doc.font(CJK);
  await draw(doc);
  doc.end();
  return done;
}

/**
 * Draws each of `parts` in turn, letting the event loop run after every `every` of them: a document of thousands
 * of pages is drawn in seconds of synchronous work, in which a worker would answer no heartbeat, query or workflow task.
 */
export async function drawEach<T>(parts: readonly T[], draw: (part: T, index: number) => void, every = 1): Promise<void> {
  for (let i = 0; i < parts.length; i++) {
    draw(parts[i]!, i);
    if ((i + 1) % every === 0) await new Promise((resolve) => setImmediate(resolve));
  }
}

export function addPage(doc: Pdf, size: { width: number; height: number }): void {
  doc.addPage({ size: [size.width, size.height], margin: 0 });
}

/** The largest size up to `preferred` at which `text` fits on one line of `width`. */
export function fittingSize(doc: Pdf, text: string, width: number, preferred: number): number {
  doc.fontSize(preferred);
  const natural = doc.widthOfString(text);
  // A hair under the exact fit, lest rounding wrap the line after all.
  return natural <= width ? preferred : (preferred * width * 0.98) / natural;
}

export interface Writing {
  size: number;
  align?: 'left' | 'center' | 'right';
  padding?: number;
  characterSpacing?: number;
}

/** Height of `text` wrapped inside `width` less padding on both sides. */
export function heightIn(doc: Pdf, text: string, width: number, { size, padding = 0, characterSpacing }: Writing): number {
  return doc.fontSize(size).heightOfString(text, { width: width - 2 * padding, characterSpacing });
}

/** Writes `text` wrapped inside the box, centred vertically, never past its bottom. */
export function writeIn(doc: Pdf, text: string, box: Box, writing: Writing): void {
  const { size, align = 'left', padding = 0, characterSpacing = 0 } = writing;
  const width = box.width - 2 * padding;
  const height = Math.min(heightIn(doc, text, box.width, writing), box.height);
  // pdfkit counts the spacing after the last character too, which pulls centred text to the left.
  const x = box.x + padding + (align === 'center' ? characterSpacing / 2 : 0);
  doc.fontSize(size).text(text, x, box.y + (box.height - height) / 2, { width, height: height + 1, align, characterSpacing });
}

export function frame(doc: Pdf, { x, y, width, height }: Box, lineWidth = 0.6): void {
  doc.lineWidth(lineWidth).rect(x, y, width, height).stroke();
}

/** Code 128 quiet zone: ten modules each side. */
const QUIET_ZONE = 10;

export interface Barcode {
  /** Widths in modules: a bar, a space, a bar, …, ending with a bar; quiet zones not included. */
  bars: readonly number[];
  /** Length along the symbol, quiet zones included, in modules. */
  modules: number;
}

/**
 * Code 128 as the widths of its bars, drawn as vector rectangles: sharp at any printer resolution, and about
 * a tenth of the time of drawing a PNG and embedding it (2,000 item labels: 68 s as PNG images).
 */
export function code128(text: string): Barcode {
  const [symbol] = bwipjs.raw({ bcid: 'code128', text });
  if (!symbol || !('sbs' in symbol)) throw new Error(`no Code 128 symbol for ${JSON.stringify(text)}`);
  return { bars: symbol.sbs, modules: symbol.sbs.reduce((n, w) => n + w, 0) + 2 * QUIET_ZONE };
}

/**
 * Places the symbol centred in the box, white under it and its quiet zones: bars fill the box across them,
 * modules are at most `moduleMm` along it, narrower when the box is short. `vertical` runs the bars from top
 * to bottom.
 */
export function drawBarcode(doc: Pdf, { bars, modules }: Barcode, box: Box, moduleMm: number, vertical = false): void {
  const room = vertical ? box.height : box.width;
  const module = Math.min(mm(moduleMm), room / modules);
  const length = modules * module;
  const start = (vertical ? box.y + (box.height - length) / 2 : box.x + (box.width - length) / 2) + QUIET_ZONE * module;
  const symbol = vertical
    ? { ...box, y: start - QUIET_ZONE * module, height: length }
    : { ...box, x: start - QUIET_ZONE * module, width: length };
  doc.save().rect(symbol.x, symbol.y, symbol.width, symbol.height).fill('white');
  let at = start;
  bars.forEach((width, i) => {
    if (i % 2 === 0) {
      if (vertical) doc.rect(box.x, at, box.width, width * module);
      else doc.rect(at, box.y, width * module, box.height);
    }
    at += width * module;
  });
  doc.fill('black').restore();
}
