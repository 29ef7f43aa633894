import zlib from 'node:zlib';
import sharp from 'sharp';
import { analysePage, decodeBarcodes, DEFAULT_PAGE_THRESHOLDS, preparePage, type PageAnalysis } from '../imaging';
import { lcg, renderPage, rotatePage } from './fixtures/imaging/pages';

let clean: Buffer;
let cleanAnalysis: PageAnalysis;

beforeAll(async () => {
  clean = await renderPage({ dpi: 200 });
  cleanAnalysis = await analysePage(clean);
});

describe('analysePage', () => {
  test('reports a clean 200 dpi A4 page as sharp, level and not blank, with its size and resolution', () => {
    expect(cleanAnalysis).toMatchObject({
      width: 1654,
      height: 2339,
      format: 'png',
      dpi: 200,
      colour: 'grey',
      blurred: false,
      blank: false,
      redMarkPresent: false,
    });
    expect(Math.abs(cleanAnalysis.skewDegrees)).toBeLessThan(0.3);
    expect(cleanAnalysis.sharpness).toBeGreaterThan(2 * DEFAULT_PAGE_THRESHOLDS.minSharpness);
    // 28 lines of word blocks 3.2 mm high on 8 mm pitch cover about a fifth of the sheet.
    expect(cleanAnalysis.inkRatio).toBeGreaterThan(0.1);
    expect(cleanAnalysis.inkRatio).toBeLessThan(0.3);
    expect(cleanAnalysis.analysisScale).toBeCloseTo(1000 / 2339, 3);
  });

  test('flags a Gaussian-blurred copy (σ 4 px at 200 dpi, 0.5 mm) as blurred, a slightly soft one (σ 1.5 px) not', async () => {
    const blurred = await analysePage(await sharp(clean).blur(4).png().toBuffer());
    const soft = await analysePage(await sharp(clean).blur(1.5).png().toBuffer());

    expect(blurred.blurred).toBe(true);
    expect(blurred.blank).toBe(false);
    expect(blurred.sharpness).toBeLessThan(DEFAULT_PAGE_THRESHOLDS.minSharpness);
    expect(soft.blurred).toBe(false);
    expect(soft.sharpness).toBeLessThan(cleanAnalysis.sharpness);
    expect(blurred.sharpness).toBeLessThan(soft.sharpness);
  });

  test('takes the blur limit from the caller', async () => {
    const blurred = await sharp(clean).blur(4).png().toBuffer();
    const { sharpness } = await analysePage(blurred);

    expect((await analysePage(blurred, { minSharpness: sharpness / 2 })).blurred).toBe(false);
    expect((await analysePage(clean, { minSharpness: cleanAnalysis.sharpness * 2 })).blurred).toBe(true);
  });

  test.each([3, -5, 1.5, -12])('measures a page fed %s° crooked to within 0.7° (positive is clockwise)', async (degrees) => {
    const { skewDegrees, blank } = await analysePage(await rotatePage(clean, degrees));

    expect(blank).toBe(false);
    expect(Math.abs(skewDegrees - degrees)).toBeLessThanOrEqual(0.7);
  });

  test('calls a white page with a little speckle blank, but not a page with a single line of text', async () => {
    const speckled = await analysePage(await renderPage({ lines: 0, speckle: 3000 }));
    const oneLine = await analysePage(await renderPage({ lines: 1 }));

    expect(speckled).toMatchObject({ blank: true, blurred: false, skewDegrees: 0 });
    expect(speckled.inkRatio).toBeLessThan(DEFAULT_PAGE_THRESHOLDS.maxBlankInkRatio);
    expect(oneLine.blank).toBe(false);
    expect(oneLine.inkRatio).toBeGreaterThan(10 * DEFAULT_PAGE_THRESHOLDS.maxBlankInkRatio);
  });

  test('finds a red seal on a colour scan, not on a page without one, nor on a grey scan of the sealed page', async () => {
    const sealed = await analysePage(await renderPage({ seal: true, format: 'jpeg' }));
    const greySealed = await analysePage(await renderPage({ seal: true, grey: true }));

    expect(sealed).toMatchObject({ colour: 'colour', redMarkPresent: true, format: 'jpeg', dpi: 200 });
    // The seal (42 mm ring, star, bar) covers roughly half a percent of the sheet.
    expect(sealed.redRatio).toBeGreaterThan(0.002);
    expect(sealed.redRatio).toBeLessThan(0.02);
    expect(cleanAnalysis.redMarkPresent).toBe(false);
    expect(cleanAnalysis.redRatio).toBeLessThan(DEFAULT_PAGE_THRESHOLDS.minRedMarkRatio);
    expect(greySealed).toMatchObject({ colour: 'grey', redMarkPresent: false, redRatio: 0 });
  });

  test('measures ink on the sheet only, not on the dark scanner bed around it', async () => {
    const onBed = await analysePage(await renderPage({ bedBorderMm: 8 }));
    const blankOnBed = await analysePage(await renderPage({ bedBorderMm: 8, lines: 0 }));

    expect(onBed.inkRatio).toBeCloseTo(cleanAnalysis.inkRatio, 2);
    expect(onBed.skewDegrees).toBe(0);
    expect(onBed.blurred).toBe(false);
    expect(blankOnBed.blank).toBe(true);
  });

  test('reads the resolution a file records and reports null when it records none', async () => {
    const untagged = await sharp(clean).jpeg().toBuffer();
    const tiff300 = await sharp(clean).withDensity(300).tiff({ compression: 'lzw' }).toBuffer();

    expect(await analysePage(untagged)).toMatchObject({ format: 'jpeg', dpi: null });
    expect(await analysePage(tiff300)).toMatchObject({ format: 'tiff', dpi: 300 });
  });

  test('reads the binary PNM variants a SANE scanner writes (grey P5, colour P6, lineart P4)', async () => {
    const grey = await sharp(clean).greyscale().raw().toBuffer({ resolveWithObject: true });
    const sealed = await sharp(await renderPage({ seal: true }))
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    const { width, height } = grey.info;
    const pgm = Buffer.concat([Buffer.from(`P5\n# scanimage\n${width} ${height}\n255\n`), grey.data]);
    const ppm = Buffer.concat([Buffer.from(`P6\n${width} ${height}\n255\n`), sealed.data]);
    const pbm = Buffer.concat([Buffer.from(`P4\n${width} ${height}\n`), packBits(grey.data, width, height)]);

    const fromPgm = await analysePage(pgm);
    expect(fromPgm).toMatchObject({ format: 'pnm', dpi: null, width: 1654, height: 2339, colour: 'grey', blank: false, blurred: false });
    expect(fromPgm.inkRatio).toBeCloseTo(cleanAnalysis.inkRatio, 2);
    expect(await analysePage(ppm)).toMatchObject({ format: 'pnm', colour: 'colour', redMarkPresent: true });
    expect(await analysePage(pbm)).toMatchObject({ format: 'pnm', colour: 'bilevel', blank: false });
  });

  test('tells a one-bit lineart scan as bilevel', async () => {
    const lineart = await sharp(clean)
      .greyscale()
      .threshold(128)
      .toColourspace('b-w')
      .withDensity(300)
      .tiff({ compression: 'ccittfax4', bitdepth: 1 })
      .toBuffer();

    expect(await analysePage(lineart)).toMatchObject({ format: 'tiff', dpi: 300, colour: 'bilevel', blank: false });
  });
});

describe('unreadable input', () => {
  const random = lcg(42);
  const noise = Buffer.from(Array.from({ length: 4096 }, () => Math.floor(random() * 256)));

  test.each([
    ['random bytes', () => Promise.resolve(noise)],
    ['an empty buffer', () => Promise.resolve(Buffer.alloc(0))],
    ['a JPEG cut off half way', async () => (await sharp(clean).jpeg().toBuffer()).subarray(0, 20_000)],
    ['a PNM whose samples are missing', () => Promise.resolve(Buffer.from('P5\n100 100\n255\n\x00\x00'))],
  ])('every entry point throws UnreadableImageError for %s', async (_what, bytes) => {
    const image = await bytes();
    for (const use of [() => analysePage(image), () => preparePage(image, { deskew: true, crop: true }), () => decodeBarcodes(image)]) {
      const error = await use().then(
        () => null,
        (err: unknown) => err as Error,
      );
      expect(error?.name).toBe('UnreadableImageError');
      expect(error?.message).toMatch(/^the page image (is empty|cannot be decoded: .+)$/);
    }
  });
});

/** One bit per pixel, set for black, rows padded to whole bytes: the P4 layout. */
function packBits(grey: Buffer, width: number, height: number): Buffer {
  const rowBytes = Math.ceil(width / 8);
  const packed = Buffer.alloc(rowBytes * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) if (grey[y * width + x]! < 128) packed[y * rowBytes + (x >> 3)]! |= 0x80 >> (x & 7);
  }
  return packed;
}

describe('resolution of a PNG', () => {
  /** A grey PNG as PIL writes one: IHDR, then pHYs (when given), IDAT, IEND. */
  function greyPng(phys?: { perMetre: number; unit: number }): Buffer {
    const chunk = (type: string, data: Buffer) => {
      const length = Buffer.alloc(4);
      length.writeUInt32BE(data.length);
      const crc = Buffer.alloc(4);
      crc.writeUInt32BE(zlib.crc32(Buffer.concat([Buffer.from(type, 'latin1'), data])));
      return Buffer.concat([length, Buffer.from(type, 'latin1'), data, crc]);
    };
    const header = Buffer.alloc(13);
    header.writeUInt32BE(400, 0);
    header.writeUInt32BE(300, 4);
    header.set([8, 0, 0, 0, 0], 8);
    const rows = Buffer.concat(Array.from({ length: 300 }, () => Buffer.concat([Buffer.from([0]), Buffer.alloc(400, 0xff)])));
    const physData = Buffer.alloc(9);
    if (phys) {
      physData.writeUInt32BE(phys.perMetre, 0);
      physData.writeUInt32BE(phys.perMetre, 4);
      physData[8] = phys.unit;
    }
    return Buffer.concat([
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
      chunk('IHDR', header),
      ...(phys ? [chunk('pHYs', physData)] : []),
      chunk('IDAT', zlib.deflateSync(rows)),
      chunk('IEND', Buffer.alloc(0)),
    ]);
  }

  test('reads 200 dpi from a pHYs of 7874 pixels per metre, and none from a PNG without one or with no unit', async () => {
    expect((await analysePage(greyPng({ perMetre: 7874, unit: 1 }))).dpi).toBe(200);
    expect((await analysePage(greyPng({ perMetre: 11811, unit: 1 }))).dpi).toBe(300);
    expect((await analysePage(greyPng({ perMetre: 7874, unit: 0 }))).dpi).toBeNull();
    expect((await analysePage(greyPng())).dpi).toBeNull();
  });
});
