import type { CjkFont } from './font';
import { A4, addPage, drawEach, frame, mm, renderPdf, writeIn, type Pdf } from './pdf';
import { boxPlace, fieldsLine, type BoxDescription } from './types';

const LEFT = mm(25);
const RIGHT = mm(20);
const WIDTH = A4.width - LEFT - RIGHT;
const BODY = { size: 11, padding: mm(6) };

/** The 备考表 (DA/T 22-2015) placed after the last item of each box: one A4 page per box. */
export function noteSheetsToPdf(boxes: BoxDescription[], font: CjkFont): Promise<Buffer> {
  return renderPdf(font, '备考表', (doc) => drawEach(boxes, (box) => drawNoteSheet(doc, box)));
}

function drawNoteSheet(doc: Pdf, box: BoxDescription): void {
  addPage(doc, A4);
  const line = (y: number, height = mm(7)) => ({ x: LEFT, y, width: WIDTH, height });
  writeIn(doc, '备考表', line(mm(22), mm(12)), { size: 22, align: 'center', characterSpacing: 10 });
  writeIn(doc, fieldsLine(boxPlace(box)), line(mm(40)), { size: 10.5, align: 'center' });
  writeIn(doc, `起止档号：${box.firstArchivalCode} 至 ${box.lastArchivalCode}`, line(mm(47)), { size: 10.5, align: 'center' });

  const sheet = { x: LEFT, y: mm(58), width: WIDTH, height: A4.height - mm(58) - mm(25) };
  frame(doc, sheet, 1);
  const inside = { x: sheet.x + BODY.padding, width: sheet.width - 2 * BODY.padding };
  writeIn(doc, '盒内文件情况说明', { ...inside, y: sheet.y + mm(6), height: mm(8) }, { size: 13 });
  const { note, itemCount, pageCount } = box.noteSheet;
  const body = [`本盒共 ${itemCount} 件，共 ${pageCount} 页。`, note].filter(Boolean).join('\n');
  const signatures = sheet.y + sheet.height - mm(30);
  const bodyTop = sheet.y + mm(18);
  doc.fontSize(BODY.size).text(body, inside.x, bodyTop, {
    width: inside.width,
    height: signatures - mm(5) - bodyTop,
    lineGap: 6,
    indent: 2 * BODY.size,
    ellipsis: true,
  });
  drawSignatures(doc, box, signatures);
}

function drawSignatures(doc: Pdf, box: BoxDescription, top: number): void {
  const { arrangedBy, arrangedOn, checkedBy, checkedOn } = box.noteSheet;
  const rows: [string, string, string][] = [
    ['整理人', arrangedBy, chineseDate(arrangedOn)],
    ['检查人', checkedBy, chineseDate(checkedOn)],
  ];
  rows.forEach(([role, person, day], i) => {
    const y = top + i * mm(10);
    writeIn(doc, `${role}：${person}`, { x: LEFT + WIDTH * 0.45, y, width: WIDTH * 0.25, height: mm(8) }, { size: 11 });
    writeIn(doc, `日期：${day}`, { x: LEFT + WIDTH * 0.7, y, width: WIDTH * 0.28, height: mm(8) }, { size: 11 });
  });
}

/** '20250301' or '2025-03-01' as 2025年3月1日; anything else as given. */
export function chineseDate(day: string): string {
  const m = /^(\d{4})-?(\d{2})-?(\d{2})$/.exec(day);
  return m ? `${m[1]}年${Number(m[2])}月${Number(m[3])}日` : day;
}
