import { Context } from '@temporalio/activity';
import type { Logger } from 'pino';
import type { Config } from '../config';
import { catalogueToPdf, catalogueToXlsx, itemLabelsToPdf, loadCjkFont, noteSheetsToPdf, spineLabelsToPdf } from '../documents';
import { itemsWhere, type Move } from '../catalogue/lifecycle';
import { NUMBERING_CHUNK, numberingGroups, numberNextItems } from '../catalogue/numbering';
import type { AssemblyScope } from '../domain/volume';
import type { Db, Prisma } from '../prisma/client';
import type { ObjectStore } from '../store/object-store';
import { moveSelected } from './moves';
import { boxDescriptionsOf } from './volume-documents';
import { volumeDocumentKey, type StoredDocument, type VolumeDocumentName } from '../contracts/volume';

export interface VolumeDeps {
  db: Db;
  store: ObjectStore;
  config: Config;
  log: Logger;
}

export type { StoredDocument } from '../contracts/volume';

/** The move of an assembly's items to `assembled`: one transition per assembly, so a retried chunk moves nothing twice. */
export function assembledMove(assemblyId: string, actor: string): Move {
  return {
    to: 'assembled',
    from: ['verified'],
    actor,
    reason: `volume assembly ${assemblyId}`,
    transition: `volume-assembly/${assemblyId}`,
  };
}

export function createVolumeActivities({ db, store, config, log }: VolumeDeps) {
  return {
    /**
     * Numbers the boxable items of the assembly's scope, puts them into boxes and moves them to `assembled`, group
     * by group (fonds, category, year, retention, organisation). Each chunk is one transaction under the group's
     * row lock: numbers run without gaps however many assemblies run at once, an item is numbered, boxed and
     * assembled together or not at all, and a retry continues where it stopped.
     */
    async numberAndBox({ assemblyId, actor }: { assemblyId: string; actor?: string }): Promise<{ items: number; boxes: number }> {
      const assembly = await db.volumeAssembly.findUniqueOrThrow({
        where: { id: assemblyId },
        include: { fonds: { include: { scheme: true } } },
      });
      const { fonds } = assembly;
      // Assemblies started before the move joined the numbering pass no actor; theirs is the one who asked.
      const move = assembledMove(assemblyId, actor ?? assembly.requestedBy);
      const run = { assemblyId, arrangedBy: assembly.requestedBy, limit: NUMBERING_CHUNK };
      for (const group of await numberingGroups(db, fonds, assembly.scope as AssemblyScope)) {
        for (let more = true; more;) {
          const taken = await db.$transaction((tx) => numberNextItems(tx, group, run, move), { timeout: 120_000, maxWait: 30_000 });
          Context.current().heartbeat({ group: group.parts, claimed: taken.ids.length });
          more = taken.more;
        }
      }
      const totals = await db.box.aggregate({ where: { assemblyId }, _count: true, _sum: { itemCount: true } });
      const result = { items: totals._sum.itemCount ?? 0, boxes: totals._count };
      await db.volumeAssembly.update({
        where: { id: assemblyId },
        data: { status: 'numbered', itemCount: result.items, boxCount: result.boxes },
      });
      log.info({ assemblyId, ...result }, 'items numbered, boxed and assembled');
      return result;
    },

    /**
     * Moves the items this assembly boxed on to `assembled`, for assemblies whose history began before the move
     * joined the numbering transaction (their workflow still calls this); a page of items at a time.
     */
    async markAssembled({ assemblyId, actor }: { assemblyId: string; actor: string }): Promise<{ moved: number }> {
      return moveSelected(db, { to: 'assembled', actor, reason: `volume assembly ${assemblyId}` }, itemsWhere(db, { box: { assemblyId } }));
    },

    /**
     * The assembly's documents: the catalogue (归档文件目录) as PDF and Excel, spine labels, item barcode labels and
     * the note sheets (备考表), kept in the packages bucket.
     */
    async produceVolumeDocuments({ assemblyId }: { assemblyId: string }): Promise<StoredDocument[]> {
      const font = loadCjkFont(config.volumes.cjkFont);
      const boxes = await boxDescriptionsOf(db, { assemblyId });
      if (boxes.length === 0) return [];
      // One after another, so that one document's drawing never waits behind all the others'.
      const made: [VolumeDocumentName, string, () => Promise<Buffer>][] = [
        ['catalogue.pdf', 'application/pdf', () => catalogueToPdf(boxes, font)],
        ['catalogue.xlsx', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', () => catalogueToXlsx(boxes)],
        ['spine-labels.pdf', 'application/pdf', () => spineLabelsToPdf(boxes, font, config.volumes.spineLabel)],
        [
          'item-labels.pdf',
          'application/pdf',
          () =>
            itemLabelsToPdf(
              boxes.flatMap((b) => b.entries),
              font,
              config.volumes.itemLabel,
            ),
        ],
        ['note-sheets.pdf', 'application/pdf', () => noteSheetsToPdf(boxes, font)],
      ];
      const documents: StoredDocument[] = [];
      for (const [name, contentType, render] of made) {
        const body = await render();
        const stored = await store.put({ bucket: config.s3.buckets.packages, key: volumeDocumentKey(assemblyId, name), body, contentType });
        documents.push({ name, bucket: stored.bucket, key: stored.key, size: stored.size, sha256: stored.sha256, contentType });
        Context.current().heartbeat({ document: name });
      }
      await db.volumeAssembly.update({ where: { id: assemblyId }, data: { documents: documents as unknown as Prisma.InputJsonValue } });
      return documents;
    },

    async finishAssembly({ assemblyId, error }: { assemblyId: string; error?: string }): Promise<void> {
      await db.volumeAssembly.update({
        where: { id: assemblyId },
        data: { status: error ? 'failed' : 'assembled', error, finishedAt: new Date() },
      });
    },
  };
}
