import type { Workflow, WorkflowStartOptions } from '@temporalio/client';
import type { ApiContext } from '../api/context';

/**
 * Starting its workflow is the commit point of a step. The rows written for the step before its start stay only
 * if the start took; when it fails and Temporal holds no such workflow, or cannot be asked, `withdraw` takes them
 * back (claimed boxes freed, listed items unlisted), so nothing is left that no workflow will ever carry on. A
 * start that did reach Temporal unseen finds no rows: its first activity fails and the workflow ends, changing
 * nothing.
 */
export async function startOrWithdraw<W extends Workflow>(
  ctx: ApiContext,
  workflowType: string,
  options: WorkflowStartOptions<W>,
  withdraw: () => Promise<unknown>,
): Promise<void> {
  try {
    await ctx.temporal.workflow.start<W>(workflowType, options);
  } catch (err) {
    if (await started(ctx, options.workflowId)) return;
    await withdraw().catch((undone: Error) =>
      ctx.log.error(
        { err: undone, workflowId: options.workflowId },
        'the rows of a step whose workflow did not start could not be withdrawn',
      ),
    );
    throw err;
  }
}

async function started(ctx: ApiContext, workflowId: string): Promise<boolean> {
  return ctx.temporal.workflow
    .getHandle(workflowId)
    .describe()
    .then(
      () => true,
      () => false,
    );
}
