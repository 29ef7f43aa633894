import sharp from 'sharp';
import { cjkFontFamily, type CjkFont } from './font';
import { A4, addPage, mm, renderPdf } from './pdf';
import { chineseTime, zoneLabel } from './time';

/** What every access copy (利用复制件) is stamped with: who uses it, under which request, and when it was served. */
export interface Stamp {
  requester: string;
  number: string;
  at: Date;
  timeZone: string;
}

/** The stamp's line: 利用人 陈参保 · 申请编号 LY-2026-000123 · 2026年12月2日 20:38 北京时间 · 利用复制件，不作原件. */
export function stampLine(s: Stamp): string {
  return `利用人：${s.requester}\u3000申请编号：${s.number}\u3000${chineseTime(s.at.toISOString(), s.timeZone)} ${zoneLabel(s.timeZone, s.at)}\u3000利用复制件`;
}

const escapeMarkup = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** The line as an image of `width` pixels, wrapped as it needs, in the CJK font read from its file. */
async function textImage(text: string, font: CjkFont, sizePx: number, width: number, colour: string) {
  return sharp({
    text: {
      text: `<span foreground="${colour}">${escapeMarkup(text)}</span>`,
      font: `${cjkFontFamily(font)} ${sizePx}`,
      fontfile: font.path,
      width,
      rgba: true,
      dpi: 72,
    },
  })
    .png()
    .toBuffer({ resolveWithObject: true });
}

/**
 * The page with the stamp: a band across the foot holding the stamp's line in dark red, and the request number
 * repeated faintly across the whole page, so a cropped copy still names its request. The master is never changed:
 * this works on the bytes read from the store and returns new ones.
 */
export async function stampPage(
  master: Buffer,
  stamp: Stamp,
  font: CjkFont,
): Promise<{ image: Buffer; band: { top: number; height: number } }> {
  const page = sharp(master).rotate();
  const { width = 0, height = 0 } = await page.metadata();
  const margin = Math.max(4, Math.round(width / 100));
  const size = Math.min(28, Math.max(10, Math.round(width / 50)));
  const line = await textImage(stampLine(stamp), font, size, width - 2 * margin, '#a00000');
  const bandHeight = Math.min(height, line.info.height + 2 * margin);
  const band = Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${bandHeight}"><rect width="${width}" height="${bandHeight}" fill="#ffffff" fill-opacity="0.88"/><rect width="${width}" height="2" fill="#a00000"/></svg>`,
  );
  const tile = await textImage(`${stamp.number}\u3000${stamp.requester}`, font, size * 2, Math.round(width * 0.6), '#a00000');
  const rotated = await sharp(tile.data)
    .rotate(-30, { background: { r: 0, g: 0, b: 0, alpha: 0 } })
    .png()
    .toBuffer();
  // A tile must not be larger than the page it is laid over.
  const faint = await sharp(rotated).resize({ width, height, fit: 'inside', withoutEnlargement: true }).png().toBuffer();
  const top = height - bandHeight;
  const image = await page
    .composite([
      { input: await faintTile(faint), tile: true, blend: 'over' },
      { input: band, top, left: 0 },
      { input: line.data, top: top + margin, left: margin },
    ])
    .jpeg({ quality: 88 })
    .toBuffer();
  return { image, band: { top, height: bandHeight } };
}

/** Makes the tile's text faint: its alpha scaled down to a sixth. */
async function faintTile(tile: Buffer): Promise<Buffer> {
  const { data, info } = await sharp(tile).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  for (let i = 3; i < data.length; i += 4) data[i] = Math.round(data[i]! / 6);
  return sharp(data, { raw: { width: info.width, height: info.height, channels: 4 } })
    .png()
    .toBuffer();
}

/**
 * The item's pages as one PDF, each stamped page on an A4 sheet with the stamp's line also written as text under
 * it (so the PDF's text layer names the requester and the request, for a reader who searches or copies it).
 */
export async function stampedPdf(stampedPages: Buffer[], stamp: Stamp, font: CjkFont, title: string): Promise<Buffer> {
  return renderPdf(font, title, async (doc) => {
    for (const image of stampedPages) {
      addPage(doc, A4);
      const { width = 1, height = 1 } = await sharp(image).metadata();
      const room = { width: A4.width - mm(20), height: A4.height - mm(30) };
      const scale = Math.min(room.width / width, room.height / height);
      doc.image(image, mm(10), mm(10), { width: width * scale, height: height * scale });
      doc
        .fontSize(9)
        .fillColor('#a00000')
        .text(stampLine(stamp), mm(10), A4.height - mm(16), { width: A4.width - mm(20), lineBreak: true });
    }
  });
}
