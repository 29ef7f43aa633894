import type { Actor } from '../api/access';
import type { ApiContext } from '../api/context';
import { conflict, notFound } from '../api/errors';
import { audit } from '../catalogue/audit';
import { findHold, holdRecord, holdsOfItem, liftHold, placeHold, type HoldKind } from '../catalogue/holds';

export type HoldView = Awaited<ReturnType<typeof holdRecord>>;

/** The hold, or a 404. */
export async function findItemHold(ctx: ApiContext, holdId: string) {
  const hold = await findHold(ctx.db, holdId);
  if (!hold) throw notFound(`hold ${holdId}`);
  return hold;
}

/** Places a hold (冻结) on an item not destroyed, audited. */
export async function placeItemHold(
  ctx: ApiContext,
  actor: Actor,
  item: { id: string; lifecycleState: string },
  hold: { kind: HoldKind; reason: string },
  requestId: string,
): Promise<HoldView> {
  if (item.lifecycleState === 'destroyed') throw conflict(`item ${item.id} was destroyed; there is nothing left to hold`);
  const placed = await placeHold(ctx.db, ctx.store, { itemId: item.id, kind: hold.kind, reason: hold.reason, placedById: actor.id });
  await audit(ctx.db, {
    actorId: actor.id,
    actor: actor.username,
    action: 'place_hold',
    subject: `item:${item.id}`,
    outcome: 'done',
    reason: hold.reason,
    requestId,
    details: { holdId: placed.id, kind: hold.kind },
  });
  return holdRecord(ctx.db, placed.id);
}

/** Lifts a hold not yet lifted, audited. */
export async function liftItemHold(
  ctx: ApiContext,
  actor: Actor,
  hold: { id: string; itemId: string; liftedAt: Date | null },
  liftReason: string,
  requestId: string,
): Promise<HoldView> {
  if (hold.liftedAt) throw conflict(`hold ${hold.id} was already lifted on ${hold.liftedAt.toISOString()}`);
  await liftHold(ctx.db, ctx.store, { holdId: hold.id, liftedById: actor.id, liftReason });
  await audit(ctx.db, {
    actorId: actor.id,
    actor: actor.username,
    action: 'lift_hold',
    subject: `item:${hold.itemId}`,
    outcome: 'done',
    reason: liftReason,
    requestId,
    details: { holdId: hold.id },
  });
  return holdRecord(ctx.db, hold.id);
}

export async function itemHolds(ctx: ApiContext, itemId: string): Promise<HoldView[]> {
  return holdsOfItem(ctx.db, itemId);
}
