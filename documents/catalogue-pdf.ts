import type { CjkFont } from './font';
import { A4, addPage, drawEach, frame, heightIn, mm, renderPdf, writeIn, type Pdf } from './pdf';
import { CATALOGUE_COLUMNS, boxPlace, fieldsLine, type BoxDescription } from './types';

/** Landscape A4: nine columns leave the title too narrow on a portrait page. */
const PAGE = { width: A4.height, height: A4.width };
const MARGIN = { top: mm(15), side: mm(15), bottom: mm(18) };
const FOOTER_Y = PAGE.height - mm(12);
const CELL = { size: 9, padding: mm(1.5), minHeight: mm(8) };
const HEADING = { size: 10, height: mm(9) };

/**
 * The catalogue of each box, each box starting on a new page and numbered on its own, since each
 * box's catalogue is filed in that box. Rows are never split; the column headings repeat on every page.
 */
export function catalogueToPdf(boxes: BoxDescription[], font: CjkFont): Promise<Buffer> {
  return renderPdf(font, '归档文件目录', async (doc) => {
    const pagesPerBox: number[] = [];
    await drawEach(boxes, (box) => pagesPerBox.push(drawBox(doc, box)));
    numberPages(doc, pagesPerBox);
  });
}

function drawBox(doc: Pdf, box: BoxDescription): number {
  let pages = 1;
  const tableTop = startPage(doc, box);
  let y = tableTop;
  for (const entry of box.entries) {
    const cells = CATALOGUE_COLUMNS.map((c) => c.value(entry));
    const height = rowHeight(doc, cells);
    if (y + height > PAGE.height - MARGIN.bottom && y > tableTop) {
      y = startPage(doc, box);
      pages++;
    }
    drawRow(doc, cells, y, height, CELL.size);
    y += height;
  }
  return pages;
}

function startPage(doc: Pdf, box: BoxDescription): number {
  addPage(doc, PAGE);
  const width = PAGE.width - 2 * MARGIN.side;
  writeIn(
    doc,
    '归档文件目录',
    { x: MARGIN.side, y: MARGIN.top, width, height: mm(10) },
    { size: 18, align: 'center', characterSpacing: 4 },
  );
  const line = { x: MARGIN.side, y: MARGIN.top + mm(12), width, height: mm(6) };
  writeIn(
    doc,
    fieldsLine([
      ['全宗号', box.fondsCode],
      ['全宗名称', box.fondsName],
    ]),
    line,
    { size: 10 },
  );
  writeIn(doc, fieldsLine(boxPlace(box).slice(1)), line, { size: 10, align: 'right' });
  const top = line.y + line.height + mm(2);
  drawRow(
    doc,
    CATALOGUE_COLUMNS.map((c) => c.heading),
    top,
    HEADING.height,
    HEADING.size,
    true,
  );
  return top + HEADING.height;
}

function rowHeight(doc: Pdf, cells: string[]): number {
  const tallest = Math.max(...cells.map((text, i) => heightIn(doc, text, mm(CATALOGUE_COLUMNS[i]!.widthMm), CELL)));
  return Math.max(CELL.minHeight, tallest + 2 * CELL.padding);
}

function drawRow(doc: Pdf, cells: string[], y: number, height: number, size: number, heading = false): void {
  let x = MARGIN.side;
  CATALOGUE_COLUMNS.forEach((column, i) => {
    const cell = { x, y, width: mm(column.widthMm), height };
    frame(doc, cell);
    writeIn(doc, cells[i] ?? '', cell, { size, padding: CELL.padding, align: heading ? 'center' : column.align });
    x += cell.width;
  });
}

function numberPages(doc: Pdf, pagesPerBox: number[]): void {
  let page = 0;
  for (const count of pagesPerBox) {
    for (let n = 1; n <= count; n++, page++) {
      doc.switchToPage(page);
      writeIn(doc, `第 ${n} 页 共 ${count} 页`, { x: 0, y: FOOTER_Y, width: PAGE.width, height: mm(5) }, { size: 9, align: 'center' });
    }
  }
}
