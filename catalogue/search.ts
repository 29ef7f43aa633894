import type { LifecycleState } from '../domain/lifecycle';
import type { SecurityLevel } from '../domain/security';
import { Prisma, type Db } from '../prisma/client';

/** One way of being allowed to read items (api/access.ts makes them from the CASL rules): every field named must match. */
export type ItemReadCondition = Partial<{
  fondsIds: string[];
  securityLevels: SecurityLevel[];
  citizenId: string;
  employerCreditCode: string;
  itemIds: string[];
}>;

export const SEARCH_SORTS = ['handled_desc', 'handled_asc', 'archival_code'] as const;
export type SearchSort = (typeof SEARCH_SORTS)[number];

/** What a search asks, every field optional and all of them combined (AND); names and text already checked. */
export interface SearchCriteria {
  citizenId?: string;
  archivalCode?: string;
  caseNumber?: string;
  employerCreditCode?: string;
  personName?: { value: string; exact: boolean };
  employerName?: string;
  /** Terms each found in the recognised text of one page of the item (a term: 2+ characters, matched as a phrase). */
  text?: string[];
  fondsIds?: string[];
  businessTypeIds?: string[];
  years?: { from?: number; to?: number };
  retentionPeriods?: string[];
  lifecycleStates?: LifecycleState[];
  securityLevels?: SecurityLevel[];
  handled?: { from?: string; to?: string };
}

export interface SearchPage {
  sort: SearchSort;
  /** The sort key of the last row of the page before, from its cursor. */
  after?: (string | number | null)[];
  limit: number;
  /** Count matches up to this many; beyond it the total is reported as at least this. */
  countCap: number;
}

export interface SearchRow {
  id: string;
  fonds: string;
  archivalCode: string | null;
  caseNumber: string;
  businessType: string;
  businessTypeName: string;
  lifecycleState: LifecycleState;
  securityLevel: SecurityLevel;
  retentionPeriod: string;
  year: number;
  citizenId: string;
  personName: string;
  employerName: string | null;
  employerCreditCode: string | null;
  handledOn: string;
  title: string;
}

export interface SearchResult {
  rows: SearchRow[];
  /** The sort key of the last row, when more rows follow. */
  next: (string | number | null)[] | null;
  total: number;
  totalExact: boolean;
}

const { sql, join } = Prisma;

/** How far a full-text search counts its matches: beyond it, "at least this many". */
export const TEXT_COUNT_CAP = 1_000;

/** Admits an item when any one condition holds; no condition admits nothing. */
function access(conditions: readonly ItemReadCondition[]): Prisma.Sql {
  if (conditions.length === 0) return sql`FALSE`;
  const one = (c: ItemReadCondition) => {
    const parts: Prisma.Sql[] = [];
    if (c.fondsIds) parts.push(sql`i.fonds_id = ANY(${c.fondsIds}::uuid[])`);
    if (c.securityLevels) parts.push(sql`i.security_level = ANY(${c.securityLevels}::"SecurityLevel"[])`);
    if (c.citizenId !== undefined) parts.push(sql`i.citizen_id = ${c.citizenId}`);
    if (c.employerCreditCode !== undefined) parts.push(sql`i.employer_credit_code = ${c.employerCreditCode}`);
    if (c.itemIds) parts.push(sql`i.id = ANY(${c.itemIds}::uuid[])`);
    return parts.length ? sql`(${join(parts, ' AND ')})` : sql`TRUE`;
  };
  return sql`(${join(conditions.map(one), ' OR ')})`;
}

/** Each term as a phrase of character pairs: the index's own functions (migration 0009) build both sides. */
const textMatch = (column: Prisma.Sql, terms: readonly string[], weight = '') =>
  join(
    terms.map((t) => sql`${column} @@ lantai_bigram_query(${t}, ${weight})`),
    ' AND ',
  );

function filters(c: SearchCriteria & { textItemIds?: string[] }): Prisma.Sql[] {
  const where: Prisma.Sql[] = [];
  if (c.citizenId) where.push(sql`i.citizen_id = ${c.citizenId}`);
  if (c.archivalCode) where.push(sql`i.archival_code = ${c.archivalCode}`);
  if (c.caseNumber) where.push(sql`i.case_number = ${c.caseNumber}`);
  if (c.employerCreditCode) where.push(sql`i.employer_credit_code = ${c.employerCreditCode}`);
  if (c.personName) {
    const { value, exact } = c.personName;
    // A surname alone is a prefix of the name (its btree index); longer parts are phrases of the name's pairs.
    if (exact) where.push(sql`i.person_name = ${value}`);
    else if ([...value].length === 1) where.push(sql`i.person_name LIKE ${`${value}%`}`);
    else where.push(textMatch(sql`i.search_tokens`, [value], 'A'));
  }
  if (c.employerName) where.push(textMatch(sql`i.search_tokens`, [c.employerName], 'B'));
  if (c.text?.length) {
    where.push(
      c.textItemIds
        ? sql`i.id = ANY(${c.textItemIds}::uuid[])`
        : sql`i.id IN (SELECT t.item_id FROM page_text t WHERE ${textMatch(sql`t.tokens`, c.text)})`,
    );
  }
  if (c.fondsIds) where.push(sql`i.fonds_id = ANY(${c.fondsIds}::uuid[])`);
  if (c.businessTypeIds) where.push(sql`i.business_type_id = ANY(${c.businessTypeIds}::uuid[])`);
  if (c.years?.from !== undefined) where.push(sql`i.year >= ${c.years.from}`);
  if (c.years?.to !== undefined) where.push(sql`i.year <= ${c.years.to}`);
  if (c.retentionPeriods) where.push(sql`i.retention_period::text = ANY(${c.retentionPeriods}::text[])`);
  if (c.lifecycleStates) where.push(sql`i.lifecycle_state::text = ANY(${c.lifecycleStates}::text[])`);
  if (c.securityLevels) where.push(sql`i.security_level::text = ANY(${c.securityLevels}::text[])`);
  if (c.handled?.from) where.push(sql`i.handled_on >= ${c.handled.from}::date`);
  if (c.handled?.to) where.push(sql`i.handled_on <= ${c.handled.to}::date`);
  return where;
}

/** Each sort: its key's columns as the cursor holds them, the order, and "after this key". */
const SORTS: Record<SearchSort, { key: Prisma.Sql; order: Prisma.Sql; after: (k: (string | number | null)[]) => Prisma.Sql }> = {
  handled_desc: {
    key: sql`to_char(i.handled_on, 'YYYY-MM-DD') AS k1, i.id::text AS k2`,
    order: sql`i.handled_on DESC, i.id DESC`,
    after: ([d, id]) => sql`(i.handled_on, i.id) < (${d}::date, ${id}::uuid)`,
  },
  handled_asc: {
    key: sql`to_char(i.handled_on, 'YYYY-MM-DD') AS k1, i.id::text AS k2`,
    order: sql`i.handled_on ASC, i.id ASC`,
    after: ([d, id]) => sql`(i.handled_on, i.id) > (${d}::date, ${id}::uuid)`,
  },
  // Items without a code yet (not assembled) come last.
  archival_code: {
    key: sql`i.archival_code AS k1, i.id::text AS k2`,
    order: sql`i.archival_code IS NULL, i.archival_code, i.id`,
    after: ([code, id]) =>
      code === null
        ? sql`(i.archival_code IS NULL AND i.id > ${id}::uuid)`
        : sql`(i.archival_code IS NULL OR (i.archival_code, i.id) > (${code}, ${id}::uuid))`,
  },
};

/**
 * The items matching every criterion among those the conditions admit, one page in the sort's order after the
 * cursor's key, with the number of all matches (counted up to the cap, so a broad search costs no more than that).
 */
export async function searchItems(
  db: Db,
  readable: readonly ItemReadCondition[],
  criteria: SearchCriteria,
  page: SearchPage,
): Promise<SearchResult> {
  // Full text counts to a lower cap: a phrase on every form would otherwise cost its whole posting list per search.
  const countCap = criteria.text?.length ? Math.min(page.countCap, TEXT_COUNT_CAP) : page.countCap;
  const matching = [access(readable), ...filters({ ...criteria, textItemIds: await fewTextMatches(db, criteria.text, countCap) })];
  const sort = SORTS[page.sort];
  const where = join(page.after ? [...matching, sort.after(page.after)] : matching, ' AND ');
  const rows = await db.$queryRaw<(SearchRow & { k1: string | null; k2: string })[]>`
    SELECT i.id::text, f.code AS fonds, i.archival_code AS "archivalCode", i.case_number AS "caseNumber",
      b.code AS "businessType", b.name AS "businessTypeName", i.lifecycle_state::text AS "lifecycleState",
      i.security_level::text AS "securityLevel", i.retention_period::text AS "retentionPeriod", i.year,
      i.citizen_id AS "citizenId", i.person_name AS "personName", i.employer_name AS "employerName",
      i.employer_credit_code AS "employerCreditCode", to_char(i.handled_on, 'YYYY-MM-DD') AS "handledOn", i.title,
      ${sort.key}
    FROM item i JOIN fonds f ON f.id = i.fonds_id JOIN business_type b ON b.id = i.business_type_id
    WHERE ${where}
    ORDER BY ${sort.order}
    LIMIT ${page.limit + 1}`;
  const more = rows.length > page.limit;
  const shown = rows.slice(0, page.limit);
  const last = shown[shown.length - 1];
  const [{ n }] = await db.$queryRaw<[{ n: number }]>`
    SELECT count(*)::int AS n FROM (SELECT 1 FROM item i WHERE ${join(matching, ' AND ')} LIMIT ${countCap + 1}) c`;
  return {
    rows: shown.map(({ k1: _k1, k2: _k2, ...row }) => row),
    next: more && last ? [last.k1, last.k2] : null,
    total: Math.min(n, countCap),
    totalExact: n <= countCap,
  };
}

/**
 * The items whose pages hold every term, when they are at most `limit`: found through the text index alone, they
 * are then read by id. PostgreSQL cannot tell from its statistics how common a phrase of character pairs is, and
 * for a rare one it chose to walk every item in date order (0.6 s on 100,000 items, measured); beyond the limit the
 * phrase is common, and walking the items in order finds a page of matches at once.
 */
async function fewTextMatches(db: Db, terms: readonly string[] | undefined, limit: number): Promise<string[] | undefined> {
  if (!terms?.length) return undefined;
  // An item has a few pages: twice the limit in pages holds the limit in items unless the term is common anyway.
  const found = await db.$queryRaw<{ id: string }[]>`
    SELECT t.item_id::text AS id FROM page_text t WHERE ${textMatch(sql`t.tokens`, terms)} LIMIT ${2 * limit + 1}`;
  const ids = [...new Set(found.map((r) => r.id))];
  return found.length <= 2 * limit && ids.length <= limit ? ids : undefined;
}

/** For each item, its first current page whose recognised text holds every term, with that text. */
export function pagesMatching(db: Db, itemIds: readonly string[], terms: readonly string[]) {
  if (itemIds.length === 0 || terms.length === 0) return Promise.resolve([]);
  return db.$queryRaw<{ itemId: string; pageNumber: number; text: string }[]>`
    SELECT DISTINCT ON (t.item_id) t.item_id::text AS "itemId", p.page_number AS "pageNumber", t.text
    FROM page_text t JOIN page p ON p.id = t.page_id
    WHERE t.item_id = ANY(${itemIds}::uuid[]) AND p.superseded_at IS NULL AND ${textMatch(sql`t.tokens`, terms)}
    ORDER BY t.item_id, p.page_number`;
}
