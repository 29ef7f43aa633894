import type { Db, Prisma } from '../prisma/client';

/** The entries of a destruction list as it is carried out: attempts, deletions, tombstones, removals and failures. */

/** Counts one more deletion attempt on each item still listed; returns the attempts of those. */
export async function countAttempt(db: Db, listId: string, itemIds: string[]): Promise<Map<string, number>> {
  if (itemIds.length === 0) return new Map();
  const rows = await db.$queryRaw<{ item_id: string; attempts: number }[]>`
    UPDATE destruction_entry SET attempts = attempts + 1
    WHERE list_id = ${listId}::uuid AND item_id = ANY(${itemIds}::uuid[]) AND status = 'listed'
    RETURNING item_id::text, attempts`;
  return new Map(rows.map((r) => [r.item_id, r.attempts]));
}

const pageColumns = { itemId: true, pageNumber: true, bucket: true, key: true } as const;
export type StoredPage = Prisma.PageGetPayload<{ select: typeof pageColumns }>;

/** Every page row of the items, superseded ones too, in page order: all of them are deleted. */
export async function pagesToDelete(db: Db, itemIds: string[]): Promise<StoredPage[]> {
  return db.page.findMany({
    where: { itemId: { in: itemIds } },
    select: pageColumns,
    orderBy: [{ pageNumber: 'asc' }, { createdAt: 'asc' }],
  });
}

/** What one item's first check found in the store: the bytes of every version, and the pages of which none was left. */
export interface FirstLook {
  itemId: string;
  bytes: number;
  gone: { pageNumber: number; bucket: string; key: string }[];
}

/** Records each item's first look before anything of it is deleted; a later attempt, seeing less, changes nothing. */
export async function recordFirstLooks(db: Db, listId: string, looks: FirstLook[]): Promise<void> {
  if (looks.length === 0) return;
  await db.$executeRaw`
    UPDATE destruction_entry e SET bytes_found = l.bytes, objects_gone = l.gone
    FROM unnest(${looks.map((l) => l.itemId)}::uuid[], ${looks.map((l) => l.bytes)}::bigint[], ${looks.map((l) => JSON.stringify(l.gone))}::jsonb[])
      AS l(item_id, bytes, gone)
    WHERE e.list_id = ${listId}::uuid AND e.item_id = l.item_id AND e.objects_gone IS NULL`;
}

/** A tombstone (item_tombstone) of each destroyed item's metadata and every object deleted, and its pages marked destroyed. */
export async function leaveTombstones(db: Db, listId: string, itemIds: string[]): Promise<void> {
  if (itemIds.length === 0) return;
  await db.$transaction([
    // A retry after a crash finds some tombstones written: they stay as they are (the table is append-only).
    db.$executeRaw`
      INSERT INTO item_tombstone (item_id, list_id, archival_code, metadata, objects)
      SELECT i.id, ${listId}::uuid, i.archival_code,
        jsonb_build_object(
          'archivalCode', i.archival_code, 'itemNumber', i.item_number, 'title', i.title, 'year', i.year, 'retentionPeriod', i.retention_period,
          'securityLevel', i.security_level, 'caseNumber', i.case_number, 'citizenId', i.citizen_id, 'personName', i.person_name,
          'employerName', i.employer_name, 'employerCreditCode', i.employer_credit_code, 'clerkName', i.clerk_name,
          'handledOn', to_char(i.handled_on, 'YYYY-MM-DD'), 'businessType', bt.code, 'handlingOffice', ho.code, 'box', b.barcode,
          'pageCount', coalesce(p.page_count, 0)),
        coalesce(p.objects, '[]'::jsonb)
      FROM item i
      JOIN business_type bt ON bt.id = i.business_type_id
      JOIN handling_office ho ON ho.id = i.handling_office_id
      LEFT JOIN box b ON b.id = i.box_id
      LEFT JOIN (
        SELECT item_id, count(*) FILTER (WHERE superseded_at IS NULL) AS page_count,
          jsonb_agg(jsonb_build_object('pageNumber', page_number, 'bucket', bucket, 'key', key, 'versionId', version_id, 'size', size, 'sha256', sha256, 'sm3', sm3)
            ORDER BY page_number, created_at) AS objects
        FROM page WHERE item_id = ANY(${itemIds}::uuid[]) GROUP BY item_id
      ) p ON p.item_id = i.id
      WHERE i.id = ANY(${itemIds}::uuid[])
      ON CONFLICT (item_id) DO NOTHING`,
    db.page.updateMany({ where: { itemId: { in: itemIds }, destroyedAt: null }, data: { destroyedAt: new Date() } }),
    // The recognised text is the pages' content: it goes with them; the tombstone keeps the metadata only.
    db.pageText.deleteMany({ where: { itemId: { in: itemIds } } }),
  ]);
}

export async function markEntriesDestroyed(db: Db, listId: string, itemIds: string[]): Promise<void> {
  await db.destructionEntry.updateMany({
    where: { listId, itemId: { in: itemIds }, status: 'listed' },
    data: { status: 'destroyed', destroyedAt: new Date(), reason: null },
  });
}

/** Listed entries taken off the list, each with its own reason. */
export async function removeEntries(db: Db, listId: string, reasons: Map<string, string>): Promise<void> {
  await setEntries(db, listId, 'removed', reasons);
}

/** Failed entries, with their reasons, and an archivist task for each, together. */
export async function failEntries(db: Db, listId: string, reasons: Map<string, string>): Promise<void> {
  if (reasons.size === 0) return;
  const list = await db.destructionList.findUniqueOrThrow({ where: { id: listId }, select: { fondsId: true } });
  const items = await db.item.findMany({
    where: { id: { in: [...reasons.keys()] } },
    select: { id: true, archivalCode: true, caseNumber: true },
  });
  await db.$transaction([
    setEntries(db, listId, 'failed', reasons),
    db.archivistTask.createMany({
      data: items.map((item) => ({
        fondsId: list.fondsId,
        kind: 'destruction_failed',
        itemId: item.id,
        source: `destruction_list:${listId}`,
        title: `Destruction of ${item.archivalCode ?? item.caseNumber} failed`,
        detail: reasons.get(item.id)!,
      })),
    }),
  ]);
}

/** Sets listed entries to `status`, each with its own reason, in one statement. */
function setEntries(db: Db, listId: string, status: 'removed' | 'failed', reasons: Map<string, string>) {
  return db.$executeRaw`
    UPDATE destruction_entry e SET status = ${status}::"DestructionEntryStatus", reason = r.reason
    FROM unnest(${[...reasons.keys()]}::uuid[], ${[...reasons.values()]}::text[]) AS r(item_id, reason)
    WHERE e.list_id = ${listId}::uuid AND e.item_id = r.item_id AND e.status = 'listed'`;
}
