import type { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import { audit } from '../catalogue/audit';
import { giveFirstHistoryRow, itemOfRetiredWorkflow } from '../catalogue/lifecycle';
import type { Db } from '../prisma/client';
import { lifecycleStateKey } from '../contracts/search-attributes';

/** Lantai before the catalogue kept item state ran one perpetual workflow of this type per item. */
export const RETIRED_ITEM_WORKFLOW = 'itemLifecycle';

export interface RetirementOutcome {
  retired: number;
  /** Items whose retired workflow last reported another state than the catalogue holds: the catalogue wins. */
  differing: number;
}

/**
 * Upgrade from a Lantai that ran a lifecycle workflow per item: each still open is closed. The catalogue already
 * held every state (that Lantai recorded each move in the catalogue before its workflow took it), so it stays the
 * record; an item without its first history row gets one. Safe to run at every start: with none open it does nothing.
 */
export async function retireItemLifecycleWorkflows({
  temporal,
  db,
  log,
}: {
  temporal: Client;
  db: Db;
  log: Logger;
}): Promise<RetirementOutcome> {
  const outcome: RetirementOutcome = { retired: 0, differing: 0 };
  const query = `WorkflowType = '${RETIRED_ITEM_WORKFLOW}' AND ExecutionStatus = 'Running'`;
  // Closing workflows changes the list being read, so it is read again until a pass finds none open.
  for (let closedThisPass = -1; closedThisPass !== 0;) {
    closedThisPass = 0;
    for await (const workflow of temporal.workflow.list({ query, pageSize: 500 })) {
      const itemId = workflow.workflowId.replace(/^item-/, '');
      const item = await itemOfRetiredWorkflow(db, workflow.workflowId, isUuid(itemId) ? itemId : undefined);
      if (item) {
        const reported = workflow.typedSearchAttributes.get(lifecycleStateKey);
        if (reported && reported !== item.lifecycleState) {
          outcome.differing += 1;
          log.warn(
            { itemId: item.id, workflowState: reported, catalogueState: item.lifecycleState },
            'retired lifecycle workflow differed; the catalogue is kept',
          );
        }
        await giveFirstHistoryRow(db, item, {
          actor: 'upgrade',
          reason: 'state as the catalogue held it at upgrade',
          transitionId: `upgrade/${item.id}`,
        });
      }
      await temporal.workflow
        .getHandle(workflow.workflowId, workflow.runId)
        .terminate('retired at upgrade: item state is kept in the catalogue')
        .catch((err: Error) => {
          if (err.name !== 'WorkflowNotFoundError') throw err;
        });
      closedThisPass += 1;
      outcome.retired += 1;
    }
  }
  if (outcome.retired) {
    await audit(db, { actor: 'lantai', action: 'upgrade.retire_item_workflows', outcome: 'done', details: { ...outcome } });
    log.info(outcome, 'item lifecycle workflows of the older Lantai retired');
  }
  return outcome;
}

function isUuid(value: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value);
}
