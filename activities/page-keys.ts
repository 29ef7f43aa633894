import type { Fonds, ClassificationScheme, Item } from '../prisma/client';

/**
 * Where a page image is kept: under the item's archival code when it has one, otherwise under the
 * code's known part (fonds, category, year, retention, organisation) and the business case number,
 * plus the page number (DA/T 31-2017 names files by 档号 and page number).
 */
export function pageObjectKey(
  item: Item & { fonds: Fonds & { scheme: ClassificationScheme } },
  pageNumber: number,
  format: string,
): string {
  const code =
    item.archivalCode ??
    `${item.fonds.code}-${item.fonds.scheme.category}·${item.year}-${item.retentionPeriod}-${item.fonds.orgCode}/${safe(item.caseNumber)}`;
  return `${code}/${String(pageNumber).padStart(4, '0')}.${format === 'jpeg' ? 'jpg' : format}`;
}

function safe(segment: string): string {
  return segment.replace(/[^\p{L}\p{N}._-]/gu, '_');
}
