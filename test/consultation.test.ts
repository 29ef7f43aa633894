import ExcelJS from 'exceljs';
import sharp from 'sharp';
import { run, scratchFolder } from './fixtures/pdf';
import { verifiedItems } from './fixtures/holdings';
import { apiHarness, eventually, type Harness } from './helpers';

let t: Awaited<ReturnType<typeof apiHarness>>;
let h: Harness;
const docs = scratchFolder('lantai-consultation-');
const INSURED_CITIZEN_ID = '11010519491231002X';

beforeAll(async () => {
  t = await apiHarness({ users: ['clerk', 'archivist', 'manager', 'head', 'auditor', 'insured'] });
  h = t.h;
});
afterAll(async () => {
  await t.close();
});
beforeEach(() => {
  h.config.use = {
    headLevel: 'secret',
    grantTtlMs: 7 * 86_400_000,
    renewalMs: 5 * 86_400_000,
    loanEscalationMs: 3 * 86_400_000,
    selfServiceApproval: true,
  };
});

interface Consultation {
  id: string;
  number: string;
  status: string;
  approver: string;
  selfService: boolean;
  expiresAt: string | null;
  renewed: boolean;
  refusalReason: string | null;
  items: { id: string; title: string | null }[];
  loans: {
    itemId: string;
    dueAt: string;
    remindedAt: string | null;
    escalatedAt: string | null;
    returnedAt: string | null;
    condition: string | null;
  }[];
}
type ErrorReply = { error: { message: string } };

const call = <T = Record<string, unknown>>(method: string, url: string, user: string, body?: unknown) =>
  t.client.call<T>(method, url, { token: t.tokens[user], body });

async function fetchCopy(url: string, user: string) {
  const res = await fetch(`${t.api.url}${url}`, { headers: { authorization: `Bearer ${t.tokens[user]}` } });
  const body = Buffer.from(await res.arrayBuffer());
  return { status: res.status, type: res.headers.get('content-type') ?? '', body, json: () => JSON.parse(body.toString()) as ErrorReply };
}

async function items(n: number, set: { securityLevel?: 'secret'; citizenId?: string } = {}): Promise<string[]> {
  const ids = await verifiedItems(h, { count: n, year: 2024, retention: 'D30', pages: 2 });
  if (Object.keys(set).length) await h.db.item.updateMany({ where: { id: { in: ids } }, data: set });
  return ids;
}

async function file(user: string, body: Record<string, unknown>) {
  const r = await call<Consultation>('POST', '/consultations', user, body);
  expect(r.status).toBe(201);
  return r.body;
}

/** The master page as stored, and the served copy, both decoded to raw RGB at the copy's size. */
async function masterAndCopy(itemId: string, n: number, copy: Buffer) {
  const page = await h.db.page.findFirstOrThrow({ where: { itemId, pageNumber: n, supersededAt: null } });
  const master = await h.store.get({ bucket: page.bucket, key: page.key, versionId: page.versionId ?? undefined });
  const c = await sharp(copy).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const m = await sharp(master).removeAlpha().resize(c.info.width, c.info.height).raw().toBuffer();
  return { master, m, c: c.data, width: c.info.width, height: c.info.height };
}

/** Checks the stamp: the foot band differs from the master and holds the stamp's dark red text. */
async function expectStamped(itemId: string, n: number, copy: Buffer) {
  const { m, c, width, height } = await masterAndCopy(itemId, n, copy);
  const bandTop = Math.floor(height * 0.8);
  let diff = 0;
  let red = 0;
  for (let y = bandTop; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      diff += Math.abs(c[i]! - m[i]!) + Math.abs(c[i + 1]! - m[i + 1]!) + Math.abs(c[i + 2]! - m[i + 2]!);
      if (c[i]! > 110 && c[i + 1]! < 90 && c[i + 2]! < 90) red++;
    }
  }
  const pixels = (height - bandTop) * width;
  expect(diff / pixels).toBeGreaterThan(20);
  expect(red).toBeGreaterThan(pixels * 0.01);
}

describe('consultation and borrowing (利用)', () => {
  it('serves nothing before approval; the archive manager approves an ordinary request; every copy is stamped, audited and registered', async () => {
    const [a] = await items(1);
    const c = await file('clerk', {
      purpose: 'judicial',
      form: 'copy',
      items: [a],
      outsideUnit: { name: '示范市中级人民法院', introductionLetter: '法介字2026第17号' },
    });
    expect(c.number).toMatch(/^LY-\d{4}-\d{6}$/);
    expect(c).toMatchObject({ status: 'awaiting_approval', approver: 'archive_manager', selfService: false });

    const early = await fetchCopy(`/consultations/${c.id}/items/${a}/pages/1`, 'clerk');
    expect(early.status).toBe(403);
    expect(early.json().error.message).toMatch(/awaiting approval/);
    expect((await fetchCopy(`/consultations/${c.id}/items/${a}/copy.pdf`, 'clerk')).status).toBe(403);

    const approved = await call<Consultation>('POST', `/consultations/${c.id}/decision`, 'manager', { decision: 'approve' });
    expect(approved.status).toBe(200);
    expect(approved.body.status).toBe('approved');
    const ttl = Date.parse(approved.body.expiresAt!) - Date.now();
    expect(ttl).toBeGreaterThan(7 * 86_400_000 - 60_000);
    expect(ttl).toBeLessThanOrEqual(7 * 86_400_000);
    const twice = await call<ErrorReply>('POST', `/consultations/${c.id}/decision`, 'manager', { decision: 'approve' });
    expect(twice.status).toBe(409);

    for (const n of [1, 2]) {
      const page = await fetchCopy(`/consultations/${c.id}/items/${a}/pages/${n}`, 'clerk');
      expect(page.status).toBe(200);
      expect(page.type).toBe('image/jpeg');
      await expectStamped(a!, n, page.body);
    }
    expect((await fetchCopy(`/consultations/${c.id}/items/${a}/pages/3`, 'clerk')).status).toBe(404);
    // Another member of staff, who may read the item, still gets no copy under someone else's request.
    expect((await fetchCopy(`/consultations/${c.id}/items/${a}/pages/1`, 'archivist')).status).toBe(403);

    const pdf = await fetchCopy(`/consultations/${c.id}/items/${a}/copy.pdf`, 'clerk');
    expect(pdf.status).toBe(200);
    expect(pdf.type).toBe('application/pdf');
    const text = run('pdftotext', docs.save('copy.pdf', pdf.body), '-').replace(/\s+/g, '');
    expect(text).toContain('王经办');
    expect(text).toContain('示范市中级人民法院');
    expect(text).toContain(c.number);
    expect(run('pdfinfo', docs.path('copy.pdf'))).toMatch(/Pages:\s+2/);

    const views = await h.db.auditEvent.findMany({ where: { subject: `item:${a}`, action: 'view_access_copy', outcome: 'done' } });
    expect(views).toHaveLength(2);
    expect(await h.db.auditEvent.count({ where: { subject: `item:${a}`, action: 'download_access_copy' } })).toBe(1);
    const uses = await h.db.useRegisterEntry.findMany({ where: { consultationId: c.id }, orderBy: { id: 'asc' } });
    expect(uses.map((u) => [u.kind, u.pageNumber, u.purpose])).toEqual([
      ['view_page', 1, 'judicial'],
      ['view_page', 2, 'judicial'],
      ['download_pdf', null, 'judicial'],
    ]);
    // Served copies are not kept: the item still has its two preserved pages and no more.
    expect(await h.db.page.count({ where: { itemId: a } })).toBe(2);
  });

  it('has items at 秘密 approved by the agency head only: the archive manager is refused with the reason, a refusal needs one', async () => {
    const [b] = await items(1, { securityLevel: 'secret' });
    const c = await file('clerk', { purpose: 'audit', form: 'view', items: [b] });
    expect(c.approver).toBe('agency_head');
    expect(c.items[0]!.title).toBeNull();

    const awaiting = await call<{ consultations: { id: string }[] }>('GET', '/consultations?awaiting=true&limit=100', 'head');
    expect(awaiting.body.consultations.map((x) => x.id)).toContain(c.id);
    expect((await call('GET', '/consultations?awaiting=true', 'clerk')).status).toBe(403);
    const byManager = await call<ErrorReply>('POST', `/consultations/${c.id}/decision`, 'manager', { decision: 'approve' });
    expect(byManager.status).toBe(403);
    expect(byManager.body.error.message).toMatch(/秘密.*agency head approves, not the archive manager/);
    const noReason = await call<ErrorReply>('POST', `/consultations/${c.id}/decision`, 'head', { decision: 'refuse' });
    expect(noReason.status).toBe(400);
    const blank = await call<ErrorReply>('POST', `/consultations/${c.id}/decision`, 'head', { decision: 'refuse', reason: '   ' });
    expect(blank.status).toBe(400);
    expect((await call<Consultation>('GET', `/consultations/${c.id}`, 'clerk')).body.status).toBe('awaiting_approval');

    const refused = await call<Consultation>('POST', `/consultations/${c.id}/decision`, 'head', {
      decision: 'refuse',
      reason: '审计事项不涉及该件',
    });
    expect(refused.status).toBe(200);
    expect(refused.body).toMatchObject({ status: 'refused', refusalReason: '审计事项不涉及该件' });
    const page = await fetchCopy(`/consultations/${c.id}/items/${b}/pages/1`, 'clerk');
    expect(page.status).toBe(403);
    expect(page.json().error.message).toMatch(/refused/);
    expect(await h.db.accessGrant.count({ where: { consultationId: c.id } })).toBe(0);

    const again = await file('clerk', { purpose: 'audit', form: 'view', items: [b] });
    const byHead = await call<Consultation>('POST', `/consultations/${again.id}/decision`, 'head', { decision: 'approve' });
    expect(byHead.body.status).toBe('approved');
    expect((await fetchCopy(`/consultations/${again.id}/items/${b}/pages/1`, 'clerk')).status).toBe(200);
    // With the grant the clerk, cleared only to 内部, reads the 秘密 item's index data too, until the grant ends.
    expect((await call('GET', `/items/${b}`, 'clerk')).status).toBe(200);
  });

  it('stops access when a grant expires mid-use, and renews a grant once only', async () => {
    h.config.use = { ...h.config.use, grantTtlMs: 5_000, renewalMs: 3_000 };
    const [a] = await items(1);
    const c = await file('clerk', { purpose: 'benefit_claim', form: 'view', items: [a] });
    const approved = await call<Consultation>('POST', `/consultations/${c.id}/decision`, 'manager', { decision: 'approve' });
    expect((await fetchCopy(`/consultations/${c.id}/items/${a}/pages/1`, 'clerk')).status).toBe(200);

    expect((await call<ErrorReply>('POST', `/consultations/${c.id}/renewal`, 'clerk')).status).toBe(403);
    const renewed = await call<Consultation>('POST', `/consultations/${c.id}/renewal`, 'manager');
    expect(renewed.status).toBe(200);
    expect(Date.parse(renewed.body.expiresAt!) - Date.parse(approved.body.expiresAt!)).toBe(3_000);
    const second = await call<ErrorReply>('POST', `/consultations/${c.id}/renewal`, 'manager');
    expect(second.status).toBe(409);
    expect(second.body.error.message).toMatch(/renewed once already/);

    await new Promise((r) => setTimeout(r, Math.max(0, Date.parse(renewed.body.expiresAt!) - Date.now()) + 200));
    const late = await fetchCopy(`/consultations/${c.id}/items/${a}/pages/1`, 'clerk');
    expect(late.status).toBe(403);
    expect(late.json().error.message).toMatch(/time limit/);
    await eventually(
      async () => ((await h.db.consultation.findUniqueOrThrow({ where: { id: c.id } })).status === 'expired' ? true : undefined),
      {
        what: 'the request to expire',
      },
    );
    expect(await h.db.accessGrant.count({ where: { consultationId: c.id, expiresAt: { gt: new Date() } } })).toBe(0);
    expect((await call('POST', `/consultations/${c.id}/renewal`, 'manager')).status).toBe(409);
  });

  it('ends access on the grant’s own expiry even while no worker runs to record it', async () => {
    h.config.use = { ...h.config.use, grantTtlMs: 3_000 };
    const [b] = await items(1, { securityLevel: 'secret' });
    const c = await file('clerk', { purpose: 'audit', form: 'view', items: [b] });
    await call('POST', `/consultations/${c.id}/decision`, 'head', { decision: 'approve' });
    expect((await call('GET', `/items/${b}`, 'clerk')).status).toBe(200);
    await h.stopWorkers();
    try {
      await new Promise((r) => setTimeout(r, 3_500));
      expect((await h.db.consultation.findUniqueOrThrow({ where: { id: c.id } })).status).toBe('approved');
      expect((await fetchCopy(`/consultations/${c.id}/items/${b}/pages/1`, 'clerk')).status).toBe(403);
      // CASL no longer counts the grant: the clerk, cleared to 内部, cannot read the 秘密 item.
      expect((await call('GET', `/items/${b}`, 'clerk')).status).toBe(403);
    } finally {
      await h.startWorker();
    }
    await eventually(
      async () => ((await h.db.consultation.findUniqueOrThrow({ where: { id: c.id } })).status === 'expired' ? true : undefined),
      {
        what: 'the late worker to record the end',
      },
    );
  });

  it('lends paper, reminds when overdue, escalates to the archive manager, and records the return checked face to face', async () => {
    h.config.use = { ...h.config.use, grantTtlMs: 3_000, loanEscalationMs: 2_000 };
    const [p, q] = await items(2);
    const c = await file('clerk', { purpose: 'benefit_claim', form: 'borrow', items: [p, q] });
    expect((await call('POST', `/consultations/${c.id}/loans`, 'archivist', { items: [p] })).status).toBe(409);
    await call('POST', `/consultations/${c.id}/decision`, 'manager', { decision: 'approve' });
    const copy = await fetchCopy(`/consultations/${c.id}/items/${p}/pages/1`, 'clerk');
    expect(copy.status).toBe(409);

    expect((await call<ErrorReply>('POST', `/consultations/${c.id}/loans`, 'clerk', { items: [p] })).status).toBe(403);
    const lent = await call<Consultation>('POST', `/consultations/${c.id}/loans`, 'archivist', { items: [p] });
    expect(lent.status).toBe(200);
    expect(lent.body.loans).toEqual([expect.objectContaining({ itemId: p, returnedAt: null })]);
    expect((await call('POST', `/consultations/${c.id}/loans`, 'archivist', { items: [p] })).status).toBe(409);

    const source = `consultation:${c.id}`;
    const reminder = await eventually(
      async () => (await h.db.archivistTask.findFirst({ where: { source, kind: 'loan_overdue' } })) ?? undefined,
      {
        what: 'the overdue reminder',
      },
    );
    expect(reminder).toMatchObject({ itemId: p, status: 'open' });
    const escalation = await eventually(
      async () => (await h.db.archivistTask.findFirst({ where: { source, kind: 'loan_overdue_escalated' } })) ?? undefined,
      { what: 'the escalation' },
    );
    expect(escalation.title).toMatch(/档案部门负责人/);
    const resolved = await call('POST', `/tasks/${escalation.id}/resolve`, 'manager', { resolution: '已电话催还' });
    expect(resolved.status).toBe(200);

    expect((await call('POST', `/consultations/${c.id}/returns`, 'archivist', { itemId: q, condition: '完好' })).status).toBe(409);
    const back = await call<Consultation>('POST', `/consultations/${c.id}/returns`, 'archivist', {
      itemId: p,
      condition: '完好，页数无误',
    });
    expect(back.status).toBe(200);
    expect(back.body.loans[0]).toMatchObject({ returnedTo: 'archivist', condition: '完好，页数无误' });
    expect(back.body.loans[0]!.remindedAt).not.toBeNull();
    expect(back.body.loans[0]!.escalatedAt).not.toBeNull();
    expect((await call('POST', `/consultations/${c.id}/returns`, 'archivist', { itemId: p, condition: '完好' })).status).toBe(409);
    await eventually(
      async () => ((await h.db.consultation.findUniqueOrThrow({ where: { id: c.id } })).status === 'closed' ? true : undefined),
      {
        what: 'the request to close',
      },
    );
    const kinds = (await h.db.useRegisterEntry.findMany({ where: { consultationId: c.id }, orderBy: { id: 'asc' } })).map((u) => u.kind);
    expect(kinds).toEqual(['lend', 'return']);
  });

  it('approves an insured person’s request for copies of their own records as filed, and refuses them another’s', async () => {
    const [own] = await items(1, { citizenId: INSURED_CITIZEN_ID });
    const [other] = await items(1);
    const c = await file('insured', { purpose: 'personal', form: 'view', items: [own] });
    expect(c).toMatchObject({ status: 'approved', selfService: true });
    const page = await fetchCopy(`/consultations/${c.id}/items/${own}/pages/1`, 'insured');
    expect(page.status).toBe(200);
    await expectStamped(own!, 1, page.body);

    const foreign = await call<ErrorReply>('POST', '/consultations', 'insured', { purpose: 'personal', form: 'view', items: [other] });
    expect(foreign.status).toBe(403);
    expect(foreign.body.error.message).toMatch(/own records/);
    const borrow = await file('insured', { purpose: 'personal', form: 'borrow', items: [own] });
    expect(borrow).toMatchObject({ status: 'awaiting_approval', selfService: false });
    const mine = await call<{ consultations: { id: string }[] }>('GET', '/consultations', 'insured');
    expect(mine.body.consultations.map((x) => x.id)).toEqual([borrow.id, c.id]);
    expect((await call('GET', `/consultations/${c.id}`, 'clerk')).status).toBe(403);
  });

  it('keeps the use register: paged, filtered, counted by month, purpose and business type, and exported to Excel', async () => {
    const [a] = await items(1);
    const c = await file('clerk', { purpose: 'other', purposeText: '档案编研', form: 'view', items: [a] });
    await call('POST', `/consultations/${c.id}/decision`, 'manager', { decision: 'approve' });
    for (const n of [1, 2, 1]) expect((await fetchCopy(`/consultations/${c.id}/items/${a}/pages/${n}`, 'clerk')).status).toBe(200);
    const outcome = await call<Consultation>('POST', `/consultations/${c.id}/outcome`, 'clerk', { outcome: '编研选题已完成' });
    expect(outcome.status).toBe(200);

    type Page = { entries: { id: string; kind: string; outcome: string | null; purposeLabel: string }[]; next: string | null };
    const first = await call<Page>('GET', `/use-register?consultation=${c.id}&limit=2`, 'archivist');
    expect(first.status).toBe(200);
    expect(first.body.entries).toHaveLength(2);
    expect(first.body.entries[0]).toMatchObject({ kind: 'view_page', outcome: '编研选题已完成', purposeLabel: '其他' });
    const rest = await call<Page>('GET', `/use-register?consultation=${c.id}&limit=2&before=${first.body.next}`, 'archivist');
    expect(rest.body.entries).toHaveLength(1);
    expect(Number(rest.body.entries[0]!.id)).toBeLessThan(Number(first.body.entries[1]!.id));
    expect((await call<Page>('GET', `/use-register?purpose=other&kind=lend&consultation=${c.id}`, 'archivist')).body.entries).toEqual([]);

    const stats = await call<{ rows: { month: string; purpose: string; businessType: string; uses: number; requests: number }[] }>(
      'GET',
      '/use-register/statistics?purpose=other',
      'auditor',
    );
    expect(stats.status).toBe(200);
    const month = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit' })
      .format(new Date())
      .slice(0, 7);
    const row = stats.body.rows.find((r) => r.month === month && r.purpose === 'other');
    expect(row).toBeDefined();
    const brute = await h.db.useRegisterEntry.count({ where: { purpose: 'other' } });
    expect(stats.body.rows.reduce((n, r) => n + r.uses, 0)).toBe(brute);

    const res = await fetch(`${t.api.url}/use-register.xlsx?consultation=${c.id}`, {
      headers: { authorization: `Bearer ${t.tokens.archivist}` },
    });
    expect(res.status).toBe(200);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(Buffer.from(await res.arrayBuffer()) as unknown as ArrayBuffer);
    const register = workbook.getWorksheet('利用登记')!;
    expect(register.rowCount).toBe(4);
    expect(register.getRow(1).getCell(3).value).toBe('申请编号');
    expect(register.getRow(2).getCell(3).value).toBe(c.number);
    expect(register.getRow(2).getCell(14).value).toBe('编研选题已完成');
    expect(workbook.getWorksheet('利用统计')!.getRow(2).getCell(4).value).toBe(3);

    expect((await call('GET', '/use-register', 'insured')).status).toBe(403);
    expect((await call('GET', '/use-register', 'clerk')).status).toBe(403);
  });

  it('refuses bad input with a 4xx that changes nothing', async () => {
    const [a] = await items(1);
    const before = await h.db.consultation.count();
    for (const body of [
      { purpose: 'personal', form: 'view', items: ['00000000-0000-4000-8000-000000000000'] },
      { purpose: 'other', form: 'view', items: [a] },
      { purpose: 'personal', form: 'view', items: [a, a] },
      { purpose: 'personal', form: 'view', items: [] },
      { purpose: 'curiosity', form: 'view', items: [a] },
      { purpose: 'personal', form: 'fax', items: [a] },
      { purpose: 'personal', form: 'view', items: [a], outsideUnit: { name: '某单位' } },
    ]) {
      const r = await call<ErrorReply>('POST', '/consultations', 'clerk', body);
      expect([r.status, JSON.stringify(body)]).toEqual([400, JSON.stringify(body)]);
    }
    expect(await h.db.consultation.count()).toBe(before);
    const c = await file('clerk', { purpose: 'personal', form: 'view', items: [a] });
    expect((await fetchCopy(`/consultations/${c.id}/items/${a}/pages/0`, 'clerk')).status).toBe(400);
    expect((await fetchCopy(`/consultations/${c.id}/items/not-a-uuid/pages/1`, 'clerk')).status).toBe(400);
    expect((await call('POST', `/consultations/${c.id}/decision`, 'manager', { decision: 'maybe' })).status).toBe(400);
    expect((await call('GET', '/use-register?before=abc', 'archivist')).status).toBe(400);
    expect((await call('GET', '/use-register?from=2026-13-01', 'archivist')).status).toBe(400);
    expect((await call('GET', '/consultations/00000000-0000-4000-8000-000000000000', 'clerk')).status).toBe(404);
    expect((await call<Consultation>('GET', `/consultations/${c.id}`, 'clerk')).body.status).toBe('awaiting_approval');
  });
});
