import { CancellationScope, continueAsNew, executeChild, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { createInventoryActivities } from '../activities/inventory';
import {
  CHECK_ITEMS_ACTIVITY,
  INVENTORY_ACTIVITIES,
  inventoryQuery,
  type InventoryPacing,
  type InventoryView,
  type InventoryWorkflow,
} from '../contracts/inventory';
import { checkAuditChain } from './audit-chain';
import { enterStep } from './step';

type Activities = ReturnType<typeof createInventoryActivities>;

const { openInventoryRun, judgeShelves, recordAuditChainFindings, finishInventoryRun } = proxyActivities<Activities>(INVENTORY_ACTIVITIES);
const { checkInventoryItems } = proxyActivities<Activities>(CHECK_ITEMS_ACTIVITY);

// Each page of 200 items adds a few events; starting afresh every 50 pages keeps the history small.
const PACING: InventoryPacing = { itemsPerPage: 200, pagesPerExecution: 50 };

/**
 * Periodic inventory (定期盘点): every item of the fonds in custody is checked, page after page (its stored objects
 * exist, have their size and, when due, their digests; its metadata is complete), the shelf scans are judged against
 * the catalogue, the 审计链 is checked whole, and each finding becomes a task for the archivists.
 */
export const periodicInventory: InventoryWorkflow = async (input) => {
  enterStep('inventory', 'fonds' in input ? input.fonds : undefined);
  const runId = 'runId' in input ? input.runId : await openInventoryRun({ workflowId: workflowInfo().workflowId, order: input });
  const pacing = ('pacing' in input && input.pacing) || PACING;
  let view: InventoryView | null = null;
  setHandler(inventoryQuery, () => view);
  try {
    for (let page = 0; page < pacing.pagesPerExecution; page++) {
      const progress = await checkInventoryItems({ runId, itemsPerPage: pacing.itemsPerPage });
      view = { stage: 'checking', ...progress };
      if (!progress.more) {
        view.stage = 'judging_shelves';
        view.findingCount += (await judgeShelves({ runId })).findings;
        view.stage = 'checking_audit_chain';
        const chain = await executeChild(checkAuditChain, {
          workflowId: `${workflowInfo().workflowId}-audit-chain`,
          args: [{ order: { trigger: 'inventory', requestedBy: `inventory_run:${runId}`, inventoryRunId: runId } }],
        });
        view.findingCount += (await recordAuditChainFindings({ runId, checkId: chain.checkId })).findings;
        view.stage = 'finishing';
        const report = await finishInventoryRun({ runId });
        view.stage = 'completed';
        return report;
      }
      if (workflowInfo().continueAsNewSuggested) break;
    }
  } catch (err) {
    if (view) view.stage = 'failed';
    // Recorded even when the run was cancelled, so the catalogue never shows a run as running that is not.
    await CancellationScope.nonCancellable(() => finishInventoryRun({ runId, error: err instanceof Error ? messageOf(err) : String(err) }));
    throw err;
  }
  return continueAsNew<typeof periodicInventory>({ runId, pacing });
};

function messageOf(err: Error): string {
  return (err.cause instanceof Error ? err.cause.message : undefined) ?? err.message;
}
