import type { Logger } from 'pino';
import type { InventoryOrder } from '../../domain/inventory';
import type { Db } from '../../prisma/client';
import type { ObjectStore } from '../../store/object-store';
import { createItemChecks } from './check-items';
import { openInventoryRunRecord } from './run';
import { createShelfJudgement } from './shelves';
import { createInventoryTasks } from './tasks';

export { findingCounts, openInventoryRunRecord } from './run';

export interface InventoryDeps {
  db: Db;
  store: ObjectStore;
  log: Logger;
}

/** Periodic inventory (定期盘点): open the run, check the items page by page, judge the shelves, turn findings into tasks. */
export function createInventoryActivities({ db, store, log }: InventoryDeps) {
  return {
    async openInventoryRun({ workflowId, order }: { workflowId: string; order: InventoryOrder }): Promise<string> {
      return openInventoryRunRecord(db, workflowId, order);
    },
    ...createItemChecks({ db, store }),
    ...createShelfJudgement({ db }),
    ...createInventoryTasks({ db, log }),
  };
}
