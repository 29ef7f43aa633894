import { ApplicationFailure, Context } from '@temporalio/activity';
import {
  describeRefusals,
  moveItems as moveInCatalogue,
  movePages,
  type ItemPage,
  type MoveOrder,
  type MoveOutcome,
  type PagedMoveOutcome,
} from '../catalogue/lifecycle';
import type { LifecycleState } from '../domain/lifecycle';
import type { Db } from '../prisma/client';

export interface MoveRequest {
  itemId: string;
  to: LifecycleState;
  actor: string;
  reason?: string;
}

export interface BulkMoveRequest {
  itemIds: string[];
  to: LifecycleState;
  from?: LifecycleState[];
  actor: string;
  reason?: string;
}

export type MoveActivities = ReturnType<typeof createMoveActivities>;

export type SelectionMove = Omit<BulkMoveRequest, 'itemIds'>;

/** The transition of the activity making a move: the same across its retries, another for each activity. */
export function currentTransition(to: LifecycleState): string {
  const { workflowExecution, activityId } = Context.current().info;
  return `${workflowExecution?.workflowId}/${workflowExecution?.runId}/${activityId}/${to}`;
}

/**
 * Lifecycle moves as catalogue operations, made by the step that did the work: guarded (only items in the
 * expected state move), recorded, and idempotent by the calling activity, so a retry moves nothing twice.
 */
export function createMoveActivities({ db }: { db: Db }) {
  /** Moves the items that may move, chunk by chunk, heartbeating, and says which could not, for a step that settles those itself. */
  async function moveItemsReporting(request: BulkMoveRequest, transition = currentTransition(request.to)): Promise<MoveOutcome> {
    return moveInCatalogue(db, { ...request, transition }, (done) => Context.current().heartbeat({ done, total: request.itemIds.length }));
  }

  /** Moves many items to one state, chunk by chunk, heartbeating; those that cannot move are reported together. */
  async function moveItems(request: BulkMoveRequest, transition = currentTransition(request.to)): Promise<{ moved: number }> {
    const order: MoveOrder = { ...request, transition };
    const outcome = await moveItemsReporting(request, transition);
    if (outcome.refused.length) {
      throw ApplicationFailure.nonRetryable(describeRefusals(order, outcome.refused, request.itemIds.length), TRANSITION_NOT_ALLOWED);
    }
    return { moved: outcome.moved + outcome.already };
  }

  /** Moves one item; refused (non-retryable) when it is not in a state that may become `to`. */
  async function moveItem({ itemId, ...rest }: MoveRequest, transition?: string): Promise<void> {
    await moveItems({ itemIds: [itemId], ...rest }, transition);
  }

  return { moveItem, moveItems, moveItemsReporting };
}

/**
 * Moves the items the step's `page` selects, a chunk of ids at a time (see catalogue/lifecycle.ts `movePages`),
 * heartbeating the cursor after each chunk; a retried activity takes the move up again at the cursor its last
 * attempt reported. `beforeChunk` does the step's own work on a chunk (outside its transaction) before it moves.
 * Items that cannot move are reported together at the end, non-retryable.
 */
export async function moveSelected(
  db: Db,
  request: SelectionMove,
  page: ItemPage,
  { transition = currentTransition(request.to), beforeChunk }: { transition?: string; beforeChunk?: (ids: string[]) => Promise<void> } = {},
): Promise<{ moved: number }> {
  const order = { ...request, transition };
  const selected: ItemPage = beforeChunk
    ? async (after, limit) => {
        const ids = await page(after, limit);
        if (ids.length) await beforeChunk(ids);
        return ids;
      }
    : page;
  const context = Context.current();
  const [last] = context.info.heartbeatDetails === undefined ? [] : [context.info.heartbeatDetails as Partial<MoveProgress>];
  const resume = last?.transition === transition ? last.progress : undefined;
  const outcome = await movePages(db, order, selected, {
    resume,
    onChunk: (progress) => context.heartbeat({ transition, progress } satisfies MoveProgress),
  });
  const total = outcome.moved + outcome.already + outcome.refusedCount;
  if (outcome.refusedCount)
    throw ApplicationFailure.nonRetryable(describeRefusals(order, outcome.refused, total, outcome.refusedCount), TRANSITION_NOT_ALLOWED);
  return { moved: outcome.moved + outcome.already };
}

interface MoveProgress {
  transition: string;
  progress: PagedMoveOutcome;
}

export const TRANSITION_NOT_ALLOWED = 'TransitionNotAllowed';

/**
 * An update is answered by a workflow task, which a worker that is shutting down no longer takes: waiting on it
 * must give way to the activity's cancellation, or the worker's shutdown would wait on itself. Retried later, the
 * activity finds the work already done or does it.
 */
export function untilCancelled<T>(work: Promise<T>): Promise<T> {
  // The losing side of the race may still fail later (its connection closed at shutdown): that is not news.
  work.catch(() => undefined);
  return Promise.race([work, Context.current().cancelled]);
}
