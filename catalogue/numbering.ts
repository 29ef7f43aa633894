import { randomUUID } from 'node:crypto';
import type { ReferenceCodeParts } from '../domain/reference-code';
import { archivalCodeOf, boxBarcodeOf, itemBarcodeOf, packIntoBoxes, type AssemblyScope, type BoxCapacity } from '../domain/volume';
import { Prisma, type Db, type RetentionPeriod } from '../prisma/client';
import { StepError } from '../contracts/errors';
import { describeRefusals, moveChunk, type ItemWrites, type Move } from './lifecycle';

/**
 * Numbered items whose move to `assembled` was refused, which their locks make a bug; named as Temporal's retry
 * policies know a refused move (activities/moves.ts), so it is not retried.
 */
export class NumberingRefused extends Error {
  override name = StepError.TransitionNotAllowed;
}

/**
 * Items that may be boxed (alias `i`): verified, not yet boxed, not drawn for a sampling check still to come, and
 * without an open quality finding.
 */
const BOXABLE = Prisma.sql`i.lifecycle_state = 'verified' AND i.box_id IS NULL AND NOT i.awaiting_sampling
  AND NOT EXISTS (SELECT 1 FROM quality_defect d WHERE d.item_id = i.id AND d.resolved_at IS NULL)`;

/** A numbering group: items numbered 1..n without gaps, and boxes numbered 1..m, within it (DA/T 22-2015). */
export interface NumberingGroup {
  fondsId: string;
  parts: Omit<ReferenceCodeParts, 'item'> & { retention: RetentionPeriod };
  referenceCodeTemplate: string;
  capacity: BoxCapacity;
}

// Items numbered per transaction: the group's row lock is held this long, so other assemblies wait at most one chunk.
export const NUMBERING_CHUNK = 500;

export interface NumberingRun {
  assemblyId: string;
  arrangedBy: string;
  /** Items taken at most; a full take ends with whole boxes only. */
  limit: number;
}

export interface NumberedFonds {
  id: string;
  code: string;
  orgCode: string;
  referenceCodeTemplate: string;
  boxCapacity: number;
  boxCapacityUnit: BoxCapacity['unit'];
  scheme: { category: string };
}

/** The numbering groups (by year, then retention) of the fonds that hold boxable items within the scope. */
export async function numberingGroups(db: Db, fonds: NumberedFonds, scope: AssemblyScope): Promise<NumberingGroup[]> {
  const years = scope.years?.length ? scope.years : null;
  const periods = scope.retentionPeriods?.length ? scope.retentionPeriods : null;
  const groups = await db.$queryRaw<{ year: number; retention: RetentionPeriod }[]>`
    SELECT i.year, i.retention_period AS retention FROM item i
    WHERE i.fonds_id = ${fonds.id}::uuid AND ${BOXABLE}
      AND (${years}::int[] IS NULL OR i.year = ANY(${years}::int[]))
      AND (${periods}::text[] IS NULL OR i.retention_period::text = ANY(${periods}::text[]))
    GROUP BY 1, 2 ORDER BY 1, 2`;
  return groups.map(({ year, retention }) => ({
    fondsId: fonds.id,
    referenceCodeTemplate: fonds.referenceCodeTemplate,
    capacity: { size: fonds.boxCapacity, unit: fonds.boxCapacityUnit },
    parts: { fonds: fonds.code, category: fonds.scheme.category, year, retention, org: fonds.orgCode },
  }));
}

/**
 * Numbers the next boxable items of the group, in the order their cases were handled, and puts them into new
 * boxes, inside the caller's transaction and under the group's row lock: numbers run without gaps however many
 * assemblies run at once. With `assembled`, the items become assembled in the same update that gives them their
 * numbers (catalogue/lifecycle.ts `moveChunk`: guarded, with history and audit rows), so no item is ever numbered
 * without being assembled; a refusal undoes the whole chunk. Without it they are only numbered and boxed.
 * Returns the ids numbered, in number order, and whether the group may hold more boxable items.
 */
export async function numberNextItems(
  tx: Prisma.TransactionClient,
  group: NumberingGroup,
  run: NumberingRun,
  assembled?: Move,
): Promise<{ ids: string[]; more: boolean }> {
  const { fondsId, parts } = group;
  await tx.$executeRaw`INSERT INTO numbering_group (fonds_id, category, year, retention_period, org_code)
    VALUES (${fondsId}::uuid, ${parts.category}, ${parts.year}, ${parts.retention}::"RetentionPeriod", ${parts.org}) ON CONFLICT DO NOTHING`;
  const [counter] = await tx.$queryRaw<{ last_item_number: number; last_box_number: number }[]>`
    SELECT last_item_number, last_box_number FROM numbering_group
    WHERE fonds_id = ${fondsId}::uuid AND category = ${parts.category} AND year = ${parts.year}
      AND retention_period = ${parts.retention}::"RetentionPeriod" AND org_code = ${parts.org} FOR UPDATE`;
  // Read under the group's lock: a concurrent assembly of the same group waits here, then sees these items boxed.
  const items = await tx.$queryRaw<{ id: string; pages: number }[]>`
    SELECT i.id::text, (SELECT count(*)::int FROM page p WHERE p.item_id = i.id AND p.superseded_at IS NULL) AS pages
    FROM item i
    WHERE i.fonds_id = ${fondsId}::uuid AND i.year = ${parts.year} AND i.retention_period = ${parts.retention}::"RetentionPeriod"
      AND ${BOXABLE}
    ORDER BY i.handled_on, i.case_number, i.id
    LIMIT ${run.limit} FOR UPDATE OF i`;
  const more = items.length === run.limit;
  let boxes = packIntoBoxes(items, group.capacity);
  // A full take may end in a part-filled box: those items wait for the next take, which fills it.
  if (more && boxes.length > 1 && !isFull(boxes[boxes.length - 1]!, group.capacity)) boxes = boxes.slice(0, -1);
  if (boxes.length === 0) return { ids: [], more: false };
  let itemNumber = counter!.last_item_number;
  let boxNumber = counter!.last_box_number;
  const rows = { ids: [] as string[], numbers: [] as number[], codes: [] as string[], barcodes: [] as string[], boxIds: [] as string[] };
  const made: Prisma.BoxCreateManyInput[] = [];
  for (const box of boxes) {
    boxNumber += 1;
    const boxId = randomUUID();
    const first = itemNumber + 1;
    for (const item of box) {
      itemNumber += 1;
      const code = archivalCodeOf(group.referenceCodeTemplate, { ...parts, item: itemNumber });
      rows.ids.push(item.id);
      rows.numbers.push(itemNumber);
      rows.codes.push(code);
      rows.barcodes.push(itemBarcodeOf(code));
      rows.boxIds.push(boxId);
    }
    made.push({
      id: boxId,
      fondsId,
      category: parts.category,
      boxNumber,
      year: parts.year,
      retentionPeriod: parts.retention,
      orgCode: parts.org,
      firstItemNumber: first,
      lastItemNumber: itemNumber,
      itemCount: box.length,
      pageCount: box.reduce((n, i) => n + i.pages, 0),
      assemblyId: run.assemblyId,
      arrangedBy: run.arrangedBy,
      barcode: boxBarcodeOf(parts, boxNumber),
    });
  }
  await tx.box.createMany({ data: made });
  const writes: ItemWrites = {
    from: Prisma.sql`unnest(${rows.ids}::uuid[], ${rows.numbers}::int[], ${rows.codes}::text[], ${rows.barcodes}::text[], ${rows.boxIds}::uuid[]) AS v(id, n, code, barcode, box)`,
    set: Prisma.sql`item_number = v.n, archival_code = v.code, barcode = v.barcode, box_id = v.box`,
  };
  if (assembled) {
    const outcome = await moveChunk(tx, assembled, rows.ids, writes);
    if (outcome.refused.length) throw new NumberingRefused(describeRefusals(assembled, outcome.refused, rows.ids.length));
  } else {
    await tx.$executeRaw`UPDATE item SET ${writes.set}, updated_at = now() FROM ${writes.from} WHERE item.id = v.id`;
  }
  await tx.$executeRaw`UPDATE numbering_group SET last_item_number = ${itemNumber}, last_box_number = ${boxNumber}
    WHERE fonds_id = ${fondsId}::uuid AND category = ${parts.category} AND year = ${parts.year}
      AND retention_period = ${parts.retention}::"RetentionPeriod" AND org_code = ${parts.org}`;
  return { ids: rows.ids, more };
}

/** `numberNextItems` in a transaction of its own, long enough for a chunk of NUMBERING_CHUNK items. */
export function numberNextChunk(
  db: Db,
  group: NumberingGroup,
  run: NumberingRun,
  assembled?: Move,
): Promise<{ ids: string[]; more: boolean }> {
  return db.$transaction((tx) => numberNextItems(tx, group, run, assembled), { timeout: 120_000, maxWait: 30_000 });
}

function isFull(box: { pages: number }[], capacity: BoxCapacity): boolean {
  return (capacity.unit === 'items' ? box.length : box.reduce((n, i) => n + i.pages, 0)) >= capacity.size;
}
