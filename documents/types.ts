/** One item's row in the catalogue (归档文件目录), DA/T 22-2015. */
export interface CatalogueEntry {
  /** 序号 within the box, from 1. */
  sequence: number;
  /** 档号, e.g. 'J001-SB·2024-D30-YL-0123'. */
  archivalCode: string;
  /** 文号: the business case number. */
  documentNumber: string;
  /** 责任者: the handling office or unit. */
  responsible: string;
  /** 题名 */
  title: string;
  /** 日期 as YYYYMMDD. */
  date: string;
  /** 密级 label in Chinese, e.g. 内部. */
  securityLevel: string;
  /** 页数 */
  pages: number;
  /** 备注 */
  remarks: string;
  /** The item's barcode text (Code 128). */
  barcode: string;
}

/** The note sheet (备考表) kept at the back of a box. */
export interface NoteSheet {
  /** 盒内文件情况说明 */
  note: string;
  itemCount: number;
  pageCount: number;
  /** 整理人 and the day they arranged the box. */
  arrangedBy: string;
  arrangedOn: string;
  /** 检查人 and the day they checked it. */
  checkedBy: string;
  checkedOn: string;
}

/** A box (盒) as assembled: it never mixes years, retention periods or organisational codes. */
export interface BoxDescription {
  fondsCode: string;
  fondsName: string;
  agencyName: string;
  year: number;
  /** 保管期限 code and its label: 'D30', '30年'. */
  retentionCode: string;
  retentionLabel: string;
  orgCode: string;
  boxNumber: number;
  boxBarcode: string;
  firstItemNumber: number;
  lastItemNumber: number;
  firstArchivalCode: string;
  lastArchivalCode: string;
  entries: CatalogueEntry[];
  noteSheet: NoteSheet;
}

export interface CatalogueColumn {
  heading: string;
  /** Width on the printed catalogue (landscape A4), also the basis of the workbook's column widths. */
  widthMm: number;
  align: 'left' | 'center';
  value: (entry: CatalogueEntry) => string;
}

/** DA/T 22-2015 归档文件目录, in its order. */
export const CATALOGUE_COLUMNS: readonly CatalogueColumn[] = [
  { heading: '序号', widthMm: 12, align: 'center', value: (e) => String(e.sequence) },
  { heading: '档号', widthMm: 52, align: 'left', value: (e) => e.archivalCode },
  { heading: '文号', widthMm: 36, align: 'left', value: (e) => e.documentNumber },
  { heading: '责任者', widthMm: 34, align: 'left', value: (e) => e.responsible },
  { heading: '题名', widthMm: 79, align: 'left', value: (e) => e.title },
  { heading: '日期', widthMm: 19, align: 'center', value: (e) => e.date },
  { heading: '密级', widthMm: 12, align: 'center', value: (e) => e.securityLevel },
  { heading: '页数', widthMm: 11, align: 'center', value: (e) => String(e.pages) },
  { heading: '备注', widthMm: 12, align: 'left', value: (e) => e.remarks },
];

export interface LabelSize {
  widthMm: number;
  heightMm: number;
}

/** The printed label of a 保管期限 code: 'Y' → 永久, 'D30' → 30年. */
export function retentionLabel(code: string): string {
  if (code === 'Y') return '永久';
  const years = /^D(\d{1,3})$/.exec(code)?.[1];
  if (years === undefined) throw new RangeError(`unknown retention period code "${code}": expected Y or D followed by a number of years`);
  return `${Number(years)}年`;
}

/** Where a box sits in the holdings, as its sheets and spine name it. */
export function boxPlace(box: BoxDescription): [string, string][] {
  return [
    ['全宗号', box.fondsCode],
    ['年度', String(box.year)],
    ['保管期限', box.retentionLabel],
    ['机构（问题）', box.orgCode],
    ['盒号', fourDigits(box.boxNumber)],
  ];
}

/** Two ideographic spaces between fields, as Chinese forms set them. */
export const FIELD_GAP = '\u3000\u3000';

export function fieldsLine(fields: [string, string][]): string {
  return fields.map(([name, value]) => `${name}：${value}`).join(FIELD_GAP);
}

/** Item and box numbers are printed zero-padded to four digits (DA/T 22-2015). */
export function fourDigits(n: number): string {
  return String(n).padStart(4, '0');
}

/** One decision on a destruction list, in the order given. */
export interface DestructionApprovalLine {
  /** 机构负责人 or 监销人. */
  role: 'agency_head' | 'witness';
  name: string;
  username: string;
  decision: 'approve' | 'reject';
  comment: string | null;
  /** ISO timestamp. */
  at: string;
}

/** One item on a destruction list (销毁清册), with what became of it. */
export interface DestructionLine {
  /** 档号; null for an item that was never numbered. */
  archivalCode: string | null;
  title: string;
  year: number;
  /** 保管期限 code: Y, D100, D50, D30, D10, D5. */
  retentionPeriod: string;
  pages: number;
  /** Bytes of every stored version found before anything was deleted: for a destroyed item, the bytes deleted. */
  bytes: number;
  /** Pages of which the store held no version when destruction first looked: already gone, nothing to delete. */
  gone: { pageNumber: number; key: string }[];
  /** 鉴定意见: why the appraisal committee chose destruction. */
  appraisalReason: string;
  status: 'listed' | 'removed' | 'destroyed' | 'failed';
  /** Why the item came off the list (a hold) or why its deletion failed. */
  note: string | null;
}

export interface DestructionListDocument {
  listId: string;
  fondsCode: string;
  fondsName: string;
  batchId: string;
  proposedBy: string;
  /** 销毁方式 and 销毁地点. */
  method: string;
  place: string;
  /** YYYY-MM-DD */
  date: string;
  lines: DestructionLine[];
  approvals: DestructionApprovalLine[];
  /** IANA zone the document's times are printed in (the agency's). */
  timeZone: string;
}

export interface DestructionCertificateDocument extends DestructionListDocument {
  /** ISO timestamp. */
  executedAt: string;
}
