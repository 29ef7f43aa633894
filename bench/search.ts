/**
 * Search at an agency's size: on the archive bench/archive.ts built and kept (a million items, two pages each),
 * recognised text written for every current page (synthetic forms holding the item's own names and numbers, as OCR
 * would leave them), then the latencies of GET /search through the API for each kind of query, each beside the same
 * search run in this process straight on the catalogue (the same SQL, without HTTP, token and JSON), and the index
 * build time and sizes.
 *   npm run bench:archive -- --keep /tmp/archive      # once: builds the archive (about 15 min)
 *   npm run bench:search -- --archive /tmp/archive [--calls 300]
 * The first run on an archive writes the page text and builds its index (kept for later runs).
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { itemReadConditions } from '../api/access';
import { userAccess } from '../catalogue/users';
import { searchItems, type SearchCriteria } from '../catalogue/search';
import { startProcess, waitUntilReady } from '../ops/process';
import { DEMO_PASSWORD_DEFAULT } from '../prisma/seed';
import { random } from './archive-cases';
import { describe, measure, type Latency } from './latency';
import { freePort } from './supervised';
import { benchStack } from './stack';

const { values } = parseArgs({ options: { archive: { type: 'string' }, calls: { type: 'string', default: '300' } } });
const CALLS = Number(values.calls);
const PORTS = { pg: 56942, temporal: 7843, minio: 9692 };
const TARGETS = { exact: 20, text: 200 };
const say = (line: string) => process.stdout.write(`${line}\n`);

// Sentences of the forms an agency files; each page takes a few, chosen by its id.
const PHRASES = [
  '社会保险参保人员登记表',
  '养老保险待遇核定表',
  '基本医疗保险报销审核',
  '失业保险金申领登记',
  '工伤认定申请表',
  '缴费基数申报核定',
  '个人账户转移接续',
  '生育津贴支付审批',
  '以上情况属实，特此证明',
  '经办机构审核意见：同意',
  '申请人签字并加盖单位公章',
  '本表一式两份，经办机构存档一份',
];

const PAGE_TEXT = `INSERT INTO page_text (page_id, item_id, engine, text, lines, confidence, milliseconds)
  SELECT p.id, i.id, 'bench-synthetic',
    concat_ws(E'\\n', bt.name, ($1::text[])[1 + abs(hashtext(p.id::text)) % 12],
      '姓名：' || i.person_name || '  公民身份号码：' || i.citizen_id,
      coalesce('单位名称：' || i.employer_name || '  统一社会信用代码：' || i.employer_credit_code, '个人参保'),
      '业务编号：' || i.case_number || '  办理日期：' || to_char(i.handled_on, 'YYYY年MM月DD日'),
      ($1::text[])[1 + abs(hashtext(p.id::text || 'b')) % 12], ($1::text[])[1 + abs(hashtext(p.id::text || 'c')) % 12],
      '第' || p.page_number || '页'),
    '[]'::jsonb, 0.97, 0
  FROM page p JOIN item i ON i.id = p.item_id JOIN business_type bt ON bt.id = i.business_type_id
  WHERE p.superseded_at IS NULL AND p.destroyed_at IS NULL
  ON CONFLICT (page_id) DO NOTHING`;

async function main(): Promise<void> {
  if (!values.archive) throw new Error('--archive DIR: the data directory bench/archive.ts kept (npm run bench:archive -- --keep DIR)');
  const apiPort = await freePort();
  const stack = await benchStack(PORTS, { LANTAI_API_PORT: String(apiPort) }, { dataDir: values.archive, worker: false });
  const sql = new pg.Client({ connectionString: stack.config.postgres.ownerUrl });
  await sql.connect();
  const logFile = path.join(stack.config.dataDir, 'logs', 'bench-search-api.log');
  const api = startProcess('API', process.execPath, ['--import', 'tsx', 'api/main.ts'], {
    cwd: path.resolve(__dirname, '..'),
    env: stack.env,
    logFile,
  });
  const base = `http://127.0.0.1:${apiPort}`;
  try {
    await waitUntilReady(api, async () => (await fetch(`${base}/health`)).ok, { logFile });
    await pageText(sql);
    await measureSearch(sql, stack.db, base);
  } finally {
    await sql.end().catch(() => undefined);
    await api.stop();
    await stack.close();
  }
}

/** Writes the page text once, then builds its index, each timed. */
async function pageText(sql: pg.Client): Promise<void> {
  const { rows } = await sql.query<{ n: number }>('SELECT count(*)::int AS n FROM page_text');
  if (rows[0]!.n === 0) {
    await sql.query("SET maintenance_work_mem = '1GB'");
    await sql.query('DROP INDEX IF EXISTS page_text_tokens_idx');
    let t = performance.now();
    const written = (await sql.query(PAGE_TEXT, [PHRASES])).rowCount ?? 0;
    say(`page text: ${written} pages written with their character pairs in ${((performance.now() - t) / 1000).toFixed(0)} s`);
    t = performance.now();
    await sql.query('CREATE INDEX page_text_tokens_idx ON page_text USING gin (tokens)');
    say(`  its GIN index built in ${((performance.now() - t) / 1000).toFixed(0)} s`);
    await sql.query('VACUUM ANALYZE page_text');
  }
  const { rows: sizes } = await sql.query<{ name: string; size: string }>(
    `SELECT c.relname AS name, pg_size_pretty(pg_relation_size(c.oid)) AS size FROM pg_class c
     WHERE c.relname IN ('page_text', 'page_text_tokens_idx', 'item', 'item_search_tokens_idx', 'item_person_name_idx', 'item_citizen_id_idx') ORDER BY 1`,
  );
  const { rows: counts } = await sql.query<{ items: number; texts: number }>(
    'SELECT (SELECT count(*)::int FROM item) AS items, (SELECT count(*)::int FROM page_text) AS texts',
  );
  say(
    `archive: ${counts[0]!.items} items, ${counts[0]!.texts} recognised pages; sizes: ${sizes.map((s) => `${s.name} ${s.size}`).join(', ')}`,
  );
}

async function measureSearch(sql: pg.Client, db: Parameters<typeof searchItems>[0], api: string): Promise<void> {
  const login = await fetch(`${api}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'manager', password: DEMO_PASSWORD_DEFAULT }),
  });
  const { token } = (await login.json()) as { token: string };
  const manager = await sql.query<{ id: string }>("SELECT id FROM app_user WHERE username = 'manager'");
  const readable = itemReadConditions((await userAccess(db, manager.rows[0]!.id))!);
  const { rows: codes } = await sql.query<{ fonds: string; type: string }>(
    "SELECT (SELECT id::text FROM fonds WHERE code = 'J001') AS fonds, (SELECT id::text FROM business_type WHERE code = 'GL02') AS type",
  );
  const ids = { fonds: codes[0]!.fonds, type: codes[0]!.type };

  // What people look for, drawn from the archive itself.
  const { rows: drawn } = await sql.query<{
    citizen_id: string;
    archival_code: string | null;
    case_number: string;
    credit: string | null;
    person_name: string;
    employer_name: string | null;
    text: string | null;
  }>(
    `SELECT i.citizen_id, i.archival_code, i.case_number, i.employer_credit_code AS credit, i.person_name, i.employer_name,
       (SELECT t.text FROM page_text t WHERE t.item_id = i.id LIMIT 1) AS text
     FROM item i TABLESAMPLE SYSTEM (1) ORDER BY random() LIMIT $1`,
    [CALLS * 2],
  );
  const r = random(7);
  const at = (i: number) => drawn[i % drawn.length]!;
  const part = (s: string, n: number) => {
    const chars = [...s];
    const from = Math.floor(r() * Math.max(1, chars.length - n + 1));
    return chars.slice(from, from + n).join('');
  };
  const kinds: { name: string; target: number; query: (i: number) => Record<string, string> }[] = [
    { name: 'citizen ID', target: TARGETS.exact, query: (i) => ({ citizenId: at(i).citizen_id }) },
    {
      name: 'archival code',
      target: TARGETS.exact,
      query: (i) => ({ archivalCode: drawn.filter((d) => d.archival_code)[i % 50]?.archival_code ?? 'none' }),
    },
    { name: 'case number', target: TARGETS.exact, query: (i) => ({ caseNumber: at(i).case_number }) },
    {
      name: 'credit code',
      target: TARGETS.exact,
      query: (i) => {
        const employed = drawn.filter((d) => d.credit);
        return { creditCode: employed[i % Math.min(20, employed.length)]!.credit! };
      },
    },
    { name: 'whole name, exact', target: TARGETS.text, query: (i) => ({ name: at(i).person_name, nameExact: 'true' }) },
    { name: 'two characters of a name', target: TARGETS.text, query: (i) => ({ name: part(at(i).person_name, 2) }) },
    {
      name: 'surname and a year',
      target: TARGETS.text,
      query: (i) => ({ name: [...at(i).person_name][0]!, year: String(2010 + (i % 14)) }),
    },
    {
      name: 'part of an employer name',
      target: TARGETS.text,
      query: (i) => ({ employer: part(drawn.filter((d) => d.employer_name)[i % 30]?.employer_name ?? '有限公司', 3) }),
    },
    {
      name: 'full text, 2–4 characters',
      target: TARGETS.text,
      query: (i) => ({ text: part((at(i).text ?? '养老保险').replace(/[^\u3400-\u9fff0-9]/g, ''), 2 + (i % 3)) }),
    },
    {
      name: 'full text, name + ID digits',
      target: TARGETS.text,
      query: (i) => ({ text: `${at(i).person_name} ${at(i).citizen_id.slice(6, 14)}` }),
    },
    {
      name: 'filters: fonds, type, years, state',
      target: TARGETS.text,
      query: (i) => ({
        fonds: 'J001',
        businessType: 'GL02',
        yearFrom: String(2008 + (i % 10)),
        yearTo: String(2012 + (i % 10)),
        state: 'in_archive_room',
      }),
    },
  ];
  say(
    `GET /search as the archive manager (both fonds, cleared to 机密), ${CALLS} calls each; beside it the same search in-process on the catalogue`,
  );
  for (const kind of kinds) {
    const queries = Array.from({ length: CALLS + 10 }, (_, i) => kind.query(i));
    let found = 0;
    const through: Latency = await measure(CALLS, async (i) => {
      const res = await fetch(`${api}/search?${new URLSearchParams(queries[i]).toString()}`, {
        headers: { authorization: `Bearer ${token}` },
      });
      if (!res.ok) throw new Error(`GET /search ${JSON.stringify(queries[i])}: ${res.status} ${await res.text()}`);
      found += ((await res.json()) as { total: number }).total;
    });
    const raw = await measure(CALLS, (i) =>
      searchItems(db, readable, criteriaOf(queries[i]!, ids), { sort: 'handled_desc', limit: 20, countCap: 10_000 }),
    );
    const verdict = through.p95 <= kind.target ? `meets p95 ≤ ${kind.target} ms` : `MISSES p95 ≤ ${kind.target} ms`;
    say(`  ${kind.name.padEnd(36)} ${describe(through)}: ${verdict}; ${(found / (CALLS + 10)).toFixed(0)} matches on average`);
    say(`  ${''.padEnd(36)} in-process: ${describe(raw)}`);
  }
}

/** The route's parameters as the catalogue takes them, the one fonds and business type used here resolved to their ids. */
function criteriaOf(q: Record<string, string>, ids: { fonds: string; type: string }): SearchCriteria {
  return {
    fondsIds: q.fonds ? [ids.fonds] : undefined,
    businessTypeIds: q.businessType ? [ids.type] : undefined,
    citizenId: q.citizenId,
    archivalCode: q.archivalCode,
    caseNumber: q.caseNumber,
    employerCreditCode: q.creditCode,
    personName: q.name ? { value: q.name, exact: q.nameExact === 'true' } : undefined,
    employerName: q.employer,
    text: q.text?.split(/\s+/),
    years: q.year
      ? { from: Number(q.year), to: Number(q.year) }
      : { from: q.yearFrom ? Number(q.yearFrom) : undefined, to: q.yearTo ? Number(q.yearTo) : undefined },
    lifecycleStates: q.state ? [q.state as 'in_archive_room'] : undefined,
  };
}

main().catch((err: Error) => {
  console.error(err.stack ?? err.message);
  process.exit(1);
});
