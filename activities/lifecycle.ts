import { ApplicationFailure } from '@temporalio/activity';
import type { Logger } from 'pino';
import type { TransitionRecord } from '../domain/lifecycle';
import type { Db } from '../prisma/client';

export interface RecordTransitionInput extends Omit<TransitionRecord, 'at'> {
  itemId: string;
}

export function createLifecycleActivities({ db, log }: { db: Db; log: Logger }) {
  return {
    /**
     * Mirrors one lifecycle move into the catalogue: the item's state and its history, in one transaction.
     * Idempotent by transition id, so a retry after a lost reply records nothing twice.
     */
    async recordTransition(input: RecordTransitionInput): Promise<TransitionRecord> {
      const existing = await db.lifecycleEvent.findUnique({ where: { transitionId: input.transitionId } });
      if (existing) return toRecord(existing);
      const event = await db.$transaction(async (tx) => {
        const moved = await tx.item.updateMany({
          // The first record (from null) confirms the state the item was registered in.
          // A boxed item keeps its place: it can no longer be sent back to verification.
          where: { id: input.itemId, lifecycleState: input.from ?? input.to, ...(input.to === 'verification_failed' ? { boxId: null } : {}) },
          data: { lifecycleState: input.to },
        });
        if (moved.count !== 1) {
          const item = await tx.item.findUnique({ where: { id: input.itemId }, select: { lifecycleState: true, boxId: true } });
          throw ApplicationFailure.nonRetryable(
            !item
              ? `item ${input.itemId} is not in the catalogue`
              : item.boxId
                ? `item ${input.itemId} is already boxed (${item.lifecycleState}); it cannot become ${input.to}`
                : `catalogue shows item ${input.itemId} as ${item.lifecycleState}, not ${input.from ?? input.to}`,
            'CatalogueConflict',
          );
        }
        await tx.auditEvent.create({
          data: { actor: input.actor, action: 'lifecycle.transition', subject: `item:${input.itemId}`, outcome: 'done', reason: input.reason, details: { from: input.from, to: input.to } },
        });
        return tx.lifecycleEvent.create({
          data: { itemId: input.itemId, fromState: input.from, toState: input.to, actor: input.actor, reason: input.reason, transitionId: input.transitionId },
        });
      });
      log.info({ itemId: input.itemId, from: input.from, to: input.to }, 'lifecycle transition recorded');
      return toRecord(event);
    },
  };
}

function toRecord(e: { fromState: TransitionRecord['from']; toState: TransitionRecord['to']; actor: string; reason: string | null; transitionId: string; at: Date }): TransitionRecord {
  return { from: e.fromState, to: e.toState, actor: e.actor, reason: e.reason ?? undefined, transitionId: e.transitionId, at: e.at.toISOString() };
}
