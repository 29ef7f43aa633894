import { ApplicationFailure } from '@temporalio/activity';
import type { Logger } from 'pino';
import {
  PlacementConflict,
  handOverDiscrepancies,
  markHandOverAccepted,
  placeBoxes,
  recordHandOverRound,
  shelvesOfHandOver,
} from '../catalogue/hand-overs';
import { itemsWhere } from '../catalogue/lifecycle';
import { retainUntilDue } from '../catalogue/object-locks';
import type { Config } from '../config';
import { shelfLabelsKey } from '../contracts/hand-over';
import { loadCjkFont, shelfLabelsToPdf } from '../documents';
import type { HandOverRound, Placement } from '../domain/hand-over';
import type { Db } from '../prisma/client';
import type { ObjectStore } from '../store/object-store';
import { moveSelected } from './moves';

export interface HandOverDeps {
  db: Db;
  log: Logger;
  store: ObjectStore;
  config: Config;
}

export function createHandOverActivities({ db, log, store, config }: HandOverDeps) {
  return {
    /** What the archive room finds when it counts the list's boxes against the declared counts and the catalogue. */
    async checkHandOver({ handOverId }: { handOverId: string }): Promise<string[]> {
      return handOverDiscrepancies(db, handOverId);
    },

    /** Records a return or a resubmission as round `index` of the list, once however often it is retried. */
    async recordHandOverRound({ handOverId, index, round }: { handOverId: string; index: number; round: HandOverRound }): Promise<void> {
      await recordHandOverRound(db, handOverId, index, round);
    },

    /**
     * Records where each accepted box is kept. Shelves are found or created with their barcode; a place
     * already holding another box is refused, and then nothing is recorded.
     */
    async placeBoxes({
      handOverId,
      actor,
      placements,
    }: {
      handOverId: string;
      actor: string;
      placements: Placement[];
    }): Promise<{ shelfBarcodes: string[] }> {
      try {
        return { shelfBarcodes: await placeBoxes(db, handOverId, actor, placements) };
      } catch (err) {
        if (err instanceof PlacementConflict) throw ApplicationFailure.nonRetryable(err.message, err.name);
        throw err;
      }
    },

    /** Labels for the shelves the list's boxes went to, one per shelf, for the label printer. */
    async printShelfLabels({ handOverId }: { handOverId: string }): Promise<{ key: string }> {
      const shelves = await shelvesOfHandOver(db, handOverId);
      const pdf = await shelfLabelsToPdf(shelves, loadCjkFont(config.volumes.cjkFont), config.volumes.itemLabel);
      const stored = await store.put({
        bucket: config.s3.buckets.packages,
        key: shelfLabelsKey(handOverId),
        body: pdf,
        contentType: 'application/pdf',
      });
      return { key: stored.key };
    },

    /** The archive room takes custody: every item of the list's boxes becomes in_archive_room, a page of items at a time. */
    async takeCustody({ handOverId, actor }: { handOverId: string; actor: string }): Promise<{ moved: number }> {
      let retained = 0;
      const result = await moveSelected(
        db,
        { to: 'in_archive_room', actor, reason: `hand-over ${handOverId} accepted` },
        itemsWhere(db, { box: { handOverId } }),
        {
          // In the archive's custody the store itself keeps each page until its retention runs out.
          beforeChunk: async (ids) => {
            retained += await retainUntilDue(db, store, ids, { permanentYears: config.permanentLockYears });
          },
        },
      );
      await markHandOverAccepted(db, handOverId);
      log.info({ handOverId, items: result.moved, retained }, 'hand-over accepted; items in the archive room');
      return result;
    },
  };
}
