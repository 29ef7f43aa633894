import type { ActivityOptions } from '@temporalio/common';
import { defineQuery } from '@temporalio/workflow';
import type { FindingKind, InventoryOrder } from '../domain/inventory';
import { StepError } from './errors';

/** The periodic inventory step (定期盘点), shared by its workflow, its activities, the API and the schedules. */

export const INVENTORY_WORKFLOW = 'periodicInventory';
export type InventoryWorkflow = (input: InventoryInput) => Promise<InventoryReport>;
export const inventoryWorkflowId = (fondsCode: string, uniqueId: string) => `inventory-${fondsCode}-${uniqueId}`;

/** How much one execution takes on before it continues as new: pages of items, and how many pages. */
export interface InventoryPacing {
  itemsPerPage: number;
  pagesPerExecution: number;
}

/** A new run from a schedule or a person, or one already open (created by the API, or continued as new). */
export type InventoryInput = InventoryOrder | { runId: string; pacing?: InventoryPacing };

export type InventoryStage = 'checking' | 'judging_shelves' | 'checking_audit_chain' | 'finishing' | 'completed' | 'failed';

export interface InventoryProgress {
  runId: string;
  itemsTotal: number;
  itemsChecked: number;
  objectsChecked: number;
  objectsRehashed: number;
  findingCount: number;
  /** Whether items remain after the cursor. */
  more: boolean;
}

export interface InventoryReport {
  runId: string;
  status: 'running' | 'completed' | 'failed';
  itemsTotal: number;
  itemsChecked: number;
  objectsChecked: number;
  objectsRehashed: number;
  counts: Record<FindingKind, number>;
  tasksCreated: number;
}

export interface InventoryView {
  runId: string;
  stage: InventoryStage;
  itemsTotal: number;
  itemsChecked: number;
  objectsChecked: number;
  findingCount: number;
}

export const inventoryQuery = defineQuery<InventoryView | null>('inventory');

export const InventoryError = {
  /** The run the workflow stands for is not in the catalogue. */
  RunNotFound: 'InventoryRunNotFound',
  /** Another attempt of the check moved the run's cursor first; this one gives way and is retried. */
  CursorMoved: 'InventoryCursorMoved',
  /** Another attempt gave the findings their tasks first; this one is retried. */
  TasksRaced: 'InventoryTasksRaced',
} as const;

const INVENTORY_RETRY = {
  initialInterval: '2 seconds',
  backoffCoefficient: 2,
  maximumInterval: '1 minute',
  maximumAttempts: 20,
  nonRetryableErrorTypes: [StepError.UnknownFonds, InventoryError.RunNotFound],
};

/** Opening the run, judging the shelves and finishing it. */
export const INVENTORY_ACTIVITIES: ActivityOptions = { startToCloseTimeout: '10 minutes', retry: INVENTORY_RETRY };

/**
 * Checking a page of items. Each chunk of 25 items heartbeats (well under a second); a worker that died is noticed
 * within 20 s and the page is taken up again after the last chunk committed.
 */
export const CHECK_ITEMS_ACTIVITY: ActivityOptions = {
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '20 seconds',
  retry: INVENTORY_RETRY,
};
