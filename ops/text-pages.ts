import sharp from 'sharp';
import { A4_MM, lcg, rotatePage } from './sample-pages';

/**
 * Page scans with real printed Chinese text, for OCR (全文识别): the tests, the accuracy benchmark and the demo. The
 * text is set in WenQuanYi Micro Hei (Debian fonts-wqy-microhei, which ops/install.sh installs) and its lines are
 * known, so what the OCR reads can be scored against them.
 */
export interface TextPageSpec {
  /** The page's lines, top to bottom; the first is set large, as a form's title. */
  lines: string[];
  /** A ruled table under the lines: rows of cells. */
  table?: string[][];
  dpi?: number;
  /** Body text size in millimetres (4 mm is about 11 pt). */
  textMm?: number;
  /** Fed crooked: positive is clockwise. */
  skewDegrees?: number;
  /** A worn carbon or a weak toner: grey text, low contrast. */
  faint?: boolean;
  format?: 'png' | 'jpeg';
  seed?: number;
}

const FONT = 'WenQuanYi Micro Hei';

const escape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export async function renderTextPage(spec: TextPageSpec): Promise<Buffer> {
  const dpi = spec.dpi ?? 200;
  const px = (mm: number) => Math.round((mm * dpi) / 25.4);
  const width = px(A4_MM.width);
  const height = px(A4_MM.height);
  const size = spec.textMm ?? 4;
  const ink = spec.faint ? '#9c9c9c' : '#161616';
  const parts: string[] = [];
  let y = 32;
  spec.lines.forEach((line, i) => {
    const mm = i === 0 ? size * 1.5 : size;
    y += mm * 1.9;
    const x = i === 0 ? 105 - (line.length * mm) / 2 : 25;
    parts.push(`<text x="${px(Math.max(x, 20))}" y="${px(y)}" font-size="${px(mm)}">${escape(line)}</text>`);
  });
  if (spec.table?.length) {
    const columns = Math.max(...spec.table.map((r) => r.length));
    const cell = 160 / columns;
    const rowMm = size * 2.2;
    const top = y + size * 2;
    spec.table.forEach((row, r) => {
      row.forEach((text, c) => {
        parts.push(
          `<text x="${px(25 + c * cell + 1.5)}" y="${px(top + r * rowMm + rowMm * 0.68)}" font-size="${px(size)}">${escape(text)}</text>`,
        );
      });
    });
    const rules: string[] = [];
    for (let r = 0; r <= spec.table.length; r++)
      rules.push(`<line x1="${px(25)}" y1="${px(top + r * rowMm)}" x2="${px(185)}" y2="${px(top + r * rowMm)}"/>`);
    for (let c = 0; c <= columns; c++)
      rules.push(`<line x1="${px(25 + c * cell)}" y1="${px(top)}" x2="${px(25 + c * cell)}" y2="${px(top + spec.table.length * rowMm)}"/>`);
    parts.push(`<g stroke="${ink}" stroke-width="${Math.max(1, px(0.25))}">${rules.join('')}</g>`);
  }
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">
    <rect width="100%" height="100%" fill="#fbfbf8"/>
    <g font-family="${FONT}" fill="${ink}">${parts.join('')}</g></svg>`;
  const sheet = await sharp(Buffer.from(svg), { density: 72 })
    .blur(spec.faint ? 0.9 : 0.6)
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  if (spec.faint) {
    // Paper grain: a weak, seeded noise over the whole sheet.
    const random = lcg(spec.seed ?? 11);
    for (let i = 0; i < sheet.data.length; i++)
      sheet.data[i] = Math.max(0, Math.min(255, sheet.data[i]! + Math.round((random() - 0.5) * 24)));
  }
  const { width: w, height: h, channels } = sheet.info;
  let image: Buffer = await sharp(sheet.data, { raw: { width: w, height: h, channels } })
    .withDensity(dpi)
    .png({ compressionLevel: 1 })
    .toBuffer();
  if (spec.skewDegrees) image = await rotatePage(image, spec.skewDegrees);
  if (spec.format === 'jpeg') image = await sharp(image).withDensity(dpi).jpeg({ quality: 92 }).toBuffer();
  return image;
}
