import type { CjkFont } from './font';
import { chineseDate } from './note-sheet';
import { chineseTime, zoneLabel } from './time';
import { A4, addPage, fittingSize, frame, heightIn, mm, renderPdf, writeIn, type Pdf } from './pdf';
import { fieldsLine, retentionLabel, type DestructionApprovalLine, type DestructionLine, type DestructionListDocument } from './types';

/** Landscape A4, as the catalogue: the 档号, titles and reasons need the width. */
const PAGE = { width: A4.height, height: A4.width };
const MARGIN = { top: mm(15), side: mm(15), bottom: mm(18) };
const CELL = { size: 9, padding: mm(1.5), minHeight: mm(8) };
const HEADING = { size: 10, height: mm(9) };
const CAPTION = { size: 12, height: mm(8) };

export interface Column<T> {
  heading: string;
  /** Relative width: a table shares its width among its columns in these proportions. */
  widthMm: number;
  align: 'left' | 'center';
  /** Kept on one line, shrunk when too long: an 档号 broken at a hyphen reads as two codes. */
  oneLine?: boolean;
  value: (row: T, index: number) => string;
}

export const ROLE_LABELS: Record<DestructionApprovalLine['role'], string> = { agency_head: '机构负责人', witness: '监销人' };
const DECISION_LABELS: Record<DestructionApprovalLine['decision'], string> = { approve: '同意', reject: '不同意' };

const LIST_COLUMNS: readonly Column<DestructionLine>[] = [
  { heading: '序号', widthMm: 10, align: 'center', value: (_, i) => String(i + 1) },
  { heading: '档号', widthMm: 48, align: 'left', oneLine: true, value: archivalCodeOf },
  { heading: '题名', widthMm: 72, align: 'left', value: (line) => line.title },
  { heading: '年度', widthMm: 12, align: 'center', value: (line) => String(line.year) },
  { heading: '保管期限', widthMm: 16, align: 'center', value: (line) => retentionLabel(line.retentionPeriod) },
  { heading: '页数', widthMm: 10, align: 'center', value: (line) => String(line.pages) },
  { heading: '鉴定意见', widthMm: 57, align: 'left', value: (line) => line.appraisalReason },
  { heading: '备注', widthMm: 42, align: 'left', value: remarkOf },
];

/** The approvals table; its times are printed in the agency's zone, named in the heading. */
export const approvalColumns = (timeZone: string): readonly Column<DestructionApprovalLine>[] => [
  { heading: '审批环节', widthMm: 24, align: 'center', value: (a) => ROLE_LABELS[a.role] },
  { heading: '姓名', widthMm: 40, align: 'left', value: (a) => `${a.name}（${a.username}）` },
  { heading: '意见', widthMm: 16, align: 'center', value: (a) => DECISION_LABELS[a.decision] },
  { heading: `时间（${zoneLabel(timeZone)}）`, widthMm: 36, align: 'center', oneLine: true, value: (a) => chineseTime(a.at, timeZone) },
  { heading: '说明', widthMm: 70, align: 'left', value: (a) => a.comment ?? '' },
];

/**
 * The destruction list (销毁清册), kept permanently: the list's particulars, one row per item with its
 * appraisal reason and what became of it, then every approval given or refused.
 */
export function destructionListToPdf(list: DestructionListDocument, font: CjkFont): Promise<Buffer> {
  return renderPdf(font, '档案销毁清册', (doc) => {
    const width = PAGE.width - 2 * MARGIN.side;
    const table = { x: MARGIN.side, width, bottom: PAGE.height - MARGIN.bottom, continueOn: () => startPage(doc, list, false) };
    let y = drawTable(doc, { ...table, columns: LIST_COLUMNS, rows: list.lines }, startPage(doc, list, true));
    y = writeFlowing(doc, totalsOf(list.lines), { ...table, y: y + mm(2) }, { size: 10 });
    drawApprovals(doc, list.approvals, list.timeZone, { ...table, y: y + mm(4) });
    numberPages(doc, PAGE);
  });
}

function startPage(doc: Pdf, list: DestructionListDocument, first: boolean): number {
  addPage(doc, PAGE);
  const x = MARGIN.side;
  const width = PAGE.width - 2 * MARGIN.side;
  writeIn(
    doc,
    first ? '档案销毁清册' : '档案销毁清册（续）',
    { x, y: MARGIN.top, width, height: mm(10) },
    { size: 18, align: 'center', characterSpacing: 4 },
  );
  const lines = [
    fieldsLine([
      ['全宗号', list.fondsCode],
      ['全宗名称', list.fondsName],
      ['清册编号', list.listId],
    ]),
    fieldsLine([
      ['鉴定批次', list.batchId],
      ['提出人', list.proposedBy],
    ]),
    fieldsLine([
      ['销毁方式', list.method],
      ['销毁地点', list.place],
      ['销毁日期', chineseDate(list.date)],
    ]),
  ];
  let y = MARGIN.top + mm(12);
  for (const line of first ? lines : lines.slice(0, 1)) {
    const height = heightIn(doc, line, width, { size: 10 });
    writeIn(doc, line, { x, y, width, height }, { size: 10 });
    y += height + mm(1);
  }
  return y + mm(1);
}

function drawApprovals(doc: Pdf, approvals: DestructionApprovalLine[], timeZone: string, at: TableArea & { y: number }): void {
  const y = drawCaptionedTable(doc, '审批意见', { ...at, columns: approvalColumns(timeZone), rows: approvals });
  if (approvals.length === 0) writeFlowing(doc, '（尚无审批记录）', { ...at, y: y + mm(1) }, { size: 10 });
}

function totalsOf(lines: DestructionLine[]): string {
  const count = (status: DestructionLine['status']) => lines.filter((line) => line.status === status).length;
  const pages = lines.reduce((sum, line) => sum + line.pages, 0);
  const outcomes = [`已销毁 ${count('destroyed')} 件`, `冻结移出 ${count('removed')} 件`, `删除失败 ${count('failed')} 件`];
  const executed = lines.some((line) => line.status !== 'listed');
  return `合计：本清册共列 ${lines.length} 件，${pages} 页${executed ? `；其中${outcomes.join('，')}` : ''}。`;
}

export function archivalCodeOf(line: DestructionLine): string {
  return line.archivalCode ?? '（未编号）';
}

function remarkOf(line: DestructionLine): string {
  const label = line.status === 'removed' ? '冻结，已移出' : line.status === 'failed' ? '删除失败' : null;
  return [label, line.note].filter(Boolean).join('：');
}

export interface TableArea {
  x: number;
  width: number;
  /** Lowest y a row may reach. */
  bottom: number;
  /** Starts a new page and returns the y where the table goes on. */
  continueOn: () => number;
}

/**
 * Draws the column headings at `top` and the rows under them. A row that does not fit moves to a new
 * page, where the headings are repeated; rows are never split. Returns the y under the last row.
 */
export function drawTable<T>(doc: Pdf, table: TableArea & { columns: readonly Column<T>[]; rows: readonly T[] }, top: number): number {
  const { columns, rows, width, bottom } = table;
  const headings = columns.map((c) => c.heading);
  drawRow(doc, table, headings, top, HEADING.height, HEADING.size, true);
  let tableTop = top + HEADING.height;
  let y = tableTop;
  rows.forEach((row, i) => {
    const cells = cellsOf(columns, row, i);
    const height = rowHeight(doc, columns, cells, width);
    if (y + height > bottom && y > tableTop) {
      const next = table.continueOn();
      drawRow(doc, table, headings, next, HEADING.height, HEADING.size, true);
      y = tableTop = next + HEADING.height;
    }
    drawRow(doc, table, cells, y, height, CELL.size);
    y += height;
  });
  return y;
}

function cellsOf<T>(columns: readonly Column<T>[], row: T, index: number): string[] {
  return columns.map((c) => c.value(row, index));
}

function columnWidths<T>(columns: readonly Column<T>[], width: number): number[] {
  const total = columns.reduce((sum, c) => sum + c.widthMm, 0);
  return columns.map((c) => (width * c.widthMm) / total);
}

function rowHeight<T>(doc: Pdf, columns: readonly Column<T>[], cells: string[], width: number): number {
  const widths = columnWidths(columns, width);
  const tallest = Math.max(...cells.map((text, i) => heightIn(doc, columns[i]!.oneLine ? '档' : text, widths[i]!, CELL)));
  return Math.max(CELL.minHeight, tallest + 2 * CELL.padding);
}

function drawRow<T>(
  doc: Pdf,
  table: TableArea & { columns: readonly Column<T>[] },
  cells: string[],
  y: number,
  height: number,
  size: number,
  heading = false,
): void {
  const widths = columnWidths(table.columns, table.width);
  let x = table.x;
  table.columns.forEach((column, i) => {
    const cell = { x, y, width: widths[i]!, height };
    const text = cells[i] ?? '';
    const fitted = heading || column.oneLine ? fittingSize(doc, text, cell.width - 2 * CELL.padding, size) : size;
    frame(doc, cell);
    writeIn(doc, text, cell, { size: fitted, padding: CELL.padding, align: heading ? 'center' : column.align });
    x += cell.width;
  });
}

/** A caption over a table; the caption never stands alone at the foot of a page. Returns the y under the table. */
export function drawCaptionedTable<T>(
  doc: Pdf,
  caption: string,
  table: TableArea & { columns: readonly Column<T>[]; rows: readonly T[]; y: number },
): number {
  const first = table.rows[0];
  const firstRow = first === undefined ? 0 : rowHeight(doc, table.columns, cellsOf(table.columns, first, 0), table.width);
  const y = table.y + CAPTION.height + HEADING.height + firstRow > table.bottom ? table.continueOn() : table.y;
  writeIn(doc, caption, { x: table.x, y, width: table.width, height: CAPTION.height - mm(1) }, { size: CAPTION.size });
  return drawTable(doc, table, y + CAPTION.height);
}

/** Writes wrapped text at `y`, on a new page when it would pass the bottom; returns the y under it. */
export function writeFlowing(doc: Pdf, text: string, at: TableArea & { y: number }, writing: { size: number }): number {
  const height = heightIn(doc, text, at.width, writing);
  const y = at.y + height > at.bottom ? at.continueOn() : at.y;
  writeIn(doc, text, { x: at.x, y, width: at.width, height }, writing);
  return y + height;
}

/** 第 n 页 共 m 页 at the foot of every page, once the count is known. */
export function numberPages(doc: Pdf, page: { width: number; height: number }): void {
  const { start, count } = doc.bufferedPageRange();
  for (let n = 1; n <= count; n++) {
    doc.switchToPage(start + n - 1);
    writeIn(
      doc,
      `第 ${n} 页 共 ${count} 页`,
      { x: 0, y: page.height - mm(12), width: page.width, height: mm(5) },
      { size: 9, align: 'center' },
    );
  }
}
