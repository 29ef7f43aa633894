import {
  approvalColumns,
  ROLE_LABELS,
  archivalCodeOf,
  drawCaptionedTable,
  numberPages,
  type Column,
  type TableArea,
} from './destruction-list';
import type { CjkFont } from './font';
import { chineseDate } from './note-sheet';
import { chineseTime, zoneLabel } from './time';
import { A4, addPage, mm, renderPdf, writeIn, type Pdf } from './pdf';
import { FIELD_GAP, fieldsLine, type DestructionApprovalLine, type DestructionCertificateDocument, type DestructionLine } from './types';

const MARGIN = { top: mm(20), side: mm(20), bottom: mm(20) };
const WIDTH = A4.width - 2 * MARGIN.side;
const BODY = { size: 11, lineGap: 5 };
const SIGNATURE_ROW = mm(12);

const FAILED_COLUMNS: readonly Column<DestructionLine>[] = [
  { heading: '序号', widthMm: 12, align: 'center', value: (_, i) => String(i + 1) },
  { heading: '档号', widthMm: 50, align: 'left', oneLine: true, value: archivalCodeOf },
  { heading: '题名', widthMm: 60, align: 'left', value: (line) => line.title },
  { heading: '失败原因', widthMm: 48, align: 'left', value: (line) => line.note ?? '' },
];

interface GoneObject {
  line: DestructionLine;
  pageNumber: number;
  key: string;
}

const GONE_COLUMNS: readonly Column<GoneObject>[] = [
  { heading: '序号', widthMm: 12, align: 'center', value: (_, i) => String(i + 1) },
  { heading: '档号', widthMm: 50, align: 'left', oneLine: true, value: (gone) => archivalCodeOf(gone.line) },
  { heading: '页号', widthMm: 14, align: 'center', value: (gone) => String(gone.pageNumber) },
  { heading: '存储对象', widthMm: 94, align: 'left', value: (gone) => gone.key },
];

const DESTROYED_COLUMNS: readonly Column<DestructionLine>[] = [
  { heading: '序号', widthMm: 12, align: 'center', value: (_, i) => String(i + 1) },
  { heading: '档号', widthMm: 52, align: 'left', oneLine: true, value: archivalCodeOf },
  { heading: '题名', widthMm: 92, align: 'left', value: (line) => line.title },
  { heading: '页数', widthMm: 14, align: 'center', value: (line) => String(line.pages) },
];

/**
 * The destruction certificate (销毁证明书): what was destroyed, when, where, how and under whose
 * supervision, signed by both witnesses and the agency head. The destroyed items follow as an attached
 * table, after the signatures, so that a long list never parts the signatures from the statement.
 */
export function destructionCertificateToPdf(certificate: DestructionCertificateDocument, font: CjkFont): Promise<Buffer> {
  return renderPdf(font, '档案销毁证明书', (doc) => {
    const area: TableArea = {
      x: MARGIN.side,
      width: WIDTH,
      bottom: A4.height - MARGIN.bottom,
      continueOn: () => startPage(doc, certificate, false),
    };
    const failed = certificate.lines.filter((line) => line.status === 'failed');
    const destroyed = certificate.lines.filter((line) => line.status === 'destroyed');
    let y = drawStatement(doc, statementOf(certificate), { ...area, y: startPage(doc, certificate, true) });
    if (failed.length > 0) y = drawCaptionedTable(doc, '删除失败的档案', { ...area, columns: FAILED_COLUMNS, rows: failed, y: y + mm(4) });
    const gone = goneObjectsOf(destroyed);
    if (gone.length > 0)
      y = drawCaptionedTable(doc, '销毁前已不在存储中的页面对象', { ...area, columns: GONE_COLUMNS, rows: gone, y: y + mm(4) });
    y = drawCaptionedTable(doc, '审批情况', {
      ...area,
      columns: approvalColumns(certificate.timeZone),
      rows: certificate.approvals,
      y: y + mm(4),
    });
    y = drawSignatures(doc, signersOf(certificate.approvals), { ...area, y: y + mm(8) });
    const pages = destroyed.reduce((sum, line) => sum + line.pages, 0);
    drawCaptionedTable(doc, `附表：已销毁档案目录（共 ${destroyed.length} 件，${pages} 页）`, {
      ...area,
      columns: DESTROYED_COLUMNS,
      rows: destroyed,
      y: y + mm(8),
    });
    numberPages(doc, A4);
  });
}

function startPage(doc: Pdf, certificate: DestructionCertificateDocument, first: boolean): number {
  addPage(doc, A4);
  const line = fieldsLine([
    ['全宗号', certificate.fondsCode],
    ['清册编号', certificate.listId],
  ]);
  if (!first) {
    writeIn(
      doc,
      `档案销毁证明书（续）${FIELD_GAP}${line}`,
      { x: MARGIN.side, y: MARGIN.top - mm(8), width: WIDTH, height: mm(6) },
      { size: 9, align: 'center' },
    );
    return MARGIN.top;
  }
  writeIn(
    doc,
    '档案销毁证明书',
    { x: MARGIN.side, y: MARGIN.top, width: WIDTH, height: mm(12) },
    { size: 22, align: 'center', characterSpacing: 8 },
  );
  writeIn(doc, line, { x: MARGIN.side, y: MARGIN.top + mm(15), width: WIDTH, height: mm(6) }, { size: 10, align: 'center' });
  return MARGIN.top + mm(26);
}

function statementOf(c: DestructionCertificateDocument): string[] {
  const count = (status: DestructionLine['status']) => c.lines.filter((line) => line.status === status);
  const destroyed = count('destroyed');
  const [removed, failed, pending] = [count('removed').length, count('failed').length, count('listed').length];
  const pages = destroyed.reduce((sum, line) => sum + line.pages, 0);
  const bytes = destroyed.reduce((sum, line) => sum + line.bytes, 0);
  const gone = goneObjectsOf(destroyed);
  const heads = approvingNames(c.approvals, 'agency_head');
  const witnesses = approvingNames(c.approvals, 'witness');
  const approvedBy = heads.length > 0 ? `经${ROLE_LABELS.agency_head}${heads.join('、')}批准的` : '';
  const supervisedBy = witnesses.length > 0 ? `由${ROLE_LABELS.witness}${witnesses.join('、')}监督，` : '';
  return [
    `根据${approvedBy}全宗 ${c.fondsCode}（${c.fondsName}）档案销毁清册（清册编号：${c.listId}），` +
      `于${chineseDate(c.date)}在${c.place}以“${c.method}”的方式销毁清册所列档案，${supervisedBy}执行完毕于${chineseTime(c.executedAt, c.timeZone)}（${zoneLabel(c.timeZone, new Date(c.executedAt))}）。`,
    `清册共列档案 ${c.lines.length} 件，其中：已销毁 ${destroyed.length} 件，共 ${pages} 页，实际删除存储对象 ${grouped(bytes)} 字节` +
      `（删除前逐件清点的全部版本），每个对象的全部版本均已删除；因冻结移出清册、未予销毁 ${removed} 件；` +
      `删除失败 ${failed} 件${failed > 0 ? '，逐件列于下表' : ''}${pending > 0 ? `；尚未执行 ${pending} 件` : ''}。`,
    ...(gone.length > 0 ? [`另有 ${gone.length} 个页面对象在销毁前已不在存储中，无可删除，未计入上述字节数，逐个列于下表。`] : []),
    '特此证明。',
  ];
}

function goneObjectsOf(destroyed: DestructionLine[]): GoneObject[] {
  return destroyed.flatMap((line) => line.gone.map((g) => ({ line, ...g })));
}

function drawStatement(doc: Pdf, paragraphs: string[], at: TableArea & { y: number }): number {
  let y = at.y;
  for (const paragraph of paragraphs) {
    const options = { width: at.width, lineGap: BODY.lineGap, indent: 2 * BODY.size };
    const height = doc.fontSize(BODY.size).heightOfString(paragraph, options);
    if (y + height > at.bottom) y = at.continueOn();
    doc.text(paragraph, at.x, y, options);
    y += height + mm(2);
  }
  return y;
}

function approvingNames(approvals: DestructionApprovalLine[], role: DestructionApprovalLine['role']): string[] {
  return [...new Set(approvals.filter((a) => a.role === role && a.decision === 'approve').map((a) => a.name))];
}

/** Two witnesses (DOMAIN.md, Destruction) and the agency head; a missing name leaves its line blank to fill by hand. */
function signersOf(approvals: DestructionApprovalLine[]): [string, string][] {
  const [first = '', second = ''] = approvingNames(approvals, 'witness');
  const [head = ''] = approvingNames(approvals, 'agency_head');
  return [
    [ROLE_LABELS.witness, first],
    [ROLE_LABELS.witness, second],
    [ROLE_LABELS.agency_head, head],
  ];
}

function drawSignatures(doc: Pdf, signers: [string, string][], at: TableArea & { y: number }): number {
  const height = signers.length * SIGNATURE_ROW;
  const top = at.y + height > at.bottom ? at.continueOn() : at.y;
  signers.forEach(([role, name], i) => {
    const y = top + i * SIGNATURE_ROW;
    writeIn(doc, `${role}：${name}`, { x: at.x, y, width: at.width * 0.34, height: mm(8) }, { size: 11 });
    blank(doc, '签字', { x: at.x + at.width * 0.36, y, width: at.width * 0.34 });
    blank(doc, '日期', { x: at.x + at.width * 0.72, y, width: at.width * 0.28 });
  });
  return top + height;
}

/** A caption and the line to write on. */
function blank(doc: Pdf, caption: string, { x, y, width }: { x: number; y: number; width: number }): void {
  const captionWidth = mm(12);
  writeIn(doc, `${caption}：`, { x, y, width: captionWidth, height: mm(8) }, { size: 11 });
  doc
    .lineWidth(0.5)
    .moveTo(x + captionWidth, y + mm(7))
    .lineTo(x + width, y + mm(7))
    .stroke();
}

/** 1234567 → 1,234,567, the way byte counts are printed on forms. */
function grouped(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}
