import type { ItemIndex } from '../domain/item-index';
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

/** A found item: its index data, with its business type's name and the employer's credit code. */
export interface SearchRow extends ItemIndex {
  businessTypeName: string;
  employerCreditCode: string | null;
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

/** Each term of a name as a phrase of its character pairs: the index's own functions (migration 0009) build both sides. */
const nameMatch = (terms: readonly string[], weight: string) =>
  join(
    terms.map((t) => sql`i.search_tokens @@ lantai_bigram_query(${t}, ${weight})`),
    ' AND ',
  );

/** A page holding every term, each as its pairs or triples (migration 0014 builds both sides). */
const pageMatch = (terms: readonly string[]) =>
  join(
    terms.map((t) => sql`t.tokens @@ lantai_page_query(${t})`),
    ' AND ',
  );

/** How the item's text is matched: among the items found through the index, or page by page as items are read. */
type TextCondition = { itemIds: string[] } | { eachItem: true };

function filters(c: SearchCriteria, text?: TextCondition): Prisma.Sql[] {
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
    else where.push(nameMatch([value], 'A'));
  }
  if (c.employerName) where.push(nameMatch([c.employerName], 'B'));
  if (c.text?.length && text) {
    // A subquery in the condition is run for each item read and never turned into a join: the items are read in the
    // sort's order and the first page of matches is found as soon as it is read.
    where.push(
      'itemIds' in text
        ? sql`i.id = ANY(${text.itemIds}::uuid[])`
        : sql`(SELECT true FROM page_text t WHERE t.item_id = i.id AND ${pageMatch(c.text)} LIMIT 1) IS NOT NULL`,
    );
  }
  if (c.fondsIds) where.push(sql`i.fonds_id = ANY(${c.fondsIds}::uuid[])`);
  if (c.businessTypeIds) where.push(sql`i.business_type_id = ANY(${c.businessTypeIds}::uuid[])`);
  if (c.years?.from !== undefined) where.push(sql`i.year >= ${c.years.from}`);
  if (c.years?.to !== undefined) where.push(sql`i.year <= ${c.years.to}`);
  // Compared as the columns' own types, not as text: a cast column can neither use an index nor its statistics.
  if (c.retentionPeriods) where.push(sql`i.retention_period = ANY(${c.retentionPeriods}::"RetentionPeriod"[])`);
  if (c.lifecycleStates) where.push(sql`i.lifecycle_state = ANY(${c.lifecycleStates}::"LifecycleState"[])`);
  if (c.securityLevels) where.push(sql`i.security_level = ANY(${c.securityLevels}::"SecurityLevel"[])`);
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
  { pagesLookedUp = PAGES_LOOKED_UP }: { pagesLookedUp?: number } = {},
): Promise<SearchResult> {
  // Full text counts to a lower cap: a phrase on every form would otherwise cost its whole posting list per search.
  const countCap = criteria.text?.length ? Math.min(page.countCap, TEXT_COUNT_CAP) : page.countCap;
  const found = criteria.text?.length ? await pagesFound(db, criteria.text, pagesLookedUp) : undefined;
  const text: TextCondition | undefined = found && (found.all ? { itemIds: found.itemIds } : { eachItem: true });
  const matching = [access(readable), ...filters(criteria, text)];
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
  const n = await countMatching(db, matching, countCap, found && !found.all ? [access(readable), ...filters(criteria, found)] : undefined);
  return {
    rows: shown.map(({ k1: _k1, k2: _k2, ...row }) => row),
    next: more && last ? [last.k1, last.k2] : null,
    total: Math.min(n, countCap),
    totalExact: n <= countCap,
  };
}

/**
 * The matches counted up to the cap. A common phrase is counted first among the items of the pages the index gave
 * (`sample`): when those already reach the cap, no item has to be read page by page.
 */
async function countMatching(db: Db, matching: Prisma.Sql[], cap: number, sample?: Prisma.Sql[]): Promise<number> {
  const count = async (conditions: Prisma.Sql[]) => {
    const [{ n }] = await db.$queryRaw<[{ n: number }]>`
      SELECT count(*)::int AS n FROM (SELECT 1 FROM item i WHERE ${join(conditions, ' AND ')} LIMIT ${cap + 1}) c`;
    return n;
  };
  if (sample) {
    const n = await count(sample);
    if (n > cap) return n;
  }
  return count(matching);
}

/** How many pages the index is asked for before a phrase counts as common. */
export const PAGES_LOOKED_UP = 20_000;

/**
 * The items whose pages hold every term, from the text index alone: all of them (`all`) when the phrase is on at most
 * PAGES_LOOKED_UP pages, else those of the first pages found. PostgreSQL cannot tell from its statistics how common
 * a phrase is: for a rare one it chose to walk every item in date order (0.6 s on 100,000 items, measured), for a
 * common one to find every page first (2-12 s at 2 x 10^6 pages). A rare phrase is read by id; a common one is
 * checked on each item as the items are read in order, and finds its first page of matches at once.
 */
async function pagesFound(db: Db, terms: readonly string[], limit: number): Promise<{ itemIds: string[]; all: boolean }> {
  const found = await db.$queryRaw<{ id: string }[]>`
    SELECT t.item_id::text AS id FROM page_text t WHERE ${pageMatch(terms)} LIMIT ${limit + 1}`;
  return { itemIds: [...new Set(found.map((r) => r.id))], all: found.length <= limit };
}

/** For each item, its first current page whose recognised text holds every term, with that text. */
export function pagesMatching(db: Db, itemIds: readonly string[], terms: readonly string[]) {
  if (itemIds.length === 0 || terms.length === 0) return Promise.resolve([]);
  return db.$queryRaw<{ itemId: string; pageNumber: number; text: string }[]>`
    SELECT DISTINCT ON (t.item_id) t.item_id::text AS "itemId", p.page_number AS "pageNumber", t.text
    FROM page_text t JOIN page p ON p.id = t.page_id
    WHERE t.item_id = ANY(${itemIds}::uuid[]) AND p.superseded_at IS NULL AND ${pageMatch(terms)}
    ORDER BY t.item_id, p.page_number`;
}
