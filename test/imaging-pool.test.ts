import { randomBytes } from 'node:crypto';
import sharp from 'sharp';
import { analysePage, createImagingPool, type ImagingPool } from '../imaging';
import { renderPage } from './fixtures/imaging/pages';

let pool: ImagingPool;

beforeAll(() => {
  pool = createImagingPool(2);
});

afterAll(() => pool.close());

describe('imaging on a pool of threads', () => {
  it('gives the same measurements, prepared page and barcodes as the functions themselves', async () => {
    const page = await renderPage({ lines: 14, seal: true, barcode: { symbology: 'code128', text: 'POOL-0001', at: 'top-right' } });
    const [threaded, direct] = await Promise.all([pool.analysePage(page), analysePage(page)]);
    expect(threaded).toEqual(direct);
    const prepared = await pool.preparePage(page, { deskew: true, crop: true });
    expect(Buffer.isBuffer(prepared.image)).toBe(true);
    expect((await sharp(prepared.image).metadata()).width).toBe(prepared.width);
    expect((await pool.decodeBarcodes(page)).map((b) => b.text)).toEqual(['POOL-0001']);
  });

  it('runs pages side by side and reports an unreadable image by its error name', async () => {
    const pages = await Promise.all([1, 2, 3, 4].map((seed) => renderPage({ seed })));
    const results = await Promise.all(pages.map((p) => pool.analysePage(p)));
    expect(results.map((r) => r.blank)).toEqual([false, false, false, false]);
    await expect(pool.analysePage(randomBytes(4096))).rejects.toMatchObject({ name: 'UnreadableImageError' });
  });

  it('refuses work once closed', async () => {
    const closing = createImagingPool(1);
    await closing.close();
    await expect(closing.analysePage(Buffer.from('x'))).rejects.toThrow(/closed/);
  });
});
