import {
  ApplicationFailure,
  ParentClosePolicy,
  condition,
  defineQuery,
  defineUpdate,
  proxyActivities,
  setHandler,
  startChild,
  workflowInfo,
} from '@temporalio/workflow';
import type { createActivities } from '../activities';
import type { CaptureMode, StagedPage } from '../domain/capture';
import { gatherPages, setWaiting, type ScanView } from './scanning';

export { finishCapture, operatorReady, pagesArrived, scanRequested } from './scanning';
import { verifyItem } from './verify';
import { enterStep } from './step';

const { storePages, moveItem } = proxyActivities<ReturnType<typeof createActivities>>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '1 minute',
  retry: {
    initialInterval: '2 seconds',
    backoffCoefficient: 2,
    maximumInterval: '1 minute',
    maximumAttempts: 10,
    nonRetryableErrorTypes: ['UnreadableImageError', 'TransitionNotAllowed', 'CatalogueConflict'],
  },
});

export interface CaptureInput {
  itemId: string;
  mode: CaptureMode;
  actor: string;
}

export interface CaptureView extends ScanView {
  itemId: string;
  mode: CaptureMode;
  stagedPages: number;
  review: { approved: boolean; actor: string; reason?: string } | null;
}

export const initialReview = defineUpdate<void, [{ actor: string; approved: boolean; reason?: string }]>('initialReview');
export const captureQuery = defineQuery<CaptureView>('capture');

/**
 * Collect (采集): pages arrive from a device at the window, an upload or an import; employer uploads
 * wait for a clerk's initial review (初审); then the pages are prepared, stored and fixed, the item is
 * captured, and verification begins.
 */
export async function captureItem(input: CaptureInput): Promise<{ pages: number }> {
  enterStep('capture');
  const staged: StagedPage[] = [];
  const view: CaptureView = {
    itemId: input.itemId,
    mode: input.mode,
    waitingOn: 'capture',
    stagedPages: 0,
    scanning: false,
    fault: null,
    review: null,
  };
  setHandler(captureQuery, () => ({ ...view, stagedPages: staged.length }));
  setHandler(initialReview, (review) => void (view.review = review), {
    validator: (r: { approved: boolean; reason?: string }) => {
      refuseUnless(view.waitingOn === 'initial_review', 'this item is not waiting for an initial review');
      refuseUnless(r.approved || Boolean(r.reason?.trim()), 'a rejection needs a reason');
    },
  });

  await gatherPages(input.itemId, view, staged);

  if (input.mode === 'employer_upload') {
    await moveItem({ itemId: input.itemId, to: 'pending_initial_review', actor: input.actor });
    setWaiting(view, 'initial_review');
    await condition(() => view.review !== null);
    if (!view.review!.approved) {
      await moveItem({ itemId: input.itemId, to: 'registered', actor: view.review!.actor, reason: view.review!.reason });
      setWaiting(view, 'none');
      throw ApplicationFailure.nonRetryable(`initial review rejected the upload: ${view.review!.reason}`, 'InitialReviewRejected');
    }
  }

  const { pageNumbers } = await storePages({ itemId: input.itemId, pages: staged });
  await moveItem({ itemId: input.itemId, to: 'captured', actor: view.review?.actor ?? input.actor });
  setWaiting(view, 'none');
  // The fonds the capture was started in carries over; the child marks its own step.
  await startChild(verifyItem, {
    workflowId: `verify-${input.itemId}`,
    args: [{ itemId: input.itemId }],
    parentClosePolicy: ParentClosePolicy.ABANDON,
    typedSearchAttributes: workflowInfo().typedSearchAttributes,
  });
  return { pages: pageNumbers.length };
}

function refuseUnless(ok: boolean, message: string): void {
  if (!ok) throw ApplicationFailure.nonRetryable(message, 'CaptureRefused');
}
