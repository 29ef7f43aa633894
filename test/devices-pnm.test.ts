import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { createPageSource, type ScannedPage } from '../devices';
import { saneSandbox } from './fixtures/sane';

let sandbox: Awaited<ReturnType<typeof saneSandbox>>;

beforeAll(async () => {
  sandbox = await saneSandbox();
});

afterAll(async () => {
  await sandbox.close();
});

const WIDTH = 420;
const HEIGHT = 594;

/** A white A-format page with black bars where lines of text would be and a red square for a seal. */
async function pageFixture(channels: 1 | 3): Promise<{ file: string; pixels: Buffer }> {
  const lines = Array.from(
    { length: 12 },
    (_, i) => `<rect x="40" y="${80 + i * 36}" width="${200 + ((i * 53) % 140)}" height="14" fill="black"/>`,
  );
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}"><rect width="100%" height="100%" fill="white"/>${lines.join('')}<rect x="300" y="500" width="70" height="70" fill="#c00000"/></svg>`;
  let image = sharp(Buffer.from(svg)).flatten({ background: 'white' });
  image = channels === 1 ? image.greyscale() : image.toColourspace('srgb');
  const pixels = await image.raw().toBuffer();
  expect(pixels.length).toBe(WIDTH * HEIGHT * channels);
  const file = path.join(sandbox.dir, channels === 1 ? 'page.pgm' : 'page.ppm');
  await writeFile(file, Buffer.concat([Buffer.from(`${channels === 1 ? 'P5' : 'P6'}\n${WIDTH} ${HEIGHT}\n255\n`), pixels]));
  return { file, pixels };
}

function meanDifference(a: Buffer, b: Buffer): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs((a[i] ?? 0) - (b[i] ?? 0));
  return sum / a.length;
}

describe('SANE pnm backend', () => {
  test.each([
    [1, 'grey'],
    [3, 'colour'],
  ] as const)('scans a %i-channel page image file and delivers the same page as a %s PNG', async (channels, mode) => {
    const fixture = await pageFixture(channels);
    const source = createPageSource({
      kind: 'sane',
      device: 'pnm:0',
      saneConfigDir: sandbox.configDir,
      options: { filename: fixture.file },
    });
    const pages: ScannedPage[] = [];

    const outcome = await source.scanBatch({ resolution: 150 }, (page) => {
      pages.push(page);
      return Promise.resolve();
    });

    expect(outcome).toMatchObject({ pagesDelivered: 1, end: 'page-limit' });
    expect(pages).toHaveLength(1);
    const [page] = pages as [ScannedPage];
    expect(page).toMatchObject({ index: 1, format: 'png', resolution: 150, mode, source: 'flatbed', width: WIDTH, height: HEIGHT });
    const scanned = sharp(page.image);
    expect(await scanned.metadata()).toMatchObject({ width: WIDTH, height: HEIGHT, channels, density: 150 });
    const pixels = await (channels === 1 ? scanned.greyscale() : scanned).raw().toBuffer();
    expect(pixels.length).toBe(fixture.pixels.length);
    expect(meanDifference(pixels, fixture.pixels)).toBeLessThan(1);
  });

  test('the pnm device has no feeder, so a feeder scan is refused', async () => {
    const source = createPageSource({ kind: 'sane', device: 'pnm:0', saneConfigDir: sandbox.configDir });

    const ignore = () => Promise.resolve();

    const adf = await source.scanBatch({ source: 'adf' }, ignore).catch((err: Error) => err);
    expect(adf).toMatchObject({ name: 'UnsupportedScanRequestError', option: 'source' });
    expect((adf as Error).message).toContain('offers sources flatbed');

    const resolution = await source.scanBatch({ resolution: 160 }, ignore).catch((err: Error) => err);
    expect(resolution).toMatchObject({ name: 'UnsupportedScanRequestError', option: 'resolution' });
    expect((resolution as Error).message).toMatch(/160.*150 dpi, 165 dpi/);
  });
});
