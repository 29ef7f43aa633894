import type { ActivityOptions } from '@temporalio/common';
import { defineQuery } from '@temporalio/workflow';
import { StepError } from './errors';

/** Historical digitisation (历史档案数字化) of one batch, shared by its workflow, its activities and the API. */

export const IMPORT_WORKFLOW = 'importBatch';
export type ImportWorkflow = (input: ImportInput) => Promise<ImportProgress>;
export const importWorkflowId = (batchId: string) => `import-${batchId}`;

export interface ImportInput {
  batchId: string;
  chunkSize: number;
  loaded?: boolean;
}

export interface ImportProgress {
  total: number;
  done: number;
  failed: number;
  remaining: number;
}

export const importProgressQuery = defineQuery<ImportProgress | null>('importProgress');

export const ImportError = {
  /** The batch's index file cannot be read or parsed: the whole batch fails. */
  IndexUnreadable: 'ImportIndexError',
  /** A row's page image is missing or lies outside the batch folder: that row fails, the batch goes on. */
  RowRefused: 'RowError',
  /** The catalogue refused a row's index data (named by `catalogue/registration.ts`): that row fails. */
  RegistrationRefused: 'RegistrationError',
} as const;

/** Failures that fail one row and let the batch go on; any other failure retries the chunk. */
export const ROW_FAILURES: readonly string[] = [ImportError.RowRefused, ImportError.RegistrationRefused, StepError.UnreadableImage];

/** Rows heartbeat every second or so; a worker that died is noticed within 20 s and its chunk is run again. */
export const IMPORT_ACTIVITIES: ActivityOptions = {
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '20 seconds',
  retry: {
    initialInterval: '2 seconds',
    backoffCoefficient: 2,
    maximumInterval: '1 minute',
    maximumAttempts: 20,
    nonRetryableErrorTypes: [ImportError.IndexUnreadable],
  },
};
