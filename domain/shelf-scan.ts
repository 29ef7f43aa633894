import type { FindingKind } from './inventory';

/**
 * The shapes of the barcodes on shelves, boxes and items (domain/volume.ts): `SHELF-<room>-<shelf>`, a box's
 * `<fonds>-<category>-<year>-<retention>-<org>-B<nnn>`, and an item's archival code in printable ASCII.
 */
export type BarcodeShape = 'shelf' | 'box' | 'item' | 'unknown';

const SHELF = /^SHELF-[A-Za-z0-9][A-Za-z0-9-]{0,40}$/;
const BOX = /^[A-Za-z0-9]{1,8}-[A-Za-z0-9]{1,8}-\d{4}-(Y|D\d{1,3})-[A-Za-z0-9]{1,16}-B\d{3,}$/;
const ITEM = /^[\x21-\x7e]{4,64}$/;

export function barcodeShape(text: string): BarcodeShape {
  if (SHELF.test(text)) return 'shelf';
  if (BOX.test(text)) return 'box';
  if (ITEM.test(text)) return 'item';
  return 'unknown';
}

export interface Reading {
  barcode: string;
  at?: string;
}

/**
 * What the catalogue records about the barcodes of one scan, all by barcode: each shelf; each box of the fonds
 * with the shelf it is recorded on; each item of the fonds with its box; the boxes recorded on each scanned shelf
 * and the items recorded in each box read. `foreign` holds barcodes the catalogue knows in other fonds: they
 * are that fonds' business, neither judged here nor unknown.
 */
export interface ShelfCatalogue {
  shelves: ReadonlySet<string>;
  boxes: ReadonlyMap<string, { shelf: string | null }>;
  items: ReadonlyMap<string, { box: string | null }>;
  boxesOnShelf: ReadonlyMap<string, readonly string[]>;
  itemsInBox: ReadonlyMap<string, readonly string[]>;
  foreign: ReadonlySet<string>;
}

export interface ShelfFinding {
  kind: Extract<FindingKind, 'box_misplaced' | 'box_not_on_shelf' | 'item_misplaced' | 'item_not_in_box' | 'unknown_barcode'>;
  /** The box or item the finding is about, by barcode; the unknown barcode itself for `unknown_barcode`. */
  barcode: string;
  detail: string;
}

const OTHER_FONDS_BOX = Symbol('a box of another fonds');
type Place = string | null | typeof OTHER_FONDS_BOX;

/**
 * Judges shelf-scan sessions against the catalogue. In each session a shelf barcode starts a shelf, the box
 * barcodes after it are on that shelf, and the item barcodes after a box barcode are in that box.
 */
export function judgeShelfScans(sessions: readonly (readonly Reading[])[], catalogue: ShelfCatalogue): ShelfFinding[] {
  const findings: ShelfFinding[] = [];
  const scannedShelves = new Set<string>();
  const boxReadOn = new Map<string, Set<string | null>>();
  const itemReadIn = new Map<string, Set<Place>>();
  const boxesWithItemsRead = new Set<string>();
  const reported = new Set<string>();

  for (const readings of sessions) {
    let shelf: string | null = null;
    let box: Place = null;
    for (const { barcode: raw } of readings) {
      const code = raw.trim();
      if (catalogue.shelves.has(code)) {
        shelf = code;
        box = null;
        scannedShelves.add(code);
      } else if (catalogue.boxes.has(code)) {
        box = code;
        addTo(boxReadOn, code, shelf);
      } else if (catalogue.items.has(code)) {
        addTo(itemReadIn, code, box);
        if (typeof box === 'string') boxesWithItemsRead.add(box);
      } else if (catalogue.foreign.has(code)) {
        if (barcodeShape(code) === 'box') box = OTHER_FONDS_BOX;
      } else if (!reported.has(code)) {
        reported.add(code);
        const where = shelf ? ` on shelf ${shelf}` : '';
        findings.push({
          kind: 'unknown_barcode',
          barcode: code,
          detail: `barcode ${JSON.stringify(code)} read${where} names no shelf, box or item in the catalogue${barcodeShape(code) === 'unknown' ? ' and has no known barcode shape' : ''}`,
        });
      }
    }
  }

  for (const [code, shelves] of boxReadOn) {
    const recorded = catalogue.boxes.get(code)!.shelf;
    const judged = [...shelves].filter((s): s is string => s !== null);
    if (judged.length > 0 && !judged.includes(recorded ?? '')) {
      findings.push({
        kind: 'box_misplaced',
        barcode: code,
        detail: `box ${code} was read on shelf ${judged.join(', ')}; the catalogue places it ${recorded ? `on shelf ${recorded}` : 'on no shelf'}`,
      });
    }
  }
  for (const shelf of scannedShelves) {
    for (const code of catalogue.boxesOnShelf.get(shelf) ?? []) {
      if (!boxReadOn.has(code))
        findings.push({
          kind: 'box_not_on_shelf',
          barcode: code,
          detail: `box ${code} is recorded on shelf ${shelf} but was not read there or anywhere else`,
        });
    }
  }
  for (const [code, places] of itemReadIn) {
    const recorded = catalogue.items.get(code)!.box;
    if (recorded !== null && places.has(recorded)) continue;
    const seen = [...places].map(describePlace).join(', ');
    findings.push({
      kind: 'item_misplaced',
      barcode: code,
      detail: `item ${code} was read ${seen}; the catalogue places it ${recorded ? `in box ${recorded}` : 'in no box'}`,
    });
  }
  for (const box of boxesWithItemsRead) {
    for (const code of catalogue.itemsInBox.get(box) ?? []) {
      if (!itemReadIn.has(code))
        findings.push({
          kind: 'item_not_in_box',
          barcode: code,
          detail: `item ${code} is recorded in box ${box}, whose items were read, but was not read there or anywhere else`,
        });
    }
  }
  return findings;
}

function addTo<K, V>(map: Map<K, Set<V>>, key: K, value: V): void {
  const set = map.get(key) ?? new Set<V>();
  set.add(value);
  map.set(key, set);
}

function describePlace(place: Place): string {
  if (place === OTHER_FONDS_BOX) return 'in a box of another fonds';
  return place === null ? 'outside any box' : `in box ${place}`;
}
