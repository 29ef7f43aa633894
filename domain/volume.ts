import { formatReferenceCode, type ReferenceCodeParts } from './reference-code';

export type BoxCapacityUnit = 'items' | 'pages';

export interface BoxCapacity {
  size: number;
  unit: BoxCapacityUnit;
}

/** Which verified items one volume assembly takes: all of the fonds, or only some years and retention periods. */
export interface AssemblyScope {
  years?: number[];
  retentionPeriods?: string[];
}

/**
 * Fills boxes in item order. A box holds at most `capacity` items or pages; an item is never split, so an
 * item with more pages than a box holds gets a box of its own.
 */
export function packIntoBoxes<T extends { pages: number }>(items: readonly T[], capacity: BoxCapacity): T[][] {
  const boxes: T[][] = [];
  let box: T[] = [];
  let used = 0;
  for (const item of items) {
    const size = capacity.unit === 'items' ? 1 : item.pages;
    if (box.length > 0 && used + size > capacity.size) {
      boxes.push(box);
      box = [];
      used = 0;
    }
    box.push(item);
    used += size;
  }
  if (box.length) boxes.push(box);
  return boxes;
}

/** The Code 128 text of an item's label: its archival code with every non-ASCII separator written as "-". */
export function itemBarcodeOf(archivalCode: string): string {
  return archivalCode.replace(/[^\x21-\x7e]/g, '-');
}

export function boxBarcodeOf(parts: Omit<ReferenceCodeParts, 'item'>, boxNumber: number): string {
  return `${parts.fonds}-${parts.category}-${parts.year}-${parts.retention}-${parts.org}-B${String(boxNumber).padStart(3, '0')}`;
}

/** Room and shelf codes are letters, digits and hyphens, as painted on the shelf (parsed at the edge). */
export const LOCATION_CODE = /^[A-Za-z0-9][A-Za-z0-9-]{0,15}$/;

export function shelfBarcodeOf(room: string, shelf: string): string {
  return `SHELF-${room}-${shelf}`;
}

export function archivalCodeOf(template: string, parts: ReferenceCodeParts): string {
  return formatReferenceCode(template, parts);
}
