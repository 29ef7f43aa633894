import sharp from 'sharp';
import { decodeBarcodes, type DecodedBarcode } from '../imaging';
import { renderPage, renderSheet, rotatePage, type Box } from './fixtures/imaging/pages';

const SLIP = 'LT-J001-2024-000123';
let firstPage: Buffer;
let slipBox: Box;

beforeAll(async () => {
  const sheet = await renderSheet({ barcode: { symbology: 'code128', text: SLIP, at: 'top-right' } });
  firstPage = sheet.image;
  slipBox = sheet.barcode!;
});

describe('decodeBarcodes', () => {
  test('reads the Code 128 of the processing slip on the first page, and says where it is', async () => {
    const found = await decodeBarcodes(firstPage);

    expect(found.map(({ format, text }) => ({ format, text }))).toEqual([{ format: 'Code128', text: SLIP }]);
    expect(within(found[0]!, slipBox, 4)).toBe(true);
  });

  test('reads a Code 128 slip placed at the bottom right of a page', async () => {
    const { image, barcode } = await renderSheet({
      barcode: { symbology: 'code128', text: 'J001-SB-2024-D30-YL-0123', at: 'bottom-right' },
    });
    const found = await decodeBarcodes(image);

    expect(found.map((b) => [b.format, b.text])).toEqual([['Code128', 'J001-SB-2024-D30-YL-0123']]);
    expect(within(found[0]!, barcode!, 4)).toBe(true);
  });

  test('reads a QR code carrying an archival reference code and Chinese text', async () => {
    const text = 'J001-SB·2024-D30-YL-0123 参保人员登记';
    const found = await decodeBarcodes(await renderPage({ barcode: { symbology: 'qrcode', text, at: 'top-left' } }));

    expect(found.map((b) => [b.format, b.text])).toEqual([['QRCode', text]]);
  });

  test.each([90, 180, 270, 4, -4])('reads the slip when the whole page is turned %s°', async (degrees) => {
    const found = await decodeBarcodes(await rotatePage(firstPage, degrees));

    expect(found.map((b) => [b.format, b.text])).toEqual([['Code128', SLIP]]);
  });

  test('reads the slip of a page fed 12° crooked by levelling it first, placing it in the crooked image', async () => {
    const crooked = await rotatePage(firstPage, 12);
    const found = await decodeBarcodes(crooked);

    expect(found.map((b) => [b.format, b.text])).toEqual([['Code128', SLIP]]);
    const { width = 0, height = 0 } = await sharp(crooked).metadata();
    const centre = turned(
      { x: slipBox.left + slipBox.width / 2, y: slipBox.top + slipBox.height / 2 },
      12,
      { width: 1654, height: 2339 },
      { width, height },
    );
    expect(Math.abs(middle(found[0]!).x - centre.x)).toBeLessThan(20);
    expect(Math.abs(middle(found[0]!).y - centre.y)).toBeLessThan(20);
  });

  test('with anyAngle, reads a slip laid 30° askew', async () => {
    const found = await decodeBarcodes(await rotatePage(firstPage, 30), { anyAngle: true });

    expect(found.map((b) => b.text)).toEqual([SLIP]);
  });

  test('returns nothing for a page of text without a barcode, or a blank page', async () => {
    expect(await decodeBarcodes(await renderPage({}))).toEqual([]);
    expect(await decodeBarcodes(await renderPage({ lines: 0, speckle: 500 }))).toEqual([]);
  });

  test('reads a JPEG scan at 300 dpi', async () => {
    const found = await decodeBarcodes(
      await renderPage({ dpi: 300, format: 'jpeg', barcode: { symbology: 'code128', text: SLIP, at: 'bottom-right' } }),
    );

    expect(found.map((b) => b.text)).toEqual([SLIP]);
  });
});

function middle({ position }: DecodedBarcode): { x: number; y: number } {
  const corners = Object.values(position!);
  return { x: corners.reduce((s, c) => s + c.x, 0) / 4, y: corners.reduce((s, c) => s + c.y, 0) / 4 };
}

function within(barcode: DecodedBarcode, box: Box, slack: number): boolean {
  return Object.values(barcode.position!).every(
    ({ x, y }) => x >= box.left - slack && x <= box.left + box.width + slack && y >= box.top - slack && y <= box.top + box.height + slack,
  );
}

/** Where a point of the page lands when sharp turns it clockwise about its centre onto a larger canvas. */
function turned(
  p: { x: number; y: number },
  degrees: number,
  from: { width: number; height: number },
  to: { width: number; height: number },
) {
  const r = (degrees * Math.PI) / 180;
  const dx = p.x - from.width / 2;
  const dy = p.y - from.height / 2;
  return { x: to.width / 2 + dx * Math.cos(r) - dy * Math.sin(r), y: to.height / 2 + dx * Math.sin(r) + dy * Math.cos(r) };
}
