import ExcelJS from 'exceljs';
import type { UseRegisterLine, UseStatistic } from '../catalogue/use-register';
import { USE_FORM_LABELS, USE_KIND_LABELS, USE_PURPOSE_LABELS, type UseForm } from '../domain/consultation';
import { chineseTime } from './time';

const THIN = { style: 'thin' } as const;
const BORDER = { top: THIN, left: THIN, bottom: THIN, right: THIN };

const REGISTER_COLUMNS: { heading: string; width: number; value: (e: UseRegisterLine, timeZone: string) => string | number }[] = [
  { heading: '序号', width: 8, value: (e) => Number(e.id) },
  { heading: '时间', width: 20, value: (e, tz) => chineseTime(e.at.toISOString(), tz) },
  { heading: '申请编号', width: 18, value: (e) => e.number },
  { heading: '利用人', width: 14, value: (e) => e.requester },
  { heading: '单位', width: 20, value: (e) => e.outsideUnit ?? '' },
  { heading: '利用目的', width: 16, value: (e) => USE_PURPOSE_LABELS[e.purpose] },
  { heading: '利用方式', width: 12, value: (e) => USE_FORM_LABELS[e.form as UseForm] ?? e.form },
  { heading: '利用内容', width: 12, value: (e) => USE_KIND_LABELS[e.kind] + (e.pageNumber ? ` 第${e.pageNumber}页` : '') },
  { heading: '全宗', width: 8, value: (e) => e.fonds },
  { heading: '档号', width: 26, value: (e) => e.archivalCode ?? '' },
  { heading: '题名', width: 36, value: (e) => e.title },
  { heading: '业务环节', width: 16, value: (e) => e.businessType },
  { heading: '经办', width: 12, value: (e) => e.actor },
  { heading: '利用效果', width: 30, value: (e) => e.outcome ?? '' },
];

const STATISTIC_COLUMNS: { heading: string; width: number; value: (s: UseStatistic) => string | number }[] = [
  { heading: '月份', width: 10, value: (s) => s.month },
  { heading: '利用目的', width: 16, value: (s) => USE_PURPOSE_LABELS[s.purpose] },
  { heading: '业务环节', width: 18, value: (s) => s.businessType },
  { heading: '利用次数', width: 10, value: (s) => s.uses },
  { heading: '申请数', width: 10, value: (s) => s.requests },
  { heading: '件数', width: 10, value: (s) => s.items },
];

/** The use register (利用登记) and its statistics (利用统计) as a workbook of two sheets. */
export async function useRegisterToXlsx(entries: UseRegisterLine[], statistics: UseStatistic[], timeZone: string): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  workbook.creator = 'Lantai';
  addSheet(
    workbook,
    '利用登记',
    REGISTER_COLUMNS,
    entries.map((e) => REGISTER_COLUMNS.map((c) => c.value(e, timeZone))),
  );
  addSheet(
    workbook,
    '利用统计',
    STATISTIC_COLUMNS,
    statistics.map((s) => STATISTIC_COLUMNS.map((c) => c.value(s))),
  );
  return Buffer.from(await workbook.xlsx.writeBuffer());
}

function addSheet(workbook: ExcelJS.Workbook, name: string, columns: { heading: string; width: number }[], rows: (string | number)[][]) {
  const sheet = workbook.addWorksheet(name, { views: [{ state: 'frozen', ySplit: 1 }] });
  sheet.columns = columns.map((c) => ({ width: c.width }));
  const headings = sheet.addRow(columns.map((c) => c.heading));
  headings.font = { bold: true };
  for (const row of rows) sheet.addRow(row);
  sheet.eachRow((row) => row.eachCell((cell) => (cell.border = BORDER)));
}
