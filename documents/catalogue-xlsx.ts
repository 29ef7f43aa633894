import ExcelJS from 'exceljs';
import { CATALOGUE_COLUMNS, FIELD_GAP, boxPlace, fieldsLine, fourDigits, type BoxDescription } from './types';

const THIN = { style: 'thin' } as const;
const BORDER = { top: THIN, left: THIN, bottom: THIN, right: THIN };
/** Kept as numbers so the sheet can total them; 日期 stays text, as YYYYMMDD. */
const NUMBERS = new Set(['序号', '页数']);

/** The catalogue as a workbook: one worksheet per box, a title row, the nine columns, one row per item. */
export async function catalogueToXlsx(boxes: BoxDescription[]): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  workbook.creator = 'Lantai';
  const names = new Set<string>();
  for (const box of boxes) addBox(workbook, box, sheetName(box, names));
  return Buffer.from(await workbook.xlsx.writeBuffer());
}

function addBox(workbook: ExcelJS.Workbook, box: BoxDescription, name: string): void {
  const sheet = workbook.addWorksheet(name, {
    pageSetup: { paperSize: 9, orientation: 'landscape', fitToPage: true, fitToWidth: 1, fitToHeight: 0, printTitlesRow: '2:2' },
    views: [{ state: 'frozen', ySplit: 2 }],
  });
  sheet.columns = CATALOGUE_COLUMNS.map((c) => ({ width: c.widthMm / 1.9 }));
  const title = sheet.addRow([`归档文件目录${FIELD_GAP}${fieldsLine(boxPlace(box))}`]);
  sheet.mergeCells(1, 1, 1, CATALOGUE_COLUMNS.length);
  title.font = { size: 14, bold: true };
  title.alignment = { horizontal: 'center', vertical: 'middle' };
  title.height = 28;
  const headings = sheet.addRow(CATALOGUE_COLUMNS.map((c) => c.heading));
  headings.font = { bold: true };
  for (const entry of box.entries) {
    sheet.addRow(CATALOGUE_COLUMNS.map((c) => (NUMBERS.has(c.heading) ? Number(c.value(entry)) : c.value(entry))));
  }
  sheet.eachRow((row, number) => {
    if (number === 1) return;
    row.eachCell((cell, column) => {
      cell.border = BORDER;
      cell.alignment = { vertical: 'middle', wrapText: true, horizontal: number === 2 ? 'center' : CATALOGUE_COLUMNS[column - 1]?.align };
    });
  });
}

/** '盒0001'; boxes of different years or retention periods may share a number, and sheet names must differ. */
function sheetName(box: BoxDescription, taken: Set<string>): string {
  const plain = `盒${fourDigits(box.boxNumber)}`;
  let name = taken.has(plain) ? `${box.year}-${box.retentionCode}-${box.orgCode}-${plain}`.slice(-31) : plain;
  for (let n = 2; taken.has(name); n++) name = `${plain}(${n})`;
  taken.add(name);
  return name;
}
