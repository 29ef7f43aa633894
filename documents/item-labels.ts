import type { CjkFont } from './font';
import { addPage, code128, drawBarcode, fittingSize, mm, renderPdf, writeIn, type Barcode, type Pdf } from './pdf';
import type { CatalogueEntry, LabelSize } from './types';

export const DEFAULT_ITEM_LABEL_SIZE: LabelSize = { widthMm: 50, heightMm: 30 };

const PADDING = mm(2);

/** One label per page for a label printer, the page the size of the label: the item's barcode over its 档号. */
export async function itemLabelsToPdf(entries: CatalogueEntry[], font: CjkFont, size: LabelSize = DEFAULT_ITEM_LABEL_SIZE): Promise<Buffer> {
  const barcodes = await Promise.all(entries.map((entry) => code128(entry.barcode)));
  return renderPdf(font, '件条码标签', (doc) => entries.forEach((entry, i) => drawLabel(doc, entry, barcodes[i]!, size)));
}

function drawLabel(doc: Pdf, entry: CatalogueEntry, barcode: Barcode, size: LabelSize): void {
  const page = { width: mm(size.widthMm), height: mm(size.heightMm) };
  addPage(doc, page);
  const width = page.width - 2 * PADDING;
  const codeHeight = mm(4.5);
  const textHeight = mm(3);
  const barsHeight = page.height - 2 * PADDING - textHeight - codeHeight;
  drawBarcode(doc, barcode, { x: PADDING, y: PADDING, width, height: barsHeight }, 0.33);
  const under = PADDING + barsHeight;
  writeIn(doc, entry.barcode, { x: PADDING, y: under, width, height: textHeight }, { size: fittingSize(doc, entry.barcode, width, 7), align: 'center' });
  const code = { x: PADDING, y: under + textHeight, width, height: codeHeight };
  writeIn(doc, entry.archivalCode, code, { size: fittingSize(doc, entry.archivalCode, width, 10), align: 'center' });
}
