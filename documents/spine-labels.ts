import type { CjkFont } from './font';
import {
  addPage,
  code128,
  drawBarcode,
  drawEach,
  fittingSize,
  frame,
  mm,
  renderPdf,
  writeIn,
  type Barcode,
  type Box,
  type Pdf,
} from './pdf';
import { boxPlace, fourDigits, type BoxDescription, type LabelSize } from './types';

/** A strip for a 30 mm spine; boxes also come 20, 40 and 50 mm wide. */
export const DEFAULT_SPINE_SIZE: LabelSize = { widthMm: 30, heightMm: 220 };

const INSET = mm(1);
const PADDING = mm(2);

/** One spine label (盒脊) per page, the page the size of the label. */
export async function spineLabelsToPdf(boxes: BoxDescription[], font: CjkFont, size: LabelSize = DEFAULT_SPINE_SIZE): Promise<Buffer> {
  const barcodes = boxes.map((box) => code128(box.boxBarcode));
  return renderPdf(font, '盒脊', (doc) => drawEach(boxes, (box, i) => drawSpine(doc, box, barcodes[i]!, size)));
}

interface Field {
  caption: string;
  lines: string[];
  /** Share of the strip's height, and the size the value is set at when it fits. */
  share: number;
  size: number;
}

function fieldsOf(box: BoxDescription): Field[] {
  const [boxNumber, ...place] = boxPlace(box)
    .reverse()
    .map(([caption, value]) => ({ caption, lines: [value], share: 1, size: 15 }));
  const range = {
    caption: '起止件号',
    lines: [fourDigits(box.firstItemNumber), '至', fourDigits(box.lastItemNumber)],
    share: 1.6,
    size: 15,
  };
  return [...place.reverse(), range, { ...boxNumber!, share: 1.3, size: 22 }];
}

function drawSpine(doc: Pdf, box: BoxDescription, barcode: Barcode, size: LabelSize): void {
  const page = { width: mm(size.widthMm), height: mm(size.heightMm) };
  addPage(doc, page);
  const edge = { x: INSET, y: INSET, width: page.width - 2 * INSET, height: page.height - 2 * INSET };
  frame(doc, edge, 0.8);
  const inner = edge.width - 2 * PADDING;
  const barcodeHeight = Math.min(mm(90), edge.height * 0.38);
  const fields = fieldsOf(box);
  const unit = (edge.height - barcodeHeight) / fields.reduce((sum, f) => sum + f.share, 0);
  let y = edge.y;
  for (const field of fields) {
    const height = unit * field.share;
    drawField(doc, field, { x: edge.x + PADDING, y, width: inner, height });
    y += height;
    doc
      .lineWidth(0.5)
      .moveTo(edge.x, y)
      .lineTo(edge.x + edge.width, y)
      .stroke();
  }
  drawBoxBarcode(doc, box.boxBarcode, barcode, { x: edge.x + PADDING, y: y + PADDING, width: inner, height: barcodeHeight - 2 * PADDING });
}

function drawField(doc: Pdf, { caption, lines, size: preferred }: Field, area: Box): void {
  const captionHeight = mm(5);
  writeIn(
    doc,
    caption,
    { ...area, y: area.y + mm(1.5), height: captionHeight },
    { size: fittingSize(doc, caption, area.width, 8), align: 'center' },
  );
  const size = Math.min(...lines.map((line) => fittingSize(doc, line, area.width, preferred)));
  // One box per line: pdfkit does not centre the lines of a text that holds line breaks.
  const lineHeight = size * 1.3;
  const top = area.y + captionHeight + (area.height - captionHeight - lines.length * lineHeight) / 2;
  lines.forEach((line, i) => writeIn(doc, line, { ...area, y: top + i * lineHeight, height: lineHeight }, { size, align: 'center' }));
}

/** Bars run down the strip, the text beside them turned the same way so it reads along the spine. */
function drawBoxBarcode(doc: Pdf, text: string, barcode: Barcode, area: Box): void {
  const textWidth = mm(4);
  drawBarcode(doc, barcode, { ...area, width: area.width - textWidth }, 0.33, true);
  const size = fittingSize(doc, text, area.height, 8);
  const [cx, cy] = [area.x + area.width - textWidth / 2, area.y + area.height / 2];
  doc.save().rotate(90, { origin: [cx, cy] });
  writeIn(doc, text, { x: cx - area.height / 2, y: cy - textWidth / 2, width: area.height, height: textWidth }, { size, align: 'center' });
  doc.restore();
}
