import sharp from 'sharp';
import { analysePage, preparePage } from '../imaging';
import { BED, renderPage, renderSheet, rotatePage, type Box } from './fixtures/imaging/pages';

const DPI = 200;
const px = (mm: number) => (mm * DPI) / 25.4;
const MARGIN = px(5);

let clean: Buffer;

beforeAll(async () => {
  clean = await renderPage({ dpi: DPI });
});

describe('preparePage', () => {
  test.each([3, -5])('levels a page fed %s° crooked, keeping its resolution', async (degrees) => {
    const prepared = await preparePage(await rotatePage(clean, degrees), { deskew: true, crop: true });
    const after = await analysePage(prepared.image);

    expect(Math.abs(prepared.rotationApplied + degrees)).toBeLessThanOrEqual(0.7);
    expect(Math.abs(after.skewDegrees)).toBeLessThan(0.5);
    expect(prepared).toMatchObject({ format: 'jpeg', dpi: DPI, colour: 'grey' });
    expect(after).toMatchObject({ format: 'jpeg', dpi: DPI, width: prepared.width, height: prepared.height, blurred: false, blank: false });
  });

  test('leaves the page unturned when not asked to deskew, or when it is more crooked than the caller corrects', async () => {
    const crooked = await rotatePage(clean, 8);

    expect((await preparePage(crooked, { deskew: false, crop: false })).rotationApplied).toBe(0);
    expect((await preparePage(crooked, { deskew: true, crop: false, maxSkewToCorrect: 5 })).rotationApplied).toBe(0);
    expect((await preparePage(crooked, { deskew: true, crop: false, maxSkewToCorrect: 10 })).rotationApplied).toBeCloseTo(-8, 0);
  });

  test('crops a page on a dark scanner bed to its text plus a 5 mm margin, never into the text nor onto the bed', async () => {
    const border = Math.round(px(8));
    const { image, text } = await renderSheet({ dpi: DPI, bedBorderMm: 8 });
    const prepared = await preparePage(image, { deskew: true, crop: true });
    const box = prepared.cropBox!;

    expect(prepared.rotationApplied).toBe(0);
    expect(contains(box, text)).toBe(true);
    expect(box.left).toBeGreaterThanOrEqual(border);
    expect(box.top).toBeGreaterThanOrEqual(border);
    expect(box.left).toBeGreaterThan(text.left - MARGIN - 8);
    expect(box.left + box.width).toBeLessThan(text.left + text.width + MARGIN + 8);
    expect(box.top + box.height).toBeLessThan(text.top + text.height + MARGIN + 8);
    expect(prepared).toMatchObject({ width: box.width, height: box.height });
    expect(Math.min(...(await edgeBrightness(prepared.image)))).toBeGreaterThan(200);
  });

  test('levels and crops a crooked page lying on a dark scanner bed', async () => {
    const { text } = await renderSheet({ dpi: DPI });
    const onBed = await sharp(await rotatePage(clean, 4, BED))
      .extend({ top: 60, bottom: 60, left: 60, right: 60, background: BED })
      .withDensity(DPI)
      .png()
      .toBuffer();
    const prepared = await preparePage(onBed, { deskew: true, crop: true });

    expect(prepared.width).toBeGreaterThan(text.width + 2 * MARGIN - 8);
    expect(prepared.width).toBeLessThan(text.width + 2 * MARGIN + 30);
    expect(prepared.height).toBeGreaterThan(text.height + 2 * MARGIN - 8);
    expect(prepared.height).toBeLessThan(text.height + 2 * MARGIN + 30);
    expect(Math.min(...(await edgeBrightness(prepared.image)))).toBeGreaterThan(200);
    expect(Math.abs((await analysePage(prepared.image)).skewDegrees)).toBeLessThan(0.5);
  });

  test('keeps a faint pencil note in the margin, outside the text block', async () => {
    const note = { left: Math.round(px(8)), top: Math.round(px(120)), width: Math.round(px(9)), height: Math.round(px(40)) };
    const prepared = await preparePage(await renderPage({ dpi: DPI, marginNote: true }), { deskew: false, crop: true });

    expect(contains(prepared.cropBox!, note)).toBe(true);
    expect(prepared.cropBox!.left).toBeGreaterThan(note.left - MARGIN - 8);
  });

  test('leaves a blank page uncropped', async () => {
    const prepared = await preparePage(await renderPage({ dpi: DPI, lines: 0, speckle: 300 }), { deskew: true, crop: true });

    expect(prepared).toMatchObject({ cropBox: null, rotationApplied: 0, width: 1654, height: 2339 });
  });

  test('removes one-pixel specks of dust and nothing else: full stops and text stay as they were', async () => {
    const stops = Array.from({ length: 12 }, (_, i) => ({ x: 60 + i * 120, y: 2280 }));
    const page = await withDots(await renderPage({ dpi: DPI, speckle: 3000 }), stops);
    const prepared = await preparePage(page, { deskew: false, crop: false, format: 'tiff' });
    const before = await greyPixels(page);
    const after = await greyPixels(prepared.image);

    expect(prepared.format).toBe('tiff');
    expect(isolatedDarkPixels(before)).toBeGreaterThan(1000);
    expect(isolatedDarkPixels(after)).toBe(0);
    // Two specks can touch: a pair is still a speck, but not two isolated pixels.
    expect(prepared.speckPixelsRemoved).toBeGreaterThanOrEqual(isolatedDarkPixels(before));
    expect(prepared.speckPixelsRemoved).toBeLessThan(isolatedDarkPixels(before) * 1.05);
    expect(changedPixels(before, after)).toBe(prepared.speckPixelsRemoved);
    for (const { x, y } of stops) expect(after.data[(y + 1) * after.width + x + 1]).toBeLessThan(60);
  });

  test('writes JPEG for grey and colour pages and CCITT G4 TIFF for a lineart page, each with its resolution', async () => {
    const sealed = await preparePage(await renderPage({ dpi: DPI, seal: true }), { deskew: true, crop: true });
    const grey = await preparePage(clean, { deskew: true, crop: true });
    const lineart = await sharp(clean)
      .greyscale()
      .threshold(128)
      .toColourspace('b-w')
      .withDensity(300)
      .tiff({ compression: 'ccittfax4', bitdepth: 1 })
      .toBuffer();
    const bilevel = await preparePage(lineart, { deskew: true, crop: true });
    const greyTiff = await preparePage(clean, { deskew: true, crop: true, format: 'tiff' });

    expect(sealed).toMatchObject({ format: 'jpeg', colour: 'colour', dpi: DPI });
    expect(await sharp(sealed.image).metadata()).toMatchObject({ format: 'jpeg', channels: 3, density: DPI });
    expect(await analysePage(sealed.image)).toMatchObject({ colour: 'colour', redMarkPresent: true });
    expect(grey).toMatchObject({ format: 'jpeg', colour: 'grey' });
    expect(await sharp(grey.image).metadata()).toMatchObject({ format: 'jpeg', channels: 1, density: DPI });
    expect(bilevel).toMatchObject({ format: 'tiff', colour: 'bilevel', dpi: 300 });
    expect(await sharp(bilevel.image).metadata()).toMatchObject({ format: 'tiff', channels: 1, bitsPerSample: 1, density: 300 });
    expect(await analysePage(bilevel.image)).toMatchObject({ colour: 'bilevel', dpi: 300, blank: false });
    expect(await sharp(greyTiff.image).metadata()).toMatchObject({ format: 'tiff', channels: 1, density: DPI });
  });

  test("records the caller's resolution when the image carries none", async () => {
    const untagged = await sharp(clean).jpeg().toBuffer();

    expect((await preparePage(untagged, { deskew: false, crop: false })).dpi).toBeNull();
    const prepared = await preparePage(untagged, { deskew: false, crop: false, dpi: 300 });
    expect(prepared.dpi).toBe(300);
    expect((await analysePage(prepared.image)).dpi).toBe(300);
  });
});

function contains(outer: Box, inner: Box): boolean {
  return (
    outer.left <= inner.left &&
    outer.top <= inner.top &&
    outer.left + outer.width >= inner.left + inner.width &&
    outer.top + outer.height >= inner.top + inner.height
  );
}

/** Mean grey of the outermost 3 px on each side: paper, not bed. */
async function edgeBrightness(image: Buffer): Promise<number[]> {
  const { width = 0, height = 0 } = await sharp(image).metadata();
  const strips = [
    { left: 0, top: 0, width, height: 3 },
    { left: 0, top: height - 3, width, height: 3 },
    { left: 0, top: 0, width: 3, height },
    { left: width - 3, top: 0, width: 3, height },
  ];
  return Promise.all(
    strips.map(async (s) => {
      const grey = await sharp(image).extract(s).greyscale().raw().toBuffer();
      return grey.reduce((sum, v) => sum + v, 0) / grey.length;
    }),
  );
}

interface Grey {
  data: Buffer;
  width: number;
  height: number;
}

async function greyPixels(image: Buffer): Promise<Grey> {
  const { data, info } = await sharp(image).greyscale().raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

/** Black 3 × 3 px dots, the size of a full stop at 200 dpi. */
async function withDots(image: Buffer, dots: { x: number; y: number }[]): Promise<Buffer> {
  const square = await sharp({ create: { width: 3, height: 3, channels: 3, background: '#141414' } })
    .png()
    .toBuffer();
  return sharp(image)
    .composite(dots.map(({ x, y }) => ({ input: square, left: x, top: y })))
    .withDensity(DPI)
    .png()
    .toBuffer();
}

function isolatedDarkPixels({ data, width, height }: Grey): number {
  let count = 0;
  for (let y = 1; y < height - 1; y++) {
    for (let x = 1; x < width - 1; x++) {
      if (data[y * width + x]! >= 100) continue;
      let lightAround = 0;
      for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) if (data[(y + dy) * width + x + dx]! > 240) lightAround++;
      if (lightAround === 8) count++;
    }
  }
  return count;
}

function changedPixels(a: Grey, b: Grey): number {
  let count = 0;
  for (let i = 0; i < a.data.length; i++) if (a.data[i] !== b.data[i]) count++;
  return count;
}
