import {
  ApplicationFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  defineQuery,
  defineUpdate,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  uuid4,
  workflowInfo,
} from '@temporalio/workflow';
import type { createLifecycleActivities } from '../activities/lifecycle';
import { canMove, isFinal, nextStates, type LifecycleState, type TransitionRecord, type TransitionRequest } from '../domain/lifecycle';
import { lifecycleStateKey } from './search-attributes';

const { recordTransition } = proxyActivities<ReturnType<typeof createLifecycleActivities>>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 20, nonRetryableErrorTypes: ['CatalogueConflict'] },
});

export interface ItemLifecycleInput {
  itemId: string;
  state: LifecycleState;
  registeredBy: string;
}

export interface LifecycleView {
  itemId: string;
  state: LifecycleState;
  next: readonly LifecycleState[];
  transitions: number;
}

export const lifecycleQuery = defineQuery<LifecycleView>('lifecycle');
export const advanceLifecycle = defineUpdate<TransitionRecord, [TransitionRequest]>('advanceLifecycle');

/** One item's life in the archive: each move is checked, recorded in the catalogue, then becomes the state. */
export async function itemLifecycle(input: ItemLifecycleInput): Promise<LifecycleState> {
  let state = input.state;
  let transitions = 0;
  // Moves wait until the registration is recorded, so the catalogue sees them in order.
  let moving = true;

  setHandler(lifecycleQuery, () => ({ itemId: input.itemId, state, next: nextStates(state), transitions }));
  setHandler(
    advanceLifecycle,
    async (request) => {
      await condition(() => !moving);
      moving = true;
      try {
        refuseUnlessAllowed(state, request.to);
        const record = await recordTransition({ ...request, itemId: input.itemId, from: state, transitionId: `${workflowInfo().workflowId}/${uuid4()}` });
        state = request.to;
        transitions += 1;
        upsertSearchAttributes([{ key: lifecycleStateKey, value: state }]);
        return record;
      } finally {
        moving = false;
      }
    },
    { validator: (request: TransitionRequest) => refuseUnlessAllowed(state, request.to) },
  );

  if (workflowInfo().continuedFromExecutionRunId === undefined) {
    await recordTransition({ itemId: input.itemId, from: null, to: state, actor: input.registeredBy, transitionId: `${workflowInfo().workflowId}/registered` });
  }
  moving = false;

  await condition(() => isFinal(state) || (workflowInfo().continueAsNewSuggested && !moving));
  await condition(allHandlersFinished);
  if (!isFinal(state)) await continueAsNew<typeof itemLifecycle>({ ...input, state });
  return state;
}

function refuseUnlessAllowed(from: LifecycleState, to: LifecycleState): void {
  if (!canMove(from, to)) {
    throw ApplicationFailure.nonRetryable(
      `an item that is ${from} cannot become ${to}; it can become ${nextStates(from).join(', ') || 'nothing more'}`,
      'TransitionNotAllowed',
    );
  }
}
