import { randomUUID } from 'node:crypto';
import { citizenIdCheckChar } from '../domain/citizen-id';
import { creditCodeCheck } from '../domain/credit-code';
import { random } from '../bench/archive-cases';
import { itemReadConditions } from '../api/access';
import { searchItems } from '../catalogue/search';
import { userAccess } from '../catalogue/users';
import { emptyCatalogue } from './fixtures/catalogue';
import { apiHarness, type Reply } from './helpers';

/**
 * Search, checked against a brute-force filter of the same items: every query as each of several callers, through
 * the API, every page followed, and the items each caller may read decided here from DOMAIN.md's rule (own fonds up
 * to one's clearance; insured persons and employers their own records; grants), not from the code under test.
 */
type Level = 'public' | 'internal' | 'secret' | 'confidential' | 'top_secret';
const LEVELS: Level[] = ['public', 'internal', 'secret', 'confidential', 'top_secret'];

interface Case {
  id: string;
  fonds: 'J001' | 'J002';
  caseNumber: string;
  businessType: string;
  citizenId: string;
  personName: string;
  employerName?: string;
  employerCreditCode?: string;
  handledOn: string;
  securityLevel: Level;
  archivalCode?: string;
  /** Recognised text of the item's pages. */
  pages: string[];
}

interface Caller {
  username: string;
  fonds: string[];
  clearance: Level;
  citizenId?: string;
  creditCode?: string;
  granted: string[];
  seesIds: boolean;
}

interface Hit {
  id: string;
  citizenId: string;
  handledOn: string;
  highlights: { field: string; fragment: string; matches: { start: number; end: number }[]; pageNumber?: number }[];
}
interface SearchBody {
  items: Hit[];
  total: number;
  totalExact: boolean;
  nextCursor: string | null;
}

const SURNAMES = [...'王李张'];
const GIVEN = [...'芳伟丽明'];
const EMPLOYERS = ['示范科技有限公司', '东城建设集团有限公司', '南山医药有限公司'];
const PHRASES = ['养老保险待遇核定表', '参保人员登记', '工伤认定决定书', '缴费基数申报', '2024年度社保缴费'];
const creditCode = (n: number) => {
  const body = `91440300${String(100000000 + n * 7919).slice(-9)}`;
  return body + creditCodeCheck(body);
};
const citizenId = (n: number) => {
  const first17 = `440304${19500101 + (n % 28) + Math.floor(n / 28) * 10000}${String(n % 1000).padStart(3, '0')}`;
  return first17 + citizenIdCheckChar(first17);
};

let env: Awaited<ReturnType<typeof apiHarness>>;
let catalogue: Awaited<ReturnType<typeof emptyCatalogue>>;
const cases: Case[] = [];
const callers: Caller[] = [];
const tokens: Record<string, string> = {};

function readable(c: Caller, item: Case): boolean {
  if (c.granted.includes(item.id)) return true;
  if (c.citizenId && item.citizenId === c.citizenId) return true;
  if (c.creditCode && item.employerCreditCode === c.creditCode) return true;
  return c.fonds.includes(item.fonds) && LEVELS.indexOf(item.securityLevel) <= LEVELS.indexOf(c.clearance);
}

const kept = (s: string) => s.toLowerCase().replace(/[^0-9a-z\u3400-\u9fff]/g, '');

async function searchAll(token: string, query: Record<string, string>, limit = 7): Promise<{ hits: Hit[]; totals: number[] }> {
  const hits: Hit[] = [];
  const totals: number[] = [];
  let cursor: string | null = null;
  do {
    const params = new URLSearchParams({ ...query, limit: String(limit), ...(cursor ? { cursor } : {}) });
    const r: Reply<SearchBody> = await env.client.call<SearchBody>('GET', `/search?${params.toString()}`, { token });
    if (r.status !== 200) throw new Error(`search ${params.toString()}: ${r.status} ${JSON.stringify(r.body)}`);
    hits.push(...r.body.items);
    totals.push(r.body.total);
    cursor = r.body.nextCursor;
  } while (cursor);
  return { hits, totals };
}

beforeAll(async () => {
  catalogue = await emptyCatalogue();
  env = await apiHarness({ postgresUrl: catalogue.url, worker: false });
  const { db } = env.h;
  const fonds = Object.fromEntries((await db.fonds.findMany()).map((f) => [f.code, f.id]));
  const template = await db.user.findUniqueOrThrow({ where: { username: 'clerk' } });
  const user = (username: string, roles: ('clerk' | 'archivist')[], clearance: Level, codes: string[]) =>
    db.user.create({
      data: {
        username,
        displayName: username,
        roles,
        clearance,
        passwordHash: template.passwordHash,
        fonds: { create: codes.map((c) => ({ fondsId: fonds[c]! })) },
      },
    });
  await user('registrar', ['clerk'], 'top_secret', ['J001', 'J002']);
  await user('clerk-j002', ['clerk'], 'internal', ['J002']);
  const grantee = await user('grantee', ['clerk'], 'internal', ['J001']);
  tokens.registrar = await env.client.login('registrar');

  // 240 cases: small pools of names and employers, so parts of names and employer names match many items.
  const r = random(12);
  const pick = <T>(list: readonly T[]) => list[Math.floor(r() * list.length)]!;
  const insuredId = '11010519491231002X';
  for (let i = 0; i < 240; i++) {
    const inJ002 = r() < 0.4;
    const employed = r() < 0.5;
    const employer = Math.floor(r() * EMPLOYERS.length);
    cases.push({
      id: '',
      fonds: inJ002 ? 'J002' : 'J001',
      caseNumber: `SR-${i}-${randomUUID().slice(0, 6)}`,
      businessType: inJ002 ? pick(['YB01', 'YB02']) : pick(['GL02', 'YL02', 'GL01']),
      citizenId: i % 40 === 0 ? insuredId : citizenId(i % 60),
      personName: pick(SURNAMES) + pick(GIVEN) + (r() < 0.5 ? pick(GIVEN) : ''),
      ...(employed
        ? { employerName: EMPLOYERS[employer], employerCreditCode: employer === 0 ? '91110000600037341L' : creditCode(employer) }
        : {}),
      handledOn: `20${String(10 + Math.floor(r() * 14))}-0${1 + Math.floor(r() * 9)}-1${Math.floor(r() * 9)}`,
      securityLevel: pick(LEVELS),
      pages: [],
    });
  }
  for (let from = 0; from < cases.length; from += 100) {
    const batch = cases.slice(from, from + 100);
    const reply = await env.client.call<{ results: { status: string; item?: { id: string }; error?: unknown }[] }>('POST', '/items/batch', {
      token: tokens.registrar,
      body: {
        cases: batch.map(({ id: _id, pages: _pages, ...c }) => ({ ...c, clerk: '王经办', handlingOffice: 'BS01' })),
      },
    });
    reply.body.results.forEach((res, k) => {
      if (res.status !== 'created') throw new Error(JSON.stringify(res));
      batch[k]!.id = res.item!.id;
    });
  }
  // Set-up only (the steps have their own tests): archival codes on some items, and recognised text on the pages of
  // most, written straight into the catalogue as the OCR worker would leave it.
  for (const [k, c] of cases.entries()) {
    if (k % 3 === 0) {
      c.archivalCode = `${c.fonds}-SB·${c.handledOn.slice(0, 4)}-D30-YL-${String(k).padStart(4, '0')}`;
      await db.item.update({ where: { id: c.id }, data: { archivalCode: c.archivalCode } });
    }
    if (k % 5 === 4) continue;
    c.pages = [
      `社会保险业务档案\n${pick(PHRASES)}\n姓名：${c.personName}  公民身份号码：${c.citizenId}\n经办日期 ${c.handledOn}`,
      `${pick(PHRASES)}，${c.employerName ?? '个人参保'}。第${k}号`,
    ];
    for (const [n, text] of c.pages.entries()) {
      const page = await db.page.create({
        data: {
          itemId: c.id,
          pageNumber: n + 1,
          bucket: 'b',
          key: `k/${c.id}/${n}`,
          size: 1,
          format: 'jpeg',
          sha256: '0'.repeat(64),
          sm3: '0'.repeat(64),
        },
      });
      await db.pageText.create({ data: { pageId: page.id, itemId: c.id, engine: 'test', text, lines: [] } });
    }
  }
  // A grant to one J002 item above the grantee's clearance and outside their fonds.
  const granted = cases.find((c) => c.fonds === 'J002' && c.securityLevel === 'secret')!;
  const manager = await db.user.findUniqueOrThrow({ where: { username: 'manager' } });
  await db.accessGrant.create({
    data: { userId: grantee.id, itemId: granted.id, grantedById: manager.id, reason: '审计', expiresAt: new Date(Date.now() + 3_600_000) },
  });

  const staff = (username: string, fondsCodes: string[], clearance: Level, seesIds: boolean, granted: string[] = []) =>
    callers.push({ username, fonds: fondsCodes, clearance, granted, seesIds });
  staff('archivist', ['J001', 'J002'], 'secret', true);
  staff('manager', ['J001', 'J002'], 'confidential', true);
  staff('auditor', ['J001', 'J002'], 'confidential', false);
  staff('clerk-j002', ['J002'], 'internal', true);
  staff('grantee', ['J001'], 'internal', true, [granted.id]);
  callers.push({ username: 'insured', fonds: [], clearance: 'public', citizenId: insuredId, granted: [], seesIds: false });
  callers.push({ username: 'employer', fonds: [], clearance: 'public', creditCode: '91110000600037341L', granted: [], seesIds: false });
  for (const c of callers) tokens[c.username] = await env.client.login(c.username);
}, 180_000);

afterAll(async () => {
  await env?.close();
  await catalogue?.drop();
});

/** Each query beside the same question asked of every item by hand. */
const QUERIES: { name: string; query: Record<string, string>; matches: (c: Case) => boolean }[] = [
  { name: 'everything', query: {}, matches: () => true },
  { name: 'a citizen ID', query: { citizenId: citizenId(7) }, matches: (c) => c.citizenId === citizenId(7) },
  { name: 'an archival code', query: { archivalCode: 'J001-SB·' }, matches: () => false },
  { name: 'a surname alone', query: { name: '王' }, matches: (c) => c.personName.startsWith('王') },
  { name: 'two characters of a name', query: { name: '芳丽' }, matches: (c) => c.personName.includes('芳丽') },
  { name: 'a whole name, exact', query: { name: '李伟', nameExact: 'true' }, matches: (c) => c.personName === '李伟' },
  { name: 'a name, partial', query: { name: '李伟' }, matches: (c) => c.personName.includes('李伟') },
  { name: 'part of an employer', query: { employer: '建设' }, matches: (c) => Boolean(c.employerName?.includes('建设')) },
  { name: 'a credit code', query: { creditCode: creditCode(2) }, matches: (c) => c.employerCreditCode === creditCode(2) },
  { name: 'full text, a phrase', query: { text: '待遇核定' }, matches: (c) => c.pages.some((p) => kept(p).includes('待遇核定')) },
  {
    name: 'full text, two words on one page',
    query: { text: '工伤 建设集团' },
    matches: (c) => c.pages.some((p) => kept(p).includes('工伤') && kept(p).includes('建设集团')),
  },
  { name: 'full text, Chinese and digits', query: { text: '2024年度' }, matches: (c) => c.pages.some((p) => kept(p).includes('2024年度')) },
  {
    name: 'full text of an ID number across a label',
    query: { text: `号码${citizenId(9).slice(0, 10)}` },
    matches: (c) => c.pages.some((p) => kept(p).includes(kept(`号码${citizenId(9).slice(0, 10)}`))),
  },
  {
    name: 'filters combined',
    query: { fonds: 'J001', businessType: 'GL02,YL02', yearFrom: '2015', yearTo: '2020', securityLevel: 'internal,secret' },
    matches: (c) =>
      c.fonds === 'J001' &&
      ['GL02', 'YL02'].includes(c.businessType) &&
      Number(c.handledOn.slice(0, 4)) >= 2015 &&
      Number(c.handledOn.slice(0, 4)) <= 2020 &&
      ['internal', 'secret'].includes(c.securityLevel),
  },
  {
    name: 'a date range and a name part',
    query: { handledFrom: '2012-03-01', handledTo: '2019-06-30', name: '张' },
    matches: (c) => c.handledOn >= '2012-03-01' && c.handledOn <= '2019-06-30' && c.personName.startsWith('张'),
  },
  { name: 'a lifecycle state no item is in', query: { state: 'verified' }, matches: () => false },
  { name: 'the state every item is in', query: { state: 'registered', retention: 'D100,D50,D30,D10,Y' }, matches: () => true },
];

describe('search', () => {
  it.each(QUERIES)('finds exactly what a brute-force filter finds, for every caller: $name', async ({ query, matches }) => {
    for (const caller of callers) {
      const { hits, totals } = await searchAll(tokens[caller.username]!, query);
      const expected = cases.filter((c) => readable(caller, c) && matches(c));
      const who = `${caller.username} ${JSON.stringify(query)}`;
      expect({ who, ids: hits.map((h) => h.id).sort() }).toEqual({ who, ids: expected.map((c) => c.id).sort() });
      expect({ who, totals: new Set(totals) }).toEqual({ who, totals: new Set([expected.length]) });
      // Newest handled first, with no item twice across pages.
      expect(new Set(hits.map((h) => h.id)).size).toBe(hits.length);
      expect(hits.map((h) => h.handledOn)).toEqual(
        hits
          .map((h) => h.handledOn)
          .sort()
          .reverse(),
      );
    }
  });

  it('finds the same text whether a phrase is taken as rare (read by id) or common (checked item by item)', async () => {
    const { db } = env.h;
    const textQueries = QUERIES.filter((q) => q.query.text);
    expect(textQueries.length).toBeGreaterThanOrEqual(4);
    for (const caller of callers) {
      const user = await db.user.findUniqueOrThrow({ where: { username: caller.username } });
      const readableBy = itemReadConditions((await userAccess(db, user.id))!);
      for (const { query, matches } of textQueries) {
        const expected = cases.filter((c) => readable(caller, c) && matches(c));
        for (const pagesLookedUp of [1, 10_000]) {
          const ids: string[] = [];
          let after: (string | number | null)[] | undefined;
          let first: { total: number; totalExact: boolean } | undefined;
          do {
            const found = await searchItems(
              db,
              readableBy,
              { text: query.text!.split(' ') },
              { sort: 'handled_desc', after, limit: 4, countCap: 5 },
              { pagesLookedUp },
            );
            first ??= found;
            ids.push(...found.rows.map((r) => r.id));
            after = found.next ?? undefined;
          } while (after);
          const who = `${caller.username} ${query.text} looking up ${pagesLookedUp} pages`;
          expect({ who, ids: ids.sort() }).toEqual({ who, ids: expected.map((c) => c.id).sort() });
          expect({ who, total: first.total, exact: first.totalExact }).toEqual({
            who,
            total: Math.min(expected.length, 5),
            exact: expected.length <= 5,
          });
        }
      }
    }
  });

  it('applies the filters to the archival codes it was given', async () => {
    const coded = cases.filter((c) => c.archivalCode);
    for (const c of coded.slice(0, 5)) {
      const { hits } = await searchAll(tokens.manager!, { archivalCode: c.archivalCode! });
      expect(hits.map((h) => h.id)).toEqual(readable(callers[1]!, c) ? [c.id] : []);
    }
  });

  it('orders by archival code, items without one last, across pages', async () => {
    const { hits } = await searchAll(tokens.archivist!, { sort: 'archival_code', fonds: 'J001' }, 9);
    const byId = new Map(cases.map((c) => [c.id, c]));
    const codes = hits.map((h) => byId.get(h.id)!.archivalCode ?? null);
    const withCode = codes.filter((c): c is string => c !== null);
    expect(codes).toEqual([...[...withCode].sort(), ...codes.filter((c) => c === null)]);
    expect(hits.length).toBe(cases.filter((c) => readable(callers[0]!, c) && c.fonds === 'J001').length);
  });

  it('masks citizen IDs for roles that do not need them, but never an insured person their own', async () => {
    for (const caller of callers) {
      const { hits } = await searchAll(tokens[caller.username]!, {}, 100);
      expect(hits.length).toBeGreaterThan(0);
      for (const h of hits) {
        const real = cases.find((c) => c.id === h.id)!.citizenId;
        const full = caller.seesIds || real === caller.citizenId;
        expect({ who: caller.username, id: h.citizenId }).toEqual({
          who: caller.username,
          id: full ? real : `${real.slice(0, 6)}********${real.slice(14)}`,
        });
      }
    }
  });

  it('highlights the matched text of a name and of a page', async () => {
    const { hits } = await searchAll(tokens.manager!, { name: '王', text: '登记' }, 100);
    expect(hits.length).toBeGreaterThan(0);
    for (const h of hits) {
      const name = h.highlights.find((x) => x.field === 'personName')!;
      expect(name.matches.map(({ start, end }) => name.fragment.slice(start, end))).toContain('王');
      const text = h.highlights.find((x) => x.field === 'text')!;
      expect(text.pageNumber).toBeGreaterThanOrEqual(1);
      expect(text.matches.length).toBeGreaterThan(0);
      for (const { start, end } of text.matches) expect(text.fragment.slice(start, end)).toBe('登记');
    }
  });

  it('answers bad input with a 400 naming the parameter, and nothing for no token', async () => {
    const bad: [Record<string, string>, string][] = [
      [{ text: '养' }, 'text'],
      [{ citizenId: '440304198506151238' }, 'citizenId'],
      [{ creditCode: '91110000600037341X' }, 'creditCode'],
      [{ fonds: 'J999' }, 'fonds'],
      [{ businessType: 'NOPE' }, 'businessType'],
      [{ cursor: 'not-a-cursor' }, 'cursor'],
      [{ cursor: Buffer.from(JSON.stringify(['2024-99-99', 'x'])).toString('base64url') }, 'cursor'],
      [{ cursor: Buffer.from(JSON.stringify([null, randomUUID()])).toString('base64url') }, 'cursor'],
      [{ limit: '0' }, 'limit'],
      [{ state: 'lost' }, 'state'],
      [{ handledFrom: '2024-13-01' }, 'handledFrom'],
      [{ name: '·' }, 'name'],
      [{ employer: '有' }, 'employer'],
    ];
    for (const [query, field] of bad) {
      const r = await env.client.call<{ error: { message: string } }>('GET', `/search?${new URLSearchParams(query).toString()}`, {
        token: tokens.manager,
      });
      expect({ query, status: r.status }).toEqual({ query, status: 400 });
      expect(r.body.error.message).toContain(field);
    }
    expect((await env.client.call('GET', '/search')).status).toBe(401);
  });
});
