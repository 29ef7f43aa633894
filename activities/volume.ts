import { Context } from '@temporalio/activity';
import type { Logger } from 'pino';
import { assemblyToNumber, finishAssembly, recordAssemblyDocuments, recordNumbered } from '../catalogue/assemblies';
import { boxDescriptionsOfAssembly } from '../catalogue/box-descriptions';
import { itemsWhere, type Move } from '../catalogue/lifecycle';
import { NUMBERING_CHUNK, numberingGroups, numberNextChunk } from '../catalogue/numbering';
import type { Config } from '../config';
import { VOLUME_DOCUMENT_TYPES, volumeDocumentKey, type StoredDocument, type VolumeDocumentName } from '../contracts/volume';
import { catalogueToPdf, catalogueToXlsx, itemLabelsToPdf, loadCjkFont, noteSheetsToPdf, spineLabelsToPdf } from '../documents';
import type { Db } from '../prisma/client';
import type { ObjectStore } from '../store/object-store';
import { moveSelected } from './moves';

export type { StoredDocument } from '../contracts/volume';

export interface VolumeDeps {
  db: Db;
  store: ObjectStore;
  config: Config;
  log: Logger;
}

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
      const assembly = await assemblyToNumber(db, assemblyId);
      // Assemblies started before the move joined the numbering pass no actor; theirs is the one who asked.
      const move = assembledMove(assemblyId, actor ?? assembly.requestedBy);
      const run = { assemblyId, arrangedBy: assembly.requestedBy, limit: NUMBERING_CHUNK };
      for (const group of await numberingGroups(db, assembly.fonds, assembly.scope)) {
        for (let more = true; more;) {
          const taken = await numberNextChunk(db, group, run, move);
          Context.current().heartbeat({ group: group.parts, claimed: taken.ids.length });
          more = taken.more;
        }
      }
      const result = await recordNumbered(db, assemblyId);
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
      const boxes = await boxDescriptionsOfAssembly(db, assemblyId);
      if (boxes.length === 0) return [];
      // One after another, so that one document's drawing never waits behind all the others'.
      const made: [VolumeDocumentName, () => Promise<Buffer>][] = [
        ['catalogue.pdf', () => catalogueToPdf(boxes, font)],
        ['catalogue.xlsx', () => catalogueToXlsx(boxes)],
        ['spine-labels.pdf', () => spineLabelsToPdf(boxes, font, config.volumes.spineLabel)],
        [
          'item-labels.pdf',
          () =>
            itemLabelsToPdf(
              boxes.flatMap((b) => b.entries),
              font,
              config.volumes.itemLabel,
            ),
        ],
        ['note-sheets.pdf', () => noteSheetsToPdf(boxes, font)],
      ];
      const documents: StoredDocument[] = [];
      for (const [name, render] of made) {
        const contentType = VOLUME_DOCUMENT_TYPES[name];
        const body = await render();
        const stored = await store.put({ bucket: config.s3.buckets.packages, key: volumeDocumentKey(assemblyId, name), body, contentType });
        documents.push({ name, bucket: stored.bucket, key: stored.key, size: stored.size, sha256: stored.sha256, contentType });
        Context.current().heartbeat({ document: name });
      }
      await recordAssemblyDocuments(db, assemblyId, documents);
      return documents;
    },

    async finishAssembly({ assemblyId, error }: { assemblyId: string; error?: string }): Promise<void> {
      await finishAssembly(db, assemblyId, error);
    },
  };
}
