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
export async function renderPdf(font: CjkFont, title: string, draw: (doc: Pdf) => void): Promise<Buffer> {
  const doc = new PDFDocument({ autoFirstPage: false, bufferPages: true, margin: 0, info: { Title: title, Creator: 'Lantai' }, lang: 'zh-CN' });
  doc.registerFont(CJK, font.path, font.face);
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('data', (chunk: Buffer) => chunks.push(chunk));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  doc.font(CJK);
  draw(doc);
  doc.end();
  return done;
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

const PIXELS_PER_MODULE = 4;
/** Short bars, stretched when placed: the PNG stays small (about 2 kB) whatever the label's height. */
const BAR_HEIGHT_MM = 2;
/** Code 128 quiet zone: ten modules each side. */
const QUIET_ZONE = 10;

export interface Barcode {
  png: Buffer;
  /** Length along the symbol, quiet zones included, in modules. */
  modules: number;
}

/** Code 128 as PNG, bars upright, or running top to bottom when `vertical`. */
export async function code128(text: string, vertical = false): Promise<Barcode> {
  const png = await bwipjs.toBuffer({ bcid: 'code128', text, scale: PIXELS_PER_MODULE, height: BAR_HEIGHT_MM, paddingwidth: QUIET_ZONE, backgroundcolor: 'ffffff', rotate: vertical ? 'R' : 'N' });
  const [width, height] = [png.readUInt32BE(16), png.readUInt32BE(20)];
  return { png, modules: (vertical ? height : width) / PIXELS_PER_MODULE };
}

/**
 * Places the symbol centred in the box: bars stretched to fill the box across them (which changes
 * nothing a reader sees), modules of at most `moduleMm` along it, narrower when the box is short.
 */
export function drawBarcode(doc: Pdf, { png, modules }: Barcode, box: Box, moduleMm: number, vertical = false): void {
  const room = vertical ? box.height : box.width;
  const length = Math.min(room, modules * mm(moduleMm));
  const [width, height] = vertical ? [box.width, length] : [length, box.height];
  doc.image(png, box.x + (box.width - width) / 2, box.y + (box.height - height) / 2, { width, height });
}
