import { ApplicationFailure, Context } from '@temporalio/activity';
import { WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import type { LifecycleState } from '../domain/lifecycle';
import { advanceLifecycle, lifecycleQuery } from '../workflows/item-lifecycle';
import { eachInFlight } from '../domain/in-flight';

export interface MoveRequest {
  itemId: string;
  to: LifecycleState;
  actor: string;
  reason?: string;
}

// Several items move at once: each move is one Update to that item's own workflow.
const MOVES_IN_FLIGHT = 16;

export type MoveActivities = ReturnType<typeof createMoveActivities>;

/** Lifecycle moves, made through each item's lifecycle workflow, which checks and records them. */
export function createMoveActivities({ temporal }: { temporal: Client }) {
  async function moveItem({ itemId, to, actor, reason }: MoveRequest): Promise<void> {
    const handle = temporal.workflow.getHandle(`item-${itemId}`);
    if ((await handle.query(lifecycleQuery)).state === to) return;
    try {
      await untilCancelled(handle.executeUpdate(advanceLifecycle, { args: [{ to, actor, reason }] }));
    } catch (err) {
      if (!(err instanceof WorkflowUpdateFailedError)) throw err;
      // A move made meanwhile by an earlier attempt of the same step (a worker that died mid-way) is the move wanted.
      if ((await handle.query(lifecycleQuery)).state === to) return;
      throw ApplicationFailure.nonRetryable(err.cause?.message ?? err.message, 'TransitionNotAllowed');
    }
  }

  return {
    moveItem,

    /**
     * Moves many items to one state, heartbeating the count done; a retry skips the items already there.
     * Every item is tried; those that cannot move are reported together at the end.
     */
    async moveItems({ itemIds, to, actor, reason }: { itemIds: string[]; to: LifecycleState; actor: string; reason?: string }): Promise<{ moved: number }> {
      const refused: string[] = [];
      let done = 0;
      await eachInFlight(itemIds, MOVES_IN_FLIGHT, async (itemId) => {
        try {
          await moveItem({ itemId, to, actor, reason });
        } catch (err) {
          if (!(err instanceof ApplicationFailure) || err.type !== 'TransitionNotAllowed') throw err;
          refused.push(`${itemId}: ${err.message}`);
        }
        done += 1;
        Context.current().heartbeat({ done, total: itemIds.length });
      });
      if (refused.length) {
        throw ApplicationFailure.nonRetryable(`${refused.length} of ${itemIds.length} items could not become ${to}: ${refused.slice(0, 5).join('; ')}`, 'TransitionNotAllowed');
      }
      return { moved: itemIds.length };
    },
  };
}

export function untilCancelled<T>(work: Promise<T>): Promise<T> {
  // The losing side of the race may still fail later (its connection closed at shutdown): that is not news.
  work.catch(() => undefined);
  return Promise.race([work, Context.current().cancelled]);
}
