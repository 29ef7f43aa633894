import { ApplicationFailure } from '@temporalio/activity';
import type { Logger } from 'pino';
import type { Config } from '../config';
import { loadCjkFont, shelfLabelsToPdf } from '../documents';
import type { ObjectStore } from '../store/object-store';
import type { HandOverRound, Placement } from '../domain/hand-over';
import { shelfBarcodeOf } from '../domain/volume';
import type { Db, Prisma } from '../prisma/client';
import { moveSelected } from './moves';
import { HandOverError, shelfLabelsKey } from '../contracts/hand-over';
import { itemsWhere } from '../catalogue/lifecycle';
import { retainUntilDue } from '../catalogue/object-locks';

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
      const handOver = await db.handOver.findUniqueOrThrow({ where: { id: handOverId }, include: { _count: { select: { boxes: true } } } });
      // Counted in the catalogue: a list may hand over tens of thousands of items.
      const [held] = await db.$queryRaw<{ items: number; pages: number; not_assembled: number }[]>`
        SELECT count(*)::int AS items, count(*) FILTER (WHERE i.lifecycle_state <> 'assembled')::int AS not_assembled,
          COALESCE(sum((SELECT count(*) FROM page p WHERE p.item_id = i.id AND p.superseded_at IS NULL)), 0)::int AS pages
        FROM item i JOIN box b ON b.id = i.box_id WHERE b.hand_over_id = ${handOverId}::uuid`;
      const found: string[] = [];
      if (handOver._count.boxes === 0) found.push('the list names no box');
      if (held!.items !== handOver.itemCount) found.push(`the list declares ${handOver.itemCount} items; its boxes hold ${held!.items}`);
      if (held!.pages !== handOver.pageCount) found.push(`the list declares ${handOver.pageCount} pages; its boxes hold ${held!.pages}`);
      if (held!.not_assembled) {
        const shown = await db.item.findMany({
          where: { box: { handOverId }, lifecycleState: { not: 'assembled' } },
          select: { archivalCode: true, lifecycleState: true },
          orderBy: { archivalCode: 'asc' },
          take: 5,
        });
        found.push(
          `${held!.not_assembled} items are not assembled: ${shown.map((i) => `${i.archivalCode} (${i.lifecycleState})`).join(', ')}`,
        );
      }
      return found;
    },

    /** Records a return or a resubmission as round `index` of the list, once however often it is retried. */
    async recordHandOverRound({ handOverId, index, round }: { handOverId: string; index: number; round: HandOverRound }): Promise<void> {
      await db.$transaction(async (tx) => {
        const handOver = await tx.handOver.findUniqueOrThrow({ where: { id: handOverId } });
        const rounds = handOver.rounds as unknown as HandOverRound[];
        if (rounds.length > index) return;
        await tx.handOver.update({
          where: { id: handOverId },
          data: {
            rounds: [...rounds, round],
            status: round.kind === 'returned' ? 'returned' : 'submitted',
            ...(round.kind === 'resubmitted' ? { itemCount: round.itemCount, pageCount: round.pageCount } : {}),
          },
        });
        await tx.auditEvent.create({
          data: {
            actor: round.actor,
            action: `hand_over.${round.kind}`,
            subject: `hand_over:${handOverId}`,
            outcome: 'done',
            reason: round.kind === 'returned' ? round.reasons.join('; ') : round.note,
          },
        });
      });
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
      return db.$transaction(async (tx) => {
        const handOver = await tx.handOver.findUniqueOrThrow({ where: { id: handOverId }, include: { fonds: true, boxes: true } });
        const barcodes = new Set<string>();
        for (const p of placements) {
          const barcode = shelfBarcodeOf(p.room, p.shelf);
          barcodes.add(barcode);
          const location = await tx.storageLocation.upsert({
            where: { agencyId_room_shelf: { agencyId: handOver.fonds.agencyId, room: p.room, shelf: p.shelf } },
            update: {},
            create: { agencyId: handOver.fonds.agencyId, room: p.room, shelf: p.shelf, barcode },
          });
          const taken = await tx.box.findFirst({
            where: { locationId: location.id, shelfPosition: p.position, id: { not: p.boxId } },
            select: { barcode: true },
          });
          if (taken)
            throw ApplicationFailure.nonRetryable(
              `room ${p.room} shelf ${p.shelf} place ${p.position} already holds box ${taken.barcode}`,
              HandOverError.PlacementConflict,
            );
          await tx.box.update({
            where: { id: p.boxId },
            data: { locationId: location.id, shelfPosition: p.position, checkedBy: handOver.receivedBy, checkedAt: new Date() },
          });
        }
        await tx.handOver.update({ where: { id: handOverId }, data: { decidedBy: actor, decidedAt: new Date() } });
        await tx.auditEvent.create({
          data: {
            actor,
            action: 'hand_over.placed',
            subject: `hand_over:${handOverId}`,
            outcome: 'done',
            details: { placements } as unknown as Prisma.InputJsonValue,
          },
        });
        return { shelfBarcodes: [...barcodes] };
      });
    },

    /** Labels for the shelves the list's boxes went to, one per shelf, for the label printer. */
    async printShelfLabels({ handOverId }: { handOverId: string }): Promise<{ key: string }> {
      const boxes = await db.box.findMany({ where: { handOverId }, include: { location: true } });
      const shelves = [...new Map(boxes.flatMap((b) => (b.location ? [[b.location.id, b.location] as const] : []))).values()].sort((a, b) =>
        a.barcode.localeCompare(b.barcode),
      );
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
            retained += await retainUntilDue(db, store, ids);
          },
        },
      );
      await db.handOver.update({ where: { id: handOverId }, data: { status: 'accepted' } });
      log.info({ handOverId, items: result.moved, retained }, 'hand-over accepted; items in the archive room');
      return result;
    },
  };
}
