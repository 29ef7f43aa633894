import { randomUUID } from 'node:crypto';
import { Context } from '@temporalio/activity';
import type { Logger } from 'pino';
import type { Config } from '../config';
import { catalogueToPdf, catalogueToXlsx, itemLabelsToPdf, loadCjkFont, noteSheetsToPdf, spineLabelsToPdf } from '../documents';
import type { AssemblyScope } from '../domain/volume';
import { archivalCodeOf, boxBarcodeOf, itemBarcodeOf, packIntoBoxes } from '../domain/volume';
import type { Db, Prisma, RetentionPeriod } from '../prisma/client';
import type { ObjectStore } from '../store/object-store';
import { boxDescriptionsOf } from './volume-documents';
import type { MoveActivities } from './moves';

// Items numbered per transaction: the group's row lock is held this long, so other assemblies wait at most one chunk.
const CHUNK = 500;

export interface VolumeDeps {
  db: Db;
  store: ObjectStore;
  config: Config;
  log: Logger;
  moves: MoveActivities;
}

export interface StoredDocument {
  name: string;
  bucket: string;
  key: string;
  size: number;
  sha256: string;
  contentType: string;
}

/** Verified items that may be boxed: not drawn for a sampling check still to come, no open quality finding. */
export function boxable(fondsId: string, scope: AssemblyScope): Prisma.ItemWhereInput {
  return {
    fondsId,
    lifecycleState: 'verified',
    boxId: null,
    awaitingSampling: false,
    defects: { none: { resolvedAt: null } },
    ...(scope.years?.length ? { year: { in: scope.years } } : {}),
    ...(scope.retentionPeriods?.length ? { retentionPeriod: { in: scope.retentionPeriods as RetentionPeriod[] } } : {}),
  };
}

export function createVolumeActivities({ db, store, config, log, moves }: VolumeDeps) {
  return {
    /**
     * Numbers the boxable items of the assembly's scope and puts them into boxes, group by group (fonds,
     * category, year, retention, organisation). Each chunk is one transaction under the group's row lock, so
     * numbers run without gaps however many assemblies run at once, and a retry continues where it stopped.
     */
    async numberAndBox({ assemblyId }: { assemblyId: string }): Promise<{ items: number; boxes: number }> {
      const assembly = await db.volumeAssembly.findUniqueOrThrow({ where: { id: assemblyId }, include: { fonds: { include: { scheme: true } } } });
      const { fonds } = assembly;
      const scope = assembly.scope as AssemblyScope;
      const groups = await db.item.groupBy({ by: ['year', 'retentionPeriod'], where: boxable(fonds.id, scope), orderBy: [{ year: 'asc' }, { retentionPeriod: 'asc' }] });
      for (const group of groups) {
        const parts = { fonds: fonds.code, category: fonds.scheme.category, year: group.year, retention: group.retentionPeriod, org: fonds.orgCode };
        let claimed: number;
        do {
          claimed = await db.$transaction(
            async (tx) => {
              await tx.$executeRaw`INSERT INTO numbering_group (fonds_id, category, year, retention_period, org_code)
                VALUES (${fonds.id}::uuid, ${parts.category}, ${parts.year}, ${parts.retention}::"RetentionPeriod", ${parts.org}) ON CONFLICT DO NOTHING`;
              const [counter] = await tx.$queryRaw<{ last_item_number: number; last_box_number: number }[]>`
                SELECT last_item_number, last_box_number FROM numbering_group
                WHERE fonds_id = ${fonds.id}::uuid AND category = ${parts.category} AND year = ${parts.year}
                  AND retention_period = ${parts.retention}::"RetentionPeriod" AND org_code = ${parts.org} FOR UPDATE`;
              // Read under the group's lock: a concurrent assembly of the same group waits here, then sees these items boxed.
              const items = await tx.$queryRaw<{ id: string; pages: number }[]>`
                SELECT i.id, (SELECT count(*)::int FROM page p WHERE p.item_id = i.id AND p.superseded_at IS NULL) AS pages
                FROM item i
                WHERE i.fonds_id = ${fonds.id}::uuid AND i.year = ${parts.year} AND i.retention_period = ${parts.retention}::"RetentionPeriod"
                  AND i.lifecycle_state = 'verified' AND i.box_id IS NULL AND NOT i.awaiting_sampling
                  AND NOT EXISTS (SELECT 1 FROM quality_defect d WHERE d.item_id = i.id AND d.resolved_at IS NULL)
                ORDER BY i.handled_on, i.case_number, i.id
                LIMIT ${CHUNK} FOR UPDATE OF i`;
              let boxes = packIntoBoxes(items, { size: fonds.boxCapacity, unit: fonds.boxCapacityUnit });
              // A full chunk may end in a part-filled box: those items wait for the next chunk, which fills it.
              if (items.length === CHUNK && boxes.length > 1) boxes = boxes.slice(0, -1);
              let itemNumber = counter!.last_item_number;
              let boxNumber = counter!.last_box_number;
              const rows = { ids: [] as string[], numbers: [] as number[], codes: [] as string[], barcodes: [] as string[], boxIds: [] as string[] };
              for (const box of boxes) {
                boxNumber += 1;
                const boxId = randomUUID();
                const first = itemNumber + 1;
                for (const item of box) {
                  itemNumber += 1;
                  const code = archivalCodeOf(fonds.referenceCodeTemplate, { ...parts, item: itemNumber });
                  rows.ids.push(item.id);
                  rows.numbers.push(itemNumber);
                  rows.codes.push(code);
                  rows.barcodes.push(itemBarcodeOf(code));
                  rows.boxIds.push(boxId);
                }
                await tx.box.create({
                  data: {
                    id: boxId, fondsId: fonds.id, category: parts.category, boxNumber, year: parts.year, retentionPeriod: group.retentionPeriod, orgCode: parts.org,
                    firstItemNumber: first, lastItemNumber: itemNumber, itemCount: box.length, pageCount: box.reduce((n, i) => n + i.pages, 0),
                    assemblyId, arrangedBy: assembly.requestedBy, barcode: boxBarcodeOf(parts, boxNumber),
                  },
                });
              }
              if (rows.ids.length === 0) return 0;
              await tx.$executeRaw`UPDATE item SET item_number = v.n, archival_code = v.code, barcode = v.barcode, box_id = v.box, updated_at = now()
                FROM unnest(${rows.ids}::uuid[], ${rows.numbers}::int[], ${rows.codes}::text[], ${rows.barcodes}::text[], ${rows.boxIds}::uuid[]) AS v(id, n, code, barcode, box)
                WHERE item.id = v.id`;
              await tx.$executeRaw`UPDATE numbering_group SET last_item_number = ${itemNumber}, last_box_number = ${boxNumber}
                WHERE fonds_id = ${fonds.id}::uuid AND category = ${parts.category} AND year = ${parts.year}
                  AND retention_period = ${parts.retention}::"RetentionPeriod" AND org_code = ${parts.org}`;
              return rows.ids.length;
            },
            { timeout: 120_000, maxWait: 30_000 },
          );
          Context.current().heartbeat({ group: parts, claimed });
        } while (claimed > 0);
      }
      const totals = await db.box.aggregate({ where: { assemblyId }, _count: true, _sum: { itemCount: true } });
      const result = { items: totals._sum.itemCount ?? 0, boxes: totals._count };
      await db.volumeAssembly.update({ where: { id: assemblyId }, data: { status: 'numbered', itemCount: result.items, boxCount: result.boxes } });
      log.info({ assemblyId, ...result }, 'items numbered and boxed');
      return result;
    },

    /** Moves every item this assembly boxed on to `assembled`, through each item's lifecycle. */
    async markAssembled({ assemblyId, actor }: { assemblyId: string; actor: string }): Promise<{ moved: number }> {
      const items = await db.item.findMany({ where: { box: { assemblyId } }, select: { id: true }, orderBy: { itemNumber: 'asc' } });
      return moves.moveItems({ itemIds: items.map((i) => i.id), to: 'assembled', actor, reason: `volume assembly ${assemblyId}` });
    },

    /**
     * The assembly's documents: the catalogue (归档文件目录) as PDF and Excel, spine labels, item barcode labels and
     * the note sheets (备考表), kept in the packages bucket.
     */
    async produceVolumeDocuments({ assemblyId }: { assemblyId: string }): Promise<StoredDocument[]> {
      const font = loadCjkFont(config.volumes.cjkFont);
      const boxes = await boxDescriptionsOf(db, { assemblyId });
      if (boxes.length === 0) return [];
      const made: [string, string, Promise<Buffer>][] = [
        ['catalogue.pdf', 'application/pdf', catalogueToPdf(boxes, font)],
        ['catalogue.xlsx', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', catalogueToXlsx(boxes)],
        ['spine-labels.pdf', 'application/pdf', spineLabelsToPdf(boxes, font, config.volumes.spineLabel)],
        ['item-labels.pdf', 'application/pdf', itemLabelsToPdf(boxes.flatMap((b) => b.entries), font, config.volumes.itemLabel)],
        ['note-sheets.pdf', 'application/pdf', noteSheetsToPdf(boxes, font)],
      ];
      const documents: StoredDocument[] = [];
      for (const [name, contentType, rendering] of made) {
        const body = await rendering;
        const stored = await store.put({ bucket: config.s3.buckets.packages, key: `volumes/${assemblyId}/${name}`, body, contentType });
        documents.push({ name, bucket: stored.bucket, key: stored.key, size: stored.size, sha256: stored.sha256, contentType });
        Context.current().heartbeat({ document: name });
      }
      await db.volumeAssembly.update({ where: { id: assemblyId }, data: { documents: documents as unknown as Prisma.InputJsonValue } });
      return documents;
    },

    async finishAssembly({ assemblyId, error }: { assemblyId: string; error?: string }): Promise<void> {
      await db.volumeAssembly.update({ where: { id: assemblyId }, data: { status: error ? 'failed' : 'assembled', error, finishedAt: new Date() } });
    },
  };
}
