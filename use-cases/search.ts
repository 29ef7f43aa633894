import { businessTypeIds, fondsIdsByCode } from '../catalogue/fonds';
import { SEARCH_SORTS, pagesMatching, searchItems, type SearchCriteria, type SearchPage, type SearchRow } from '../catalogue/search';
import { decodeCursor, encodeCursor } from '../domain/cursor';
import { highlight, type Highlight } from '../domain/search-text';
import { itemReadConditions, type Actor } from '../api/access';
import type { ApiContext } from '../api/context';
import { badRequest } from '../api/errors';
import { shownCitizenId } from './items';

export { SEARCH_SORTS };

/** A search as the route parsed it: codes not yet resolved, the cursor still opaque. */
export interface SearchRequest extends Omit<SearchCriteria, 'fondsIds' | 'businessTypeIds'> {
  fonds?: string[];
  businessTypes?: string[];
  sort: SearchPage['sort'];
  limit: number;
  cursor?: string;
}

export type SearchHit = Omit<SearchRow, 'employerCreditCode'> & {
  employerCreditCode: string | null;
  highlights: ({ field: 'personName' | 'employerName' | 'text'; pageNumber?: number } & Highlight)[];
};

/** Beyond this many matches a search reports "at least" rather than counting on. */
export const SEARCH_COUNT_CAP = 10_000;

/**
 * One search over the items the actor may read: the same CASL rules as everywhere, applied in the query itself, so
 * an item the actor may not read is neither listed nor counted; citizen IDs masked where the role does not need them.
 */
export async function search(ctx: ApiContext, actor: Actor, request: SearchRequest) {
  const { fonds, businessTypes, sort, limit, cursor, ...criteria } = request;
  const after = cursor === undefined ? undefined : decodeCursor(cursor, 2);
  if (after === null || (after && !fitsSort(after, sort)))
    throw badRequest('cursor: not a cursor this search gave', [{ field: 'cursor', problem: 'unknown cursor' }]);
  const resolved: SearchCriteria = { ...criteria };
  if (fonds) resolved.fondsIds = await known('fonds', fonds, fondsIdsByCode(ctx.db, fonds));
  if (businessTypes) resolved.businessTypeIds = await known('businessType', businessTypes, businessTypeIds(ctx.db, businessTypes));

  const found = await searchItems(ctx.db, itemReadConditions(actor), resolved, { sort, after, limit, countCap: SEARCH_COUNT_CAP });
  const pages = new Map(
    (
      await pagesMatching(
        ctx.db,
        found.rows.map((r) => r.id),
        criteria.text ?? [],
      )
    ).map((p) => [p.itemId, p]),
  );
  const items: SearchHit[] = found.rows.map((row) => {
    const highlights: SearchHit['highlights'] = [];
    const mark = (field: 'personName' | 'employerName', text: string | null, term?: string) => {
      const h = text && term ? highlight(text, [term]) : null;
      if (h) highlights.push({ field, ...h });
    };
    mark('personName', row.personName, criteria.personName?.value);
    mark('employerName', row.employerName, criteria.employerName);
    const page = pages.get(row.id);
    const inText = page ? highlight(page.text, criteria.text ?? []) : null;
    if (page && inText) highlights.push({ field: 'text', pageNumber: page.pageNumber, ...inText });
    return { ...row, citizenId: shownCitizenId(actor, row.citizenId), highlights };
  });
  return {
    items,
    total: found.total,
    totalExact: found.totalExact,
    nextCursor: found.next ? encodeCursor(found.next) : null,
  };
}

async function known(field: string, codes: string[], lookup: Promise<{ ids: string[]; unknown: string[] }>) {
  const { ids, unknown } = await lookup;
  if (unknown.length) throw badRequest(`${field}: no ${field} has code ${unknown.join(', ')}`, [{ field, problem: 'unknown code' }]);
  return ids;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** A cursor's key as its sort made it: a day or an archival code (or none yet), then an item id. */
function fitsSort([first, id]: (string | number | null)[], sort: SearchRequest['sort']): boolean {
  if (typeof id !== 'string' || !UUID.test(id)) return false;
  if (sort === 'archival_code') return first === null || typeof first === 'string';
  if (typeof first !== 'string' || !DAY.test(first)) return false;
  const day = new Date(`${first}T00:00:00Z`);
  return !Number.isNaN(day.getTime()) && day.toISOString().slice(0, 10) === first;
}
