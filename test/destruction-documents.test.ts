import { agencyDate, chineseTime, zoneLabel } from '../documents/time';
import {
  cjkFontPath,
  destructionCertificateToPdf,
  destructionListToPdf,
  loadCjkFont,
  type CjkFont,
  type DestructionApprovalLine,
  type DestructionCertificateDocument,
  type DestructionLine,
} from '../documents';
import { run, scratchFolder } from './fixtures/pdf';

const TITLES = [
  '李强失业保险金申领',
  '陈静生育津贴支付审批',
  '刘洋门诊医疗费用报销审批',
  '某某有限责任公司为职工周建国申请失业保险金及职业培训补贴的全部申报、审核与支付材料',
];
const HOLD = '审计署专项审计冻结（审冻字〔2024〕12号）';
const FAILURE = '对象存储拒绝删除：保留锁未到期';
const REMOVED = new Set([5, 22, 41]);
const FAILED = new Set([9, 47]);

function line(index: number): DestructionLine {
  const status = REMOVED.has(index) ? 'removed' : FAILED.has(index) ? 'failed' : 'destroyed';
  return {
    archivalCode: `J001-SB·2014-D10-SY-${String(index + 1).padStart(4, '0')}`,
    title: `${TITLES[index % TITLES.length]!}（第${index + 1}号）`,
    year: 2014,
    retentionPeriod: 'D10',
    pages: 2 + (index % 6),
    bytes: 1_000_000 + index,
    gone: index === 3 ? [{ pageNumber: 2, key: `J001-SB·2014-D10-SY-0004/0002.jpg` }] : [],
    appraisalReason: '保管期限已满，经鉴定无继续保存价值',
    status,
    note: status === 'removed' ? HOLD : status === 'failed' ? FAILURE : null,
  };
}

const approvals: DestructionApprovalLine[] = [
  { role: 'witness', name: '孙丽', username: 'sunli', decision: 'approve', comment: '同意销毁', at: '2025-03-05T02:30:00Z' },
  { role: 'witness', name: '钱进', username: 'qianjin', decision: 'approve', comment: null, at: '2025-03-05T03:00:00Z' },
  {
    role: 'agency_head',
    name: '周海',
    username: 'zhouhai',
    decision: 'approve',
    comment: '同意，按规定销毁并做好监销记录',
    at: '2025-03-06T01:00:00Z',
  },
];

const certificate: DestructionCertificateDocument = {
  listId: '7d2f5c1e-3b4a-4c8e-9f10-2a6b7c8d9e0f',
  fondsCode: 'J001',
  fondsName: '某某市社会保险事业管理局',
  batchId: 'b1c2d3e4-0000-4000-8000-000000000001',
  proposedBy: '赵敏',
  method: '电子档案彻底删除',
  place: '市社保局档案室',
  date: '2025-03-10',
  lines: Array.from({ length: 60 }, (_, i) => line(i)),
  approvals,
  executedAt: '2025-03-10T07:45:00Z',
  timeZone: 'Asia/Shanghai',
};
const codes = certificate.lines.map((l) => l.archivalCode!);
const withStatus = (status: DestructionLine['status']) => certificate.lines.filter((l) => l.status === status);

let font: CjkFont;
const scratch = scratchFolder('lantai-destruction-');
const saved = scratch.save;

beforeAll(() => {
  font = loadCjkFont(cjkFontPath());
});

/** -layout keeps a row on one line; -raw keeps a wrapped cell's lines together, in drawing order. */
function pagesOf(path: string, mode: '-layout' | '-raw' = '-layout'): string[] {
  const count = Number(/^Pages:\s+(\d+)/m.exec(run('pdfinfo', path))?.[1]);
  return Array.from({ length: count }, (_, i) => run('pdftotext', mode, '-f', String(i + 1), '-l', String(i + 1), path, '-'));
}

const compact = (text: string) => text.replace(/\s+/g, '');
const occurrences = (text: string, part: string) => text.split(part).length - 1;

/** The drawn text of a row: from its 档号 up to the next one, or to the totals under the table. */
function rowText(raw: string, code: string): string {
  const start = raw.indexOf(code);
  const next = [...codes, '合计：'].map((c) => raw.indexOf(c, start + code.length)).filter((at) => at > start);
  return raw.slice(start, next.length > 0 ? Math.min(...next) : undefined);
}

function expectEmbeddedFont(path: string): void {
  const embedded = run('pdffonts', path)
    .split('\n')
    .slice(2)
    .filter((row) => /CID TrueType|CID Type 0C/.test(row) && /\byes\s+yes\s+yes\b/.test(row));
  expect(embedded).toHaveLength(1);
  expect(embedded[0]).toMatch(/^[A-Z]{6}\+/);
}

describe('destruction list (销毁清册) as PDF', () => {
  let path: string;
  let pages: string[];
  let raw: string;

  beforeAll(async () => {
    path = saved('list.pdf', await destructionListToPdf(certificate, font));
    pages = pagesOf(path);
    raw = compact(pagesOf(path, '-raw').join('\n'));
  });

  test('heads the first page with the fonds, list, batch, proposer, method, place and date', () => {
    const head = compact(pages[0]!);
    expect(head).toContain('档案销毁清册');
    for (const field of [
      '全宗号：J001',
      '全宗名称：某某市社会保险事业管理局',
      `清册编号：${certificate.listId}`,
      `鉴定批次：${certificate.batchId}`,
      '提出人：赵敏',
      '销毁方式：电子档案彻底删除',
      '销毁地点：市社保局档案室',
      '销毁日期：2025年3月10日',
    ]) {
      expect(head).toContain(field);
    }
  });

  test('lists every archival code exactly once, in order', () => {
    const text = pages.join('\n');
    for (const code of codes) expect(occurrences(text, code)).toBe(1);
    const positions = codes.map((code) => text.indexOf(code));
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
  });

  test('continues the table onto further pages, repeating the column headings and the list number', () => {
    const withRows = pages.filter((page) => codes.some((code) => page.includes(code)));
    expect(withRows.length).toBeGreaterThan(1);
    for (const page of withRows) {
      expect(page).toMatch(/序号\s+档号\s+题名\s+年度\s+保管期限\s+页数\s+鉴定意见\s+备注/);
      expect(compact(page)).toContain(`清册编号：${certificate.listId}`);
    }
    expect(compact(pages[1]!)).toContain('档案销毁清册（续）');
  });

  test('prints each row with its title, retention, appraisal reason, and the reason a held or failed item was not destroyed', () => {
    for (const l of certificate.lines) {
      const row = rowText(raw, l.archivalCode!);
      expect(row).toContain(compact(l.title));
      expect(row).toContain('10年');
      expect(row).toContain(l.appraisalReason);
      if (l.status === 'removed') expect(row).toContain(compact(`冻结，已移出：${HOLD}`));
      if (l.status === 'failed') expect(row).toContain(compact(`删除失败：${FAILURE}`));
      if (l.status === 'destroyed') expect(row).not.toMatch(/冻结|删除失败/);
    }
  });

  test('totals the list and ends with every approval: role, name, decision, time in Beijing and comment', () => {
    const end = compact(pages.at(-1)!);
    expect(end).toContain(
      `本清册共列60件，${certificate.lines.reduce((sum, l) => sum + l.pages, 0)}页；其中已销毁55件，冻结移出3件，删除失败2件`,
    );
    expect(end).toContain('审批意见');
    expect(end).toContain('监销人孙丽（sunli）同意2025年3月5日10:30同意销毁');
    expect(end).toContain('监销人钱进（qianjin）同意2025年3月5日11:00');
    expect(end).toContain('机构负责人周海（zhouhai）同意2025年3月6日09:00同意，按规定销毁并做好监销记录');
  });

  test('numbers its pages 第 n 页 共 m 页', () => {
    expect(pages.map((page) => /第\d+页共\d+页/.exec(compact(page))?.[0])).toEqual(pages.map((_, i) => `第${i + 1}页共${pages.length}页`));
  });

  test('embeds a subset of the CJK font', () => expectEmbeddedFont(path));
});

describe('destruction list awaiting approval', () => {
  test('shows no outcomes and says that no approval has been given yet', async () => {
    const pending = {
      ...certificate,
      lines: certificate.lines.slice(0, 3).map((l) => ({ ...l, status: 'listed' as const, note: null })),
      approvals: [],
    };
    const text = compact(pagesOf(saved('pending.pdf', await destructionListToPdf(pending, font))).join('\n'));
    expect(text).not.toMatch(/冻结|删除失败|已销毁/);
    expect(text).toContain('本清册共列3件');
    expect(text).toContain('（尚无审批记录）');
  });
});

describe('destruction certificate (销毁证明书) as PDF', () => {
  let path: string;
  let pages: string[];
  let text: string;

  beforeAll(async () => {
    path = saved('certificate.pdf', await destructionCertificateToPdf(certificate, font));
    pages = pagesOf(path);
    text = compact(pages.join('\n'));
  });

  test('states when, where, how and by whose approval the list was destroyed', () => {
    const first = compact(pages[0]!);
    expect(first).toContain('档案销毁证明书');
    expect(first).toContain(`经机构负责人周海批准的全宗J001（某某市社会保险事业管理局）档案销毁清册（清册编号：${certificate.listId}）`);
    expect(first).toContain('于2025年3月10日在市社保局档案室以“电子档案彻底删除”的方式销毁');
    expect(first).toContain('由监销人孙丽、钱进监督');
    expect(first).toContain('执行完毕于2025年3月10日15:45（北京时间）');
  });

  test('counts the items destroyed, with their pages and bytes, those taken off the list and those that failed', () => {
    const destroyed = withStatus('destroyed');
    const pageCount = destroyed.reduce((sum, l) => sum + l.pages, 0);
    const bytes = destroyed.reduce((sum, l) => sum + l.bytes, 0).toLocaleString('en-US');
    expect(text).toContain(
      `清册共列档案60件，其中：已销毁55件，共${pageCount}页，实际删除存储对象${bytes}字节（删除前逐件清点的全部版本），每个对象的全部版本均已删除`,
    );
    expect(text).toContain('另有1个页面对象在销毁前已不在存储中，无可删除，未计入上述字节数');
    expect(text).toContain('因冻结移出清册、未予销毁3件');
    expect(text).toContain('删除失败2件');
    expect(text).toContain(`附表：已销毁档案目录（共55件，${pageCount}页）`);
  });

  test('names each page object that was already gone from the store before the destruction', () => {
    const raw = compact(pagesOf(path, '-raw').join('\n'));
    expect(raw).toContain('销毁前已不在存储中的页面对象');
    const table = raw.slice(raw.indexOf('销毁前已不在存储中的页面对象'));
    expect(table).toMatch(/^销毁前已不在存储中的页面对象序号档号页号存储对象1J001-SB·2014-D10-SY-00042J001-SB·2014-D10-SY-0004\/0002\.jpg/);
  });

  test('lists each failed item with its reason, and each destroyed item once in the attached table', () => {
    const raw = compact(pagesOf(path, '-raw').join('\n'));
    for (const failed of withStatus('failed')) expect(rowText(raw, failed.archivalCode!)).toContain(FAILURE);
    // A page already gone is named by its code and by its key, which begins with the code.
    for (const l of certificate.lines) expect(occurrences(text, l.archivalCode!)).toBe(l.status === 'removed' ? 0 : 1 + 2 * l.gone.length);
    const table = pages.join('\n');
    // The attached table comes last, after the table of pages already gone.
    const positions = withStatus('destroyed').map((l) => table.lastIndexOf(l.archivalCode!));
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
    expect(pages.length).toBeGreaterThan(1);
    expect(pages[1]).toMatch(/序号\s+档号\s+题名\s+页数/);
  });

  test('gives the approvals and a signature line for both witnesses and the agency head', () => {
    const first = compact(pages[0]!);
    expect(first).toContain('监销人孙丽（sunli）同意2025年3月5日10:30');
    expect(first).toContain('机构负责人周海（zhouhai）同意2025年3月6日09:00');
    expect(first).toMatch(/监销人：孙丽签字：日期：监销人：钱进签字：日期：机构负责人：周海签字：日期：/);
  });

  test('embeds a subset of the CJK font', () => expectEmbeddedFont(path));
});

describe('times on destruction documents', () => {
  it('prints an instant in the agency’s zone and names the zone, whatever the server’s own zone', () => {
    expect(chineseTime('2025-03-10T07:45:00Z', 'Asia/Shanghai')).toBe('2025年3月10日 15:45');
    expect(zoneLabel('Asia/Shanghai')).toBe('北京时间');
    expect(chineseTime('2025-03-10T07:45:00Z', 'Asia/Urumqi')).toBe('2025年3月10日 13:45');
    expect(zoneLabel('Asia/Urumqi', new Date('2025-03-10T07:45:00Z'))).toBe('Asia/Urumqi（UTC+06:00）');
    // Past midnight in China is still the day before in UTC: the calendar day is the agency's.
    expect(agencyDate(new Date('2025-03-10T17:30:00Z'), 'Asia/Shanghai')).toBe('2025-03-11');
  });
});
