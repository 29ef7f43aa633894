import {
  ActivityFailure,
  ApplicationFailure,
  condition,
  continueAsNew,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { createActivities } from '../activities';
import {
  OCR_ACTIVITY,
  OcrError,
  RECOGNISE_PAGE_ACTIVITY,
  RECOGNITION_ACTIVITIES,
  wakeRecognition,
  type PageReading,
  type PageToRecognise,
  type RecognitionOutcome,
  type RecognitionWorkflow,
} from '../contracts/recognition';

const { claimPagesToRecognise, keepPageReadings } = proxyActivities<ReturnType<typeof createActivities>>(RECOGNITION_ACTIVITIES);

// A run keeps its history short: after this many rounds it goes on as a new run.
const ROUNDS_PER_RUN = 100;

/**
 * Recognition (全文识别) of every page waiting, for as long as the archive runs: a round takes a batch of waiting
 * pages (newest first, so a case just captured does not wait behind a back-fill of old ones), gives each to an OCR
 * worker, and keeps what came back in one write. A back-fill of existing pages is the same work: they wait too.
 */
export const recognisePages: RecognitionWorkflow = async () => {
  let woken = false;
  setHandler(wakeRecognition, () => {
    woken = true;
  });
  for (let round = 0; round < ROUNDS_PER_RUN && !workflowInfo().continueAsNewSuggested; round++) {
    const claim = await claimPagesToRecognise();
    if (claim.pages.length === 0) {
      await condition(() => woken, claim.idleMs);
      woken = false;
      continue;
    }
    const ocr = proxyActivities<Record<typeof RECOGNISE_PAGE_ACTIVITY, (p: PageToRecognise) => Promise<PageReading>>>({
      ...OCR_ACTIVITY,
      taskQueue: claim.taskQueue,
    });
    const outcomes = await Promise.all(
      claim.pages.map(async (page): Promise<RecognitionOutcome> => {
        try {
          return { pageId: page.pageId, reading: await ocr[RECOGNISE_PAGE_ACTIVITY](page) };
        } catch (err) {
          const cause = err instanceof ActivityFailure ? err.cause : err;
          if (cause instanceof ApplicationFailure && cause.type === OcrError.UrlExpired) return { pageId: page.pageId, again: true };
          return { pageId: page.pageId, failure: describe(cause) };
        }
      }),
    );
    await keepPageReadings(outcomes);
  }
  await continueAsNew<RecognitionWorkflow>();
};

function describe(failure: unknown): string {
  if (failure instanceof ApplicationFailure) return `${failure.type ?? 'Error'}: ${failure.message}`;
  if (failure instanceof Error) return `${failure.name}: ${failure.message}`;
  return String(failure);
}
