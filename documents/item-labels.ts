import type { CjkFont } from './font';
import { addPage, code128, drawBarcode, drawEach, fittingSize, mm, renderPdf, writeIn, type Barcode, type Pdf } from './pdf';
import type { CatalogueEntry, LabelSize } from './types';

export const DEFAULT_ITEM_LABEL_SIZE: LabelSize = { widthMm: 50, heightMm: 30 };

const PADDING = mm(2);

/** A barcode label: the Code 128 text and the caption printed under it. */
export interface Label {
  barcode: string;
  caption: string;
}

/** One label per page for a label printer, the page the size of the label: the item's barcode over its 档号. */
export async function itemLabelsToPdf(
  entries: CatalogueEntry[],
  font: CjkFont,
  size: LabelSize = DEFAULT_ITEM_LABEL_SIZE,
): Promise<Buffer> {
  return labelsToPdf(
    entries.map((e) => ({ barcode: e.barcode, caption: e.archivalCode })),
    font,
    size,
    '件条码标签',
  );
}

/** Shelf labels (架位条码): the shelf's barcode over its room and shelf. */
export async function shelfLabelsToPdf(
  shelves: { barcode: string; room: string; shelf: string }[],
  font: CjkFont,
  size: LabelSize = DEFAULT_ITEM_LABEL_SIZE,
): Promise<Buffer> {
  return labelsToPdf(
    shelves.map((s) => ({ barcode: s.barcode, caption: `库房 ${s.room}  架 ${s.shelf}` })),
    font,
    size,
    '架位条码标签',
  );
}

async function labelsToPdf(labels: Label[], font: CjkFont, size: LabelSize, title: string): Promise<Buffer> {
  const barcodes = labels.map((label) => code128(label.barcode));
  return renderPdf(font, title, (doc) => drawEach(labels, (label, i) => drawLabel(doc, label, barcodes[i]!, size), 50));
}

function drawLabel(doc: Pdf, entry: Label, barcode: Barcode, size: LabelSize): void {
  const page = { width: mm(size.widthMm), height: mm(size.heightMm) };
  addPage(doc, page);
  const width = page.width - 2 * PADDING;
  const codeHeight = mm(4.5);
  const textHeight = mm(3);
  const barsHeight = page.height - 2 * PADDING - textHeight - codeHeight;
  drawBarcode(doc, barcode, { x: PADDING, y: PADDING, width, height: barsHeight }, 0.33);
  const under = PADDING + barsHeight;
  writeIn(
    doc,
    entry.barcode,
    { x: PADDING, y: under, width, height: textHeight },
    { size: fittingSize(doc, entry.barcode, width, 7), align: 'center' },
  );
  const code = { x: PADDING, y: under + textHeight, width, height: codeHeight };
  writeIn(doc, entry.caption, code, { size: fittingSize(doc, entry.caption, width, 10), align: 'center' });
}
