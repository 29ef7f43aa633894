import bwipjs from 'bwip-js/node';
import sharp, { type OverlayOptions } from 'sharp';

/**
 * Synthetic page scans for the demo business cases, the tests and the benchmarks: an A4 sheet whose "text" is
 * rows of black word rectangles, optionally with a red seal, a slip barcode, speckle, a scanner-bed border.
 */
export interface PageSpec {
  dpi?: number;
  /** Lines of words; 0 leaves the sheet blank. */
  lines?: number;
  seal?: boolean;
  barcode?: { symbology: 'code128' | 'qrcode'; text: string; at: 'top-right' | 'bottom-right' | 'top-left' };
  /** Isolated dark specks of 1–2 px, as dust leaves on a scan. */
  speckle?: number;
  /** Dark scanner-bed border this many millimetres wide around the sheet. */
  bedBorderMm?: number;
  /** A pale grey pencil note in the left margin, outside the text block. */
  marginNote?: boolean;
  grey?: boolean;
  /** Gaussian blur sigma in pixels, as a page scanned out of focus leaves it; a little is always there. */
  blur?: number;
  format?: 'png' | 'jpeg';
  seed?: number;
}

export const A4_MM = { width: 210, height: 297 } as const;

export interface Box {
  left: number;
  top: number;
  width: number;
  height: number;
}

export async function renderPage(spec: PageSpec = {}): Promise<Buffer> {
  return (await renderSheet(spec)).image;
}

/** The page and where its parts were put, in pixels of the image (bed border included). */
export async function renderSheet(spec: PageSpec = {}): Promise<{ image: Buffer; text: Box; barcode?: Box }> {
  const dpi = spec.dpi ?? 200;
  const px = (mm: number) => Math.round((mm * dpi) / 25.4);
  const width = px(A4_MM.width);
  const height = px(A4_MM.height);
  const random = lcg(spec.seed ?? 7);

  const shapes: string[] = [];
  const lines = spec.lines ?? 28;
  for (let line = 0; line < lines; line++) {
    const top = 30 + line * 8;
    const last = line % 7 === 6;
    const right = last ? 60 + random() * 60 : 185;
    for (let x = line % 7 === 0 ? 33 : 25; x < right;) {
      const w = Math.min(4 + random() * 18, 185 - x);
      shapes.push(`<rect x="${px(x)}" y="${px(top)}" width="${px(w)}" height="${px(3.2)}"/>`);
      x += w + 2.5;
    }
  }
  if (spec.marginNote) shapes.push(`<rect x="${px(8)}" y="${px(120)}" width="${px(9)}" height="${px(40)}" fill="#c4c4c4"/>`);
  if (spec.seal) shapes.push(seal(px(150), px(30 + Math.min(lines, 20) * 8 - 10), px(21), px(1.2)));

  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">
    <rect width="100%" height="100%" fill="${PAPER}"/><g fill="#141414">${shapes.join('')}</g></svg>`;
  const composites: OverlayOptions[] = [];
  const barcode = spec.barcode ? await barcodeOverlay(spec.barcode, px, width, height) : undefined;
  if (barcode) composites.push({ input: barcode.input, left: barcode.left, top: barcode.top });

  // A scanner's optics never deliver perfectly sharp edges.
  const sheet = await sharp(Buffer.from(svg), { density: 72 })
    .composite(composites)
    .blur(Math.max(spec.blur ?? 0, 0.6))
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  if (spec.speckle) addSpeckle(sheet.data, sheet.info.width, sheet.info.height, sheet.info.channels, spec.speckle, random);
  const { width: w, height: h, channels } = sheet.info;
  let page = sharp(sheet.data, { raw: { width: w, height: h, channels } });
  const border = spec.bedBorderMm ? px(spec.bedBorderMm) : 0;
  if (border) page = page.extend({ top: border, bottom: border, left: border, right: border, background: BED });
  if (spec.grey) page = page.greyscale();
  page = page.withDensity(dpi);
  const image = await (spec.format === 'jpeg' ? page.jpeg({ quality: 92 }) : page.png({ compressionLevel: 1 })).toBuffer();
  const lastLine = 30 + (lines - 1) * 8 + 3.2;
  return {
    image,
    text: lines
      ? { left: border + px(25), top: border + px(30), width: px(160), height: px(lastLine - 30) }
      : { left: 0, top: 0, width: 0, height: 0 },
    barcode: barcode && { left: border + barcode.left, top: border + barcode.top, width: barcode.width, height: barcode.height },
  };
}

export const BED = '#202020';
const PAPER = '#fbfbf8';

/** Rotates a page image as a crooked feed would, keeping its resolution. Positive is clockwise. */
export async function rotatePage(image: Buffer, degrees: number, background = PAPER): Promise<Buffer> {
  const { density } = await sharp(image).metadata();
  const rotated = sharp(image).rotate(degrees, { background });
  return (density ? rotated.withDensity(density) : rotated).png({ compressionLevel: 1 }).toBuffer();
}

/** Seeded pseudo-random numbers, so a fixture is the same on every run. */
export function lcg(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

function seal(cx: number, cy: number, r: number, stroke: number): string {
  const star = Array.from({ length: 10 }, (_, i) => {
    const radius = i % 2 === 0 ? r * 0.35 : r * 0.14;
    const angle = -Math.PI / 2 + (i * Math.PI) / 5;
    return `${cx + radius * Math.cos(angle)},${cy + radius * Math.sin(angle)}`;
  }).join(' ');
  return `<g fill="#d7261e" stroke="#d7261e" fill-opacity="0.9" stroke-opacity="0.9">
    <circle cx="${cx}" cy="${cy}" r="${r}" fill="none" stroke-width="${stroke}"/>
    <polygon points="${star}" stroke="none"/>
    <rect x="${cx - r * 0.6}" y="${cy + r * 0.45}" width="${r * 1.2}" height="${r * 0.15}" stroke="none"/></g>`;
}

async function barcodeOverlay(
  barcode: NonNullable<PageSpec['barcode']>,
  px: (mm: number) => number,
  width: number,
  height: number,
): Promise<{ input: Buffer; left: number; top: number; width: number; height: number }> {
  const png =
    barcode.symbology === 'code128'
      ? await bwipjs.toBuffer({
          bcid: 'code128',
          text: barcode.text,
          scale: 2,
          height: 10,
          paddingwidth: 10,
          paddingheight: 4,
          backgroundcolor: 'ffffff',
        })
      : await bwipjs.toBuffer({
          bcid: 'qrcode',
          text: barcode.text,
          scale: 5,
          paddingwidth: 8,
          paddingheight: 8,
          backgroundcolor: 'ffffff',
        });
  const { width: w = 0, height: h = 0 } = await sharp(png).metadata();
  const top = barcode.at === 'bottom-right' ? height - px(15) - h : px(8);
  const left = barcode.at === 'top-left' ? px(15) : width - px(15) - w;
  return { input: png, top, left, width: w, height: h };
}

function addSpeckle(data: Buffer, width: number, height: number, channels: number, count: number, random: () => number): void {
  for (let i = 0; i < count; i++) {
    const x = Math.floor(random() * (width - 1));
    const y = Math.floor(random() * (height - 1));
    const size = random() < 0.7 ? 1 : 2;
    for (let dy = 0; dy < (size === 2 ? 1 : 0) + 1; dy++) {
      for (let dx = 0; dx < size; dx++) data.fill(20, ((y + dy) * width + x + dx) * channels, ((y + dy) * width + x + dx + 1) * channels);
    }
  }
}
