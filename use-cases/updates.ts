import {
  ActivityFailure,
  ChildWorkflowFailure,
  WorkflowFailedError,
  WorkflowUpdateFailedError,
  type SignalDefinition,
  type UpdateDefinition,
  type Client,
  type WorkflowHandle,
} from '@temporalio/client';
import { conflict, type AppError } from '../api/errors';

/**
 * Runs a step's Update; a refusal by its validator or handler, or a step no longer running, is the caller's
 * conflict (409) with the step's own words.
 */
export async function updateOrConflict<Ret, Arg>(handle: WorkflowHandle, update: UpdateDefinition<Ret, [Arg]>, arg: Arg): Promise<Ret> {
  try {
    return await handle.executeUpdate(update, { args: [arg] });
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError) throw conflict(innermostMessage(err));
    if ((err as Error).name === 'WorkflowNotFoundError') throw conflict('that step is not running (it finished, or never started)');
    throw err;
  }
}

/** Whether a step's workflow is running now; one never started, or gone from Temporal's retention, is not. */
export async function workflowRunning(temporal: Client, workflowId: string): Promise<boolean> {
  try {
    return (await temporal.workflow.getHandle(workflowId).describe()).status.name === 'RUNNING';
  } catch (err) {
    if ((err as Error).name === 'WorkflowNotFoundError') return false;
    throw err;
  }
}

/** An Update's failure as the person asking should read it: the deepest cause, past "Activity task failed". */
function innermostMessage(err: Error): string {
  let cause: Error = err;
  while (cause.cause instanceof Error) cause = cause.cause;
  return cause.message;
}

/**
 * Why a step's run failed, in the words of what failed in it: past "Workflow execution failed" and "Activity task
 * failed" to the step's own failure, not further into the driver error it may carry as its cause.
 */
export function stepFailureMessage(err: Error): string {
  let failure = err;
  while (
    failure.cause instanceof Error &&
    (failure instanceof WorkflowFailedError || failure instanceof ActivityFailure || failure instanceof ChildWorkflowFailure)
  )
    failure = failure.cause;
  return failure.message;
}

/** Sends a step a Signal; a step that is not running is the caller's error, as `notRunning` words it. */
export async function signalStep<Arg>(
  handle: WorkflowHandle,
  signal: SignalDefinition<[Arg]>,
  arg: Arg,
  notRunning: () => AppError,
): Promise<void> {
  try {
    await handle.signal(signal, arg);
  } catch (err) {
    if ((err as Error).name === 'WorkflowNotFoundError') throw notRunning();
    throw err;
  }
}
