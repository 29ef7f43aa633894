import type { LifecycleState } from './lifecycle';

/** What an inventory (盘点) can find wrong; the catalogue's `FindingKind`. */
export const FINDING_KINDS = [
  'object_missing',
  'size_mismatch',
  'digest_mismatch',
  'metadata_incomplete',
  'box_misplaced',
  'box_not_on_shelf',
  'item_misplaced',
  'item_not_in_box',
  'unknown_barcode',
  'audit_chain_broken',
] as const;
export type FindingKind = (typeof FINDING_KINDS)[number];

/** Items in the archive's custody, which an inventory checks; transferred and destroyed items have left it. */
export const CUSTODY_STATES = ['assembled', 'in_archive_room', 'under_appraisal'] as const satisfies readonly LifecycleState[];

/**
 * Which stored objects a run re-hashes: all of them, or a sample such that each object is re-hashed once in
 * `cycle` runs. `since` is the start of the run `cycle - 1` runs before this one (null when there is none):
 * an object not re-hashed since then is due whatever its slot, so runs that failed or were skipped cannot
 * leave it un-hashed for longer than a cycle.
 */
export type RehashPlan = { mode: 'all' } | { mode: 'sample'; cycle: number; since: string | null };

/** The sequence of the run whose start bounds this run's sample, or null when the fonds has had too few runs. */
export function cycleStartSequence(sequence: number, cycle: number): number | null {
  const first = sequence - (cycle - 1);
  return first >= 1 && first < sequence ? first : null;
}

/** A page's place in the re-hash cycle: a stable hash of its id (FNV-1a, 32 bits) modulo the cycle. */
export function rehashSlot(pageId: string, cycle: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < pageId.length; i++) {
    hash ^= pageId.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % cycle;
}

export function rehashDue(page: { id: string; lastRehashedAt: Date | null }, run: { sequence: number; plan: RehashPlan }): boolean {
  const { plan } = run;
  if (plan.mode === 'all' || plan.cycle === 1) return true;
  if (page.lastRehashedAt === null) return true;
  if (rehashSlot(page.id, plan.cycle) === run.sequence % plan.cycle) return true;
  return plan.since !== null && page.lastRehashedAt.getTime() < Date.parse(plan.since);
}

/** The catalogue's facts about an item that completeness is judged by. */
export interface ItemRecord {
  lifecycleState: LifecycleState;
  archivalCode: string | null;
  itemNumber: number | null;
  barcode: string | null;
  title: string;
  caseNumber: string;
  personName: string;
  clerkName: string;
  handledOn: Date | null;
  retentionPeriod: string | null;
  boxId: string | null;
  /** Whether the item's box has a recorded place on a shelf. */
  shelved: boolean;
  /** Pages in the item that are neither superseded nor destroyed. */
  currentPages: number;
}

/**
 * The metadata an item in custody must have (归档文件目录 and DA/T 70's mandatory metadata): once numbered at
 * assembly it has its code, number, label barcode, title, date, retention and box; in the archive room its box
 * has a place; and it has its content. Returns the names of what is missing, empty when complete.
 */
export function missingMetadata(item: ItemRecord): string[] {
  const blank = (v: string | null) => v === null || v.trim() === '';
  const missing: string[] = [];
  if (blank(item.archivalCode)) missing.push('archivalCode');
  if (item.itemNumber === null) missing.push('itemNumber');
  if (blank(item.barcode)) missing.push('barcode');
  if (blank(item.title)) missing.push('title');
  if (blank(item.caseNumber)) missing.push('caseNumber');
  if (blank(item.personName)) missing.push('personName');
  if (blank(item.clerkName)) missing.push('clerkName');
  if (item.handledOn === null) missing.push('handledOn');
  if (blank(item.retentionPeriod)) missing.push('retentionPeriod');
  if (item.boxId === null) missing.push('box');
  else if (item.lifecycleState !== 'assembled' && !item.shelved) missing.push('shelfLocation');
  if (item.currentPages === 0) missing.push('pages');
  return missing;
}

/** What starts an inventory run: a fonds' schedule or a person's request. */
export interface InventoryOrder {
  fonds: string;
  trigger: 'schedule' | 'on_demand';
  requestedBy: string;
  rehash: 'all' | 'sample';
  /** In how many runs every stored object is re-hashed once, for a sampled run. */
  rehashCycle: number;
  /** The shelf-scan sessions to judge; when absent, those closed since the fonds' previous run. */
  shelfScanIds?: string[];
}
