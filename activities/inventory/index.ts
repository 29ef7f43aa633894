import type { Logger } from 'pino';
import type { InventoryOrder } from '../../domain/inventory';
import type { Config } from '../../config';
import type { Db } from '../../prisma/client';
import type { ObjectStore } from '../../store/object-store';
import { createItemChecks } from './check-items';
import { ApplicationFailure } from '@temporalio/activity';
import { openInventoryRunRecord } from '../../catalogue/inventory-runs';
import { StepError } from '../../contracts/errors';
import { createChainFindings } from './audit-chain';
import { createShelfJudgement } from './shelves';
import { createInventoryTasks } from './tasks';

export interface InventoryDeps {
  db: Db;
  store: ObjectStore;
  log: Logger;
  config: Pick<Config, 'permanentLockYears'>;
}

/**
 * Periodic inventory (定期盘点): open the run, check the items page by page, judge the shelves, record what the check of
 * the 审计链 found, turn findings into tasks.
 */
export function createInventoryActivities({ db, store, log, config }: InventoryDeps) {
  return {
    async openInventoryRun({ workflowId, order }: { workflowId: string; order: InventoryOrder }): Promise<string> {
      const runId = await openInventoryRunRecord(db, workflowId, order);
      if (!runId) throw ApplicationFailure.nonRetryable(`no fonds has code ${order.fonds}`, StepError.UnknownFonds);
      return runId;
    },
    ...createItemChecks({ db, store, permanentLockYears: config.permanentLockYears }),
    ...createShelfJudgement({ db }),
    ...createChainFindings({ db }),
    ...createInventoryTasks({ db, log }),
  };
}
