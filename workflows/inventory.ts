import { CancellationScope, continueAsNew, defineQuery, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { createInventoryActivities, InventoryReport } from '../activities/inventory';
import type { InventoryOrder } from '../domain/inventory';
import { enterStep } from './step';

type Activities = ReturnType<typeof createInventoryActivities>;

const retry = {
  initialInterval: '2 seconds',
  backoffCoefficient: 2,
  maximumInterval: '1 minute',
  maximumAttempts: 20,
  nonRetryableErrorTypes: ['UnknownFonds', 'InventoryRunNotFound'],
};

const { openInventoryRun, judgeShelves, finishInventoryRun } = proxyActivities<Activities>({ startToCloseTimeout: '10 minutes', retry });

const { checkInventoryItems } = proxyActivities<Activities>({
  startToCloseTimeout: '30 minutes',
  // Each chunk of 25 items heartbeats (well under a second); a worker that died is noticed within 20 s and the
  // page is taken up again after the last chunk committed.
  heartbeatTimeout: '20 seconds',
  retry,
});

/** How much one execution takes on before it continues as new: pages of items, and how many pages. */
export interface InventoryPacing {
  itemsPerPage: number;
  pagesPerExecution: number;
}

// Each page of 200 items adds a few events; starting afresh every 50 pages keeps the history small.
const PACING: InventoryPacing = { itemsPerPage: 200, pagesPerExecution: 50 };

/** A new run from a schedule or a person, or one already open (created by the API, or continued as new). */
export type InventoryInput = InventoryOrder | { runId: string; pacing?: InventoryPacing };

export type InventoryStage = 'checking' | 'judging_shelves' | 'finishing' | 'completed' | 'failed';

export interface InventoryView {
  runId: string;
  stage: InventoryStage;
  itemsTotal: number;
  itemsChecked: number;
  objectsChecked: number;
  findingCount: number;
}

export const inventoryQuery = defineQuery<InventoryView | null>('inventory');

/**
 * Periodic inventory (定期盘点): every item of the fonds in custody is checked, page after page (its stored objects
 * exist, have their size and, when due, their digests; its metadata is complete), the shelf scans are judged against
 * the catalogue, and each finding becomes a task for the archivists.
 */
export async function periodicInventory(input: InventoryInput): Promise<InventoryReport> {
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
}

function messageOf(err: Error): string {
  return (err.cause instanceof Error ? err.cause.message : undefined) ?? err.message;
}
