import { continueAsNew, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { createImportActivities } from '../activities/import';
import { IMPORT_ACTIVITIES, importProgressQuery, type ImportProgress, type ImportWorkflow } from '../contracts/import';
import { enterStep } from './step';

const { loadImportIndex, importChunk, finishImport } = proxyActivities<ReturnType<typeof createImportActivities>>(IMPORT_ACTIVITIES);

// Each chunk adds a handful of events; starting afresh every 100 chunks keeps the history small.
const CHUNKS_PER_RUN = 100;

/**
 * Historical digitisation (历史档案数字化): the index is loaded once, then rows are processed in chunks,
 * each chunk one activity. Progress lives in the catalogue, so a crash resumes at the first unfinished row.
 */
export const importBatch: ImportWorkflow = async (input) => {
  enterStep('import');
  let progress: ImportProgress | null = null;
  setHandler(importProgressQuery, () => progress);
  if (!input.loaded) progress = await loadImportIndex({ batchId: input.batchId });
  for (let chunk = 0; chunk < CHUNKS_PER_RUN; chunk++) {
    progress = await importChunk({ batchId: input.batchId, size: input.chunkSize });
    if (progress.remaining === 0) return finishImport({ batchId: input.batchId });
    if (workflowInfo().continueAsNewSuggested) break;
  }
  return continueAsNew<ImportWorkflow>({ ...input, loaded: true });
};
