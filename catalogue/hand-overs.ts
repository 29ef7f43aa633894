import { HandOverError } from '../contracts/hand-over';
import type { HandOverRound, Placement } from '../domain/hand-over';
import { shelfBarcodeOf } from '../domain/volume';
import type { Db, Prisma } from '../prisma/client';

/** A shelf place already holding another box; nothing of the placement is recorded. */
export class PlacementConflict extends Error {
  override name = HandOverError.PlacementConflict;
}

/** What the archive room finds when it counts the list's boxes against the declared counts and the catalogue. */
export async function handOverDiscrepancies(db: Db, handOverId: string): Promise<string[]> {
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
    found.push(`${held!.not_assembled} items are not assembled: ${shown.map((i) => `${i.archivalCode} (${i.lifecycleState})`).join(', ')}`);
  }
  return found;
}

/** Records a return or a resubmission as round `index` of the list, once however often it is asked. */
export async function recordHandOverRound(db: Db, handOverId: string, index: number, round: HandOverRound): Promise<void> {
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
}

/**
 * Records where each accepted box is kept. Shelves are found or created with their barcode; a place already
 * holding another box is refused (PlacementConflict), and then nothing is recorded. Returns the shelves' barcodes.
 */
export async function placeBoxes(db: Db, handOverId: string, actor: string, placements: Placement[]): Promise<string[]> {
  return db.$transaction(async (tx) => {
    const handOver = await tx.handOver.findUniqueOrThrow({ where: { id: handOverId }, include: { fonds: true } });
    const barcodes = new Set<string>();
    for (const p of placements) {
      const location = await tx.storageLocation.upsert({
        where: { agencyId_room_shelf: { agencyId: handOver.fonds.agencyId, room: p.room, shelf: p.shelf } },
        update: {},
        create: { agencyId: handOver.fonds.agencyId, room: p.room, shelf: p.shelf, barcode: shelfBarcodeOf(p.room, p.shelf) },
      });
      // The shelf's own barcode, as its label carries it, for a shelf recorded before this hand-over too.
      barcodes.add(location.barcode);
      const taken = await tx.box.findFirst({
        where: { locationId: location.id, shelfPosition: p.position, id: { not: p.boxId } },
        select: { barcode: true },
      });
      if (taken) throw new PlacementConflict(`room ${p.room} shelf ${p.shelf} place ${p.position} already holds box ${taken.barcode}`);
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
    return [...barcodes];
  });
}

/** The shelves the list's boxes went to, each once, in barcode order. */
export async function shelvesOfHandOver(db: Db, handOverId: string) {
  const boxes = await db.box.findMany({ where: { handOverId }, select: { location: true } });
  return [...new Map(boxes.flatMap((b) => (b.location ? [[b.location.id, b.location] as const] : []))).values()].sort((a, b) =>
    a.barcode.localeCompare(b.barcode),
  );
}

export async function markHandOverAccepted(db: Db, handOverId: string): Promise<void> {
  await db.handOver.update({ where: { id: handOverId }, data: { status: 'accepted' } });
}

export interface NewHandOver {
  id: string;
  fondsId: string;
  workflowId: string;
  businessUnit: string;
  itemCount: number;
  pageCount: number;
  handedOverBy: string;
  receivedBy: string;
  witness: string;
  createdBy: string;
}

/**
 * Records a hand-over list and claims its boxes for it, all or none: a box is on one list only. Returns false,
 * recording nothing, when some box is already on another list.
 */
export async function submitHandOver(db: Db, list: NewHandOver, boxIds: string[]): Promise<boolean> {
  try {
    await db.$transaction(async (tx) => {
      await tx.handOver.create({ data: list });
      const claimed = await tx.box.updateMany({ where: { id: { in: boxIds }, handOverId: null }, data: { handOverId: list.id } });
      if (claimed.count !== boxIds.length) throw new BoxesAlreadyHandedOver();
    });
    return true;
  } catch (err) {
    if (err instanceof BoxesAlreadyHandedOver) return false;
    throw err;
  }
}

/** Takes back a list whose count never started, freeing its boxes for another list. */
export async function withdrawHandOver(db: Db, handOverId: string): Promise<void> {
  await db.$transaction([
    db.box.updateMany({ where: { handOverId }, data: { handOverId: null } }),
    db.handOver.deleteMany({ where: { id: handOverId } }),
  ]);
}

class BoxesAlreadyHandedOver extends Error {}

/** The boxes with these ids that are in the catalogue: their fonds and barcode. */
export function boxesByIds(db: Db, ids: string[]) {
  return db.box.findMany({ where: { id: { in: ids } }, select: { id: true, fondsId: true, barcode: true } });
}

export function handOverById(db: Db, id: string) {
  return db.handOver.findUnique({ where: { id } });
}

/** The hand-over with its boxes, in box order, and their shelf places. */
export function handOverWithBoxes(db: Db, id: string) {
  return db.handOver.findUniqueOrThrow({
    where: { id },
    include: { boxes: { orderBy: [{ year: 'asc' }, { boxNumber: 'asc' }], include: { location: true } } },
  });
}
