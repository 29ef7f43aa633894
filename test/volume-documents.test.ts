import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import {
  CATALOGUE_COLUMNS,
  CjkFontMissingError,
  DEFAULT_CJK_FONT,
  catalogueToPdf,
  catalogueToXlsx,
  cjkFontPath,
  itemLabelsToPdf,
  loadCjkFont,
  noteSheetsToPdf,
  retentionLabel,
  spineLabelsToPdf,
  type BoxDescription,
  type CatalogueEntry,
  type CjkFont,
} from '../documents';
import { decodeBarcodes } from '../imaging';
import { run, scratchFolder } from './fixtures/pdf';

const CASES = ['张伟参保人员登记', '王芳基本养老保险待遇核定', '李强个人账户转移接续', '刘洋失业保险金申领', '陈静生育津贴支付审批'];
const LONG_TITLES = new Map([
  [4, '关于某某市某某区人力资源和社会保障局申请办理二〇二四年度企业职工基本养老保险待遇核定及个人账户一次性支付的审批材料'],
  [16, '某某有限责任公司为职工周建国申请工伤认定、劳动能力鉴定及一次性伤残补助金核定的全部申报与审核材料'],
]);

function archivalCode(item: number): string {
  return `J001-SB·2024-D30-YL-${String(item).padStart(4, '0')}`;
}

function entry(item: number, index: number): CatalogueEntry {
  return {
    sequence: index + 1,
    archivalCode: archivalCode(item),
    documentNumber: `YL2024${String(3000 + item).padStart(6, '0')}`,
    responsible: '养老保险科',
    title: LONG_TITLES.get(index) ?? `${CASES[index % CASES.length]!}（第${item}号）`,
    date: `202403${String((index % 28) + 1).padStart(2, '0')}`,
    securityLevel: '内部',
    pages: 3 + (index % 7),
    remarks: index === 2 ? '原件缺页' : '',
    barcode: `LT-J001-2024-${String(item).padStart(6, '0')}`,
  };
}

function box(boxNumber: number, firstItem: number, count: number): BoxDescription {
  const entries = Array.from({ length: count }, (_, i) => entry(firstItem + i, i));
  const lastItem = firstItem + count - 1;
  return {
    fondsCode: 'J001',
    fondsName: '某某市社会保险事业管理局',
    agencyName: '某某市人力资源和社会保障局',
    year: 2024,
    retentionCode: 'D30',
    retentionLabel: retentionLabel('D30'),
    orgCode: 'YL',
    boxNumber,
    boxBarcode: `HZ-J001-2024-${String(boxNumber).padStart(4, '0')}`,
    firstItemNumber: firstItem,
    lastItemNumber: lastItem,
    firstArchivalCode: archivalCode(firstItem),
    lastArchivalCode: archivalCode(lastItem),
    entries,
    noteSheet: {
      note: '本盒文件齐全，其中第3件原件缺第2页，已在备注栏注明。',
      itemCount: count,
      pageCount: entries.reduce((sum, e) => sum + e.pages, 0),
      arrangedBy: '赵敏',
      arrangedOn: '20250310',
      checkedBy: '孙丽',
      checkedOn: '20250312',
    },
  };
}

const boxes = [box(1, 1, 25), box(2, 26, 3)];
const [first, second] = boxes as [BoxDescription, BoxDescription];
let font: CjkFont;
const scratch = scratchFolder('lantai-documents-');
const saved = scratch.save;

beforeAll(() => {
  font = loadCjkFont(cjkFontPath());
});

function pageCount(path: string): number {
  return Number(/^Pages:\s+(\d+)/m.exec(run('pdfinfo', path))?.[1]);
}

/** -layout keeps a row on one line; -raw keeps a wrapped cell's lines together, in drawing order. */
function pageText(path: string, page: number, mode: '-layout' | '-raw' = '-layout'): string {
  return run('pdftotext', mode, '-f', String(page), '-l', String(page), path, '-');
}

const compact = (text: string) => text.replace(/\s+/g, '');
const occurrences = (text: string, part: string) => text.split(part).length - 1;

describe('catalogue (归档文件目录) as PDF', () => {
  let path: string;
  let pages: string[];

  beforeAll(async () => {
    path = saved('catalogue.pdf', await catalogueToPdf(boxes, font));
    pages = Array.from({ length: pageCount(path) }, (_, i) => pageText(path, i + 1));
  });

  test('starts each box on a new page, the first box running over two pages', () => {
    expect(pages).toHaveLength(3);
    expect(pages[0]).toMatch(/盒号：0001/);
    expect(pages[1]).toMatch(/盒号：0001/);
    expect(pages[2]).toMatch(/盒号：0002/);
    expect(pages[2]).not.toContain(first.lastArchivalCode);
  });

  test("lists every item's archival code exactly once, in order", () => {
    const text = pages.join('\n');
    const codes = boxes.flatMap((b) => b.entries.map((e) => e.archivalCode));
    for (const code of codes) expect(occurrences(text, code)).toBe(1);
    const positions = codes.map((code) => text.indexOf(code));
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
  });

  test('heads every page with the box header and the nine column headings', () => {
    for (const page of pages) {
      expect(compact(page)).toContain('归档文件目录');
      expect(compact(page)).toMatch(/全宗号：J001.*年度：2024.*保管期限：30年.*机构（问题）：YL/);
      expect(page).toMatch(/序号\s+档号\s+文号\s+责任者\s+题名\s+日期\s+密级\s+页数\s+备注/);
    }
  });

  test('prints the Chinese titles, wrapping long ones inside their cell and never splitting a row across pages', () => {
    const raw = Array.from({ length: pages.length }, (_, i) => compact(pageText(path, i + 1, '-raw')));
    for (const { archivalCode, title } of boxes.flatMap((b) => b.entries)) {
      const page = raw.findIndex((text) => text.includes(archivalCode));
      expect(raw[page]).toContain(compact(title));
    }
    const wrapped = LONG_TITLES.get(4)!;
    expect(pages[0]).not.toContain(wrapped);
    expect(compact(pages[0]!)).toContain(wrapped.slice(0, 10));
  });

  test('numbers the pages of each box 第 n 页 共 m 页', () => {
    expect(pages.map((page) => /第\d+页共\d+页/.exec(compact(page))?.[0])).toEqual(['第1页共2页', '第2页共2页', '第1页共1页']);
  });

  test('embeds a subset of the CJK font', () => {
    const embedded = run('pdffonts', path)
      .split('\n')
      .slice(2)
      .filter((line) => /CID TrueType|CID Type 0C/.test(line) && /\byes\s+yes\s+yes\b/.test(line));
    expect(embedded).toHaveLength(1);
    expect(embedded[0]).toMatch(/^[A-Z]{6}\+/);
  });
});

describe('spine labels (盒脊)', () => {
  test('prints one 30 × 220 mm label per box with its fonds, year, retention, organisation, item range and box number', async () => {
    const path = saved('spines.pdf', await spineLabelsToPdf(boxes, font));
    expect(pageCount(path)).toBe(2);
    const [width, height] = /Page size:\s+([\d.]+) x ([\d.]+) pts/
      .exec(run('pdfinfo', path))!
      .slice(1)
      .map((pt) => Math.round((Number(pt) * 25.4) / 72));
    expect([width, height]).toEqual([30, 220]);
    const label = compact(pageText(path, 2));
    for (const part of ['J001', '2024', '30年', 'YL', '0026', '0028', '0002', second.boxBarcode]) expect(label).toContain(part);
  });

  test('carries the box barcode as a readable Code 128', async () => {
    const path = saved('spines-20mm.pdf', await spineLabelsToPdf([first], font, { widthMm: 20, heightMm: 220 }));
    execFileSync('pdftoppm', ['-r', '300', '-png', '-singlefile', path, scratch.path('spine')]);
    const found = await decodeBarcodes(readFileSync(scratch.path('spine.png')));
    expect(found.map((b) => [b.format, b.text])).toEqual([['Code128', first.boxBarcode]]);
  });
});

describe('item barcode labels', () => {
  let path: string;

  beforeAll(async () => {
    path = saved('items.pdf', await itemLabelsToPdf(first.entries, font));
  });

  test('prints one 50 × 30 mm label per item', () => {
    expect(pageCount(path)).toBe(first.entries.length);
    expect(run('pdfinfo', path)).toMatch(/Page size:\s+141\.73\d* x 85\.03\d* pts/);
  });

  test("carries the item's barcode, which reads back, over its archival code", async () => {
    execFileSync('pdftoppm', ['-r', '300', '-png', '-f', '1', '-l', '1', '-singlefile', path, scratch.path('item')]);
    const found = await decodeBarcodes(readFileSync(scratch.path('item.png')));
    expect(found.map((b) => [b.format, b.text])).toEqual([['Code128', first.entries[0]!.barcode]]);
    expect(pageText(path, 1)).toContain(first.entries[0]!.archivalCode);
  });
});

describe('note sheets (备考表)', () => {
  test('prints one page per box with the note, counts, who arranged and checked it and when, and its code range', async () => {
    const path = saved('notes.pdf', await noteSheetsToPdf(boxes, font));
    expect(pageCount(path)).toBe(2);
    const sheet = compact(pageText(path, 1));
    expect(sheet).toContain('备考表');
    expect(sheet).toContain('盒内文件情况说明');
    expect(sheet).toContain(compact(first.noteSheet.note));
    expect(sheet).toContain(`本盒共${first.noteSheet.itemCount}件，共${first.noteSheet.pageCount}页`);
    expect(sheet).toMatch(/整理人：赵敏日期：2025年3月10日/);
    expect(sheet).toMatch(/检查人：孙丽日期：2025年3月12日/);
    expect(sheet).toContain(`${first.firstArchivalCode}至${first.lastArchivalCode}`);
  });
});

describe('catalogue as an Excel workbook', () => {
  test("gives each box a worksheet that lists exactly the box's items in order, under the nine columns", async () => {
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(new Uint8Array(await catalogueToXlsx(boxes)).buffer);

    expect(workbook.worksheets.map((sheet) => sheet.name)).toEqual(['盒0001', '盒0002']);
    boxes.forEach((b, i) => {
      const sheet = workbook.worksheets[i]!;
      const texts = (row: number) => CATALOGUE_COLUMNS.map((_, column) => sheet.getRow(row).getCell(column + 1).text);
      expect(sheet.getRow(1).getCell(1).text).toMatch(/^归档文件目录/);
      expect(texts(2)).toEqual(['序号', '档号', '文号', '责任者', '题名', '日期', '密级', '页数', '备注']);
      const rows = Array.from({ length: sheet.rowCount - 2 }, (_, r) => texts(r + 3));
      expect(rows).toEqual(b.entries.map((e) => CATALOGUE_COLUMNS.map((column) => column.value(e))));
    });
  });
});

describe('loadCjkFont', () => {
  test('refuses a missing font file, naming LANTAI_CJK_FONT and the package to install', () => {
    const attempt = () => loadCjkFont(join(tmpdir(), 'no-such-font.ttc'));
    expect(attempt).toThrow(CjkFontMissingError);
    expect(attempt).toThrow(/fonts-wqy-microhei/);
    expect(attempt).toThrow(/LANTAI_CJK_FONT/);
  });

  test('picks the face pdfkit needs out of the default TrueType collection', () => {
    expect(loadCjkFont(DEFAULT_CJK_FONT)).toEqual({ path: DEFAULT_CJK_FONT, face: 'WenQuanYiMicroHei' });
  });
});
