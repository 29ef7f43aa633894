import { previousStates, type LifecycleState } from '../domain/lifecycle';
import type { SecurityLevel } from '../domain/security';
import { Prisma, type Db } from '../prisma/client';

/** A lifecycle move, as the step that did the work makes it. */
export interface Move {
  to: LifecycleState;
  /** States the step moves items from; every state that may become `to` when absent. */
  from?: readonly LifecycleState[];
  actor: string;
  reason?: string;
  /**
   * Names this move of this step (e.g. the activity that makes it); each item's history row carries
   * `<transition>/<item id>`, so a retried move never moves an item twice.
   */
  transition: string;
}

/** A move of the items listed. */
export interface MoveOrder extends Move {
  itemIds: readonly string[];
}

export interface MoveOutcome {
  /** Moved by this call. */
  moved: number;
  /** Moved by an earlier attempt of the same transition, or already in the target state. */
  already: number;
  /** Items in another state: they did not move. */
  refused: { itemId: string; state: LifecycleState | null; boxed?: true }[];
}

// Items moved per transaction: long enough to run at database speed, short enough to hold few row locks.
export const MOVE_CHUNK = 1000;

type Tx = Prisma.TransactionClient | Db;

/**
 * Moves the items that stand in an expected state to `to`, with a history row and an audit row for each, in one
 * transaction per chunk. Only items in one of the `from` states move; the catalogue itself refuses any move
 * `domain/lifecycle.ts` does not allow.
 */
export async function moveItems(db: Db, order: MoveOrder, onChunk?: (done: number) => void): Promise<MoveOutcome> {
  const outcome: MoveOutcome = { moved: 0, already: 0, refused: [] };
  for (let start = 0; start < order.itemIds.length; start += MOVE_CHUNK) {
    const ids = [...new Set(order.itemIds.slice(start, start + MOVE_CHUNK))];
    const chunk = await db.$transaction((tx) => moveChunk(tx, order, ids));
    outcome.moved += chunk.moved;
    outcome.already += chunk.already;
    outcome.refused.push(...chunk.refused);
    onChunk?.(Math.min(start + MOVE_CHUNK, order.itemIds.length));
  }
  return outcome;
}

/** A page of the items a step moves: up to `limit` ids greater than `after` (none: from the start), in id order. */
export type ItemPage = (after: string | null, limit: number) => Promise<string[]>;

/** Pages of the items that match `where`. */
export function itemsWhere(db: Db, where: Prisma.ItemWhereInput): ItemPage {
  return async (after, limit) => {
    const rows = await db.item.findMany({
      where: after ? { AND: [where, { id: { gt: after } }] } : where,
      select: { id: true },
      orderBy: { id: 'asc' },
      take: limit,
    });
    return rows.map((r) => r.id);
  };
}

export interface PagedMoveOutcome {
  moved: number;
  already: number;
  /** How many refused, and the first few of them. */
  refusedCount: number;
  refused: MoveOutcome['refused'];
  /** The last id of the last chunk done: a move taken up again here skips what is done. */
  cursor: string | null;
}

const REFUSALS_KEPT = 5;

/**
 * Moves the items a step selects, page by page (keyset on item id), one transaction per chunk, so no step ever
 * holds a whole fonds' ids. `resume` takes a move up again after the chunk it reported last; the transition keeps
 * a chunk done twice from moving anything twice.
 */
export async function movePages(
  db: Db,
  order: Move,
  page: ItemPage,
  { resume, onChunk }: { resume?: PagedMoveOutcome; onChunk?: (progress: PagedMoveOutcome) => void } = {},
): Promise<PagedMoveOutcome> {
  const outcome: PagedMoveOutcome = resume
    ? { ...resume, refused: [...resume.refused] }
    : { moved: 0, already: 0, refusedCount: 0, refused: [], cursor: null };
  for (;;) {
    const ids = await page(outcome.cursor, MOVE_CHUNK);
    if (ids.length === 0) return outcome;
    const chunk = await db.$transaction((tx) => moveChunk(tx, order, ids));
    outcome.moved += chunk.moved;
    outcome.already += chunk.already;
    outcome.refusedCount += chunk.refused.length;
    outcome.refused.push(...chunk.refused.slice(0, REFUSALS_KEPT - outcome.refused.length));
    outcome.cursor = ids[ids.length - 1]!;
    onChunk?.(outcome);
  }
}

/**
 * Values a step writes on the items it moves, in the same update as their state: `from` is a row source named `v`
 * holding each item's id in `v.id` (e.g. `unnest(…) AS v(id, n)`), `set` the assignments from it. Items that do
 * not move get none of them.
 */
export interface ItemWrites {
  from: Prisma.Sql;
  set: Prisma.Sql;
}

/** One chunk of a move, inside the caller's transaction; with `writes`, the step's own values go in the same update. */
export async function moveChunk(tx: Tx, order: Move, ids: readonly string[], writes?: ItemWrites): Promise<MoveOutcome> {
  const from = order.from ?? previousStates(order.to);
  const prefix = `${order.transition}/`;
  // Row locks first, in id order, so two steps moving overlapping items never deadlock.
  const moved = await tx.$queryRaw<{ id: string }[]>`
    WITH target AS (
      SELECT i.id, i.lifecycle_state AS from_state FROM item i
      WHERE i.id = ANY(${ids}::uuid[]) AND i.lifecycle_state = ANY(${from}::"LifecycleState"[])
        AND NOT EXISTS (SELECT 1 FROM lifecycle_event e WHERE e.transition_id = ${prefix} || i.id::text)
        -- A boxed item keeps its place: it can no longer be sent back to verification.
        AND NOT (${order.to}::"LifecycleState" = 'verification_failed' AND i.box_id IS NOT NULL)
      ORDER BY i.id FOR UPDATE
    ), moved AS (
      UPDATE item i SET lifecycle_state = ${order.to}::"LifecycleState", updated_at = now()${writes ? Prisma.sql`, ${writes.set}` : Prisma.empty}
      FROM target t${writes ? Prisma.sql` JOIN ${writes.from} ON v.id = t.id` : Prisma.empty} WHERE i.id = t.id
      RETURNING i.id, t.from_state
    ), history AS (
      INSERT INTO lifecycle_event (item_id, from_state, to_state, actor, reason, transition_id)
      SELECT id, from_state, ${order.to}::"LifecycleState", ${order.actor}, ${order.reason ?? null}, ${prefix} || id::text FROM moved
    ), trail AS (
      INSERT INTO audit_event (actor, action, subject, outcome, reason, details)
      SELECT ${order.actor}, 'lifecycle.transition', 'item:' || id::text, 'done', ${order.reason ?? null},
        jsonb_build_object('from', from_state, 'to', ${order.to}::text, 'transition', ${order.transition}::text)
      FROM moved
    )
    SELECT id::text FROM moved`;
  const outcome: MoveOutcome = { moved: moved.length, already: 0, refused: [] };
  if (moved.length === ids.length) return outcome;
  const movedIds = new Set(moved.map((m) => m.id));
  const rest = ids.filter((id) => !movedIds.has(id));
  const states = await tx.$queryRaw<{ id: string; state: LifecycleState; boxed: boolean; done: boolean }[]>`
    SELECT i.id::text, i.lifecycle_state AS state, i.box_id IS NOT NULL AS boxed,
      EXISTS (SELECT 1 FROM lifecycle_event e WHERE e.transition_id = ${prefix} || i.id::text) AS done
    FROM item i WHERE i.id = ANY(${rest}::uuid[])`;
  const known = new Map(states.map((s) => [s.id, s]));
  for (const id of rest) {
    const s = known.get(id);
    if (s && (s.done || s.state === order.to)) outcome.already += 1;
    else
      outcome.refused.push({
        itemId: id,
        state: s?.state ?? null,
        ...(s?.boxed && order.to === 'verification_failed' ? { boxed: true } : {}),
      });
  }
  return outcome;
}

/** Words for a refused move, naming a few of the items and where they stand. */
export function describeRefusals(
  order: Pick<MoveOrder, 'to'>,
  refused: MoveOutcome['refused'],
  total: number,
  count = refused.length,
): string {
  const shown = refused
    .slice(0, 5)
    .map((r) => `${r.itemId} is ${r.boxed ? `already boxed (${r.state})` : (r.state ?? 'not in the catalogue')}`);
  return `${count} of ${total} items could not become ${order.to}: ${shown.join('; ')}${count > shown.length ? '; …' : ''}`;
}

export interface HistoryEntry {
  from: LifecycleState | null;
  to: LifecycleState;
  actor: string;
  reason: string | null;
  at: string;
}

export interface ItemWithHistory {
  item: {
    id: string;
    fondsId: string;
    securityLevel: SecurityLevel;
    citizenId: string;
    employerCreditCode: string | null;
    archivalCode: string | null;
    lifecycleState: LifecycleState;
  };
  events: HistoryEntry[];
}

/**
 * An item's access facts and its history, oldest first, in one query along the index on lifecycle_event (item_id,
 * id): the history screen is read often, and each round trip is a few milliseconds on a busy machine.
 */
export async function itemWithHistory(db: Db, itemId: string): Promise<ItemWithHistory | undefined> {
  const [row] = await db.$queryRaw<(ItemWithHistory['item'] & { events: HistoryEntry[] })[]>`
    SELECT i.id::text, i.fonds_id::text AS "fondsId", i.security_level::text AS "securityLevel", i.citizen_id AS "citizenId",
      i.employer_credit_code AS "employerCreditCode", i.archival_code AS "archivalCode", i.lifecycle_state::text AS "lifecycleState",
      coalesce((SELECT json_agg(json_build_object('from', e.from_state, 'to', e.to_state, 'actor', e.actor, 'reason', e.reason,
          'at', to_char(e.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')) ORDER BY e.id)
        FROM lifecycle_event e WHERE e.item_id = i.id), '[]') AS events
    FROM item i WHERE i.id = ${itemId}::uuid`;
  if (!row) return undefined;
  const { events, ...item } = row;
  return { item, events };
}

/** The item a retired per-item workflow ran for: by the workflow id it recorded, or by the id in that workflow's name. */
export function itemOfRetiredWorkflow(db: Db, workflowId: string, itemId: string | undefined) {
  // An absent id must not become an empty condition, which would match any item.
  return db.item.findFirst({ where: { OR: [{ workflowId }, ...(itemId ? [{ id: itemId }] : [])] } });
}

/** Gives an item without any history row its first one: its current state, as the catalogue holds it. */
export async function giveFirstHistoryRow(
  db: Db,
  item: { id: string; lifecycleState: LifecycleState },
  entry: { actor: string; reason: string; transitionId: string },
): Promise<void> {
  if ((await db.lifecycleEvent.count({ where: { itemId: item.id } })) > 0) return;
  await db.lifecycleEvent.create({ data: { itemId: item.id, fromState: null, toState: item.lifecycleState, ...entry } });
}
