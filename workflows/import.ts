import { continueAsNew, defineQuery, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { createImportActivities } from '../activities/import';
import { enterStep } from './step';

const { loadImportIndex, importChunk, finishImport } = proxyActivities<ReturnType<typeof createImportActivities>>({
  startToCloseTimeout: '30 minutes',
  // Rows heartbeat every second or so; a worker that died is noticed within 20 s and its chunk is run again.
  heartbeatTimeout: '20 seconds',
  retry: {
    initialInterval: '2 seconds',
    backoffCoefficient: 2,
    maximumInterval: '1 minute',
    maximumAttempts: 20,
    nonRetryableErrorTypes: ['ImportIndexError'],
  },
});

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

// Each chunk adds a handful of events; starting afresh every 100 chunks keeps the history small.
const CHUNKS_PER_RUN = 100;

/**
 * Historical digitisation (历史档案数字化): the index is loaded once, then rows are processed in chunks,
 * each chunk one activity. Progress lives in the catalogue, so a crash resumes at the first unfinished row.
 */
export async function importBatch(input: ImportInput): Promise<ImportProgress> {
  enterStep('import');
  let progress: ImportProgress | null = null;
  setHandler(importProgressQuery, () => progress);
  if (!input.loaded) progress = await loadImportIndex({ batchId: input.batchId });
  for (let chunk = 0; chunk < CHUNKS_PER_RUN; chunk++) {
    progress = await importChunk({ batchId: input.batchId, size: input.chunkSize });
    if (progress.remaining === 0) return finishImport({ batchId: input.batchId });
    if (workflowInfo().continueAsNewSuggested) break;
  }
  return continueAsNew<typeof importBatch>({ ...input, loaded: true });
}
