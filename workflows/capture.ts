import {
  ApplicationFailure,
  ParentClosePolicy,
  condition,
  proxyActivities,
  setHandler,
  startChild,
  workflowInfo,
} from '@temporalio/workflow';
import type { createActivities } from '../activities';
import type { StagedPage } from '../domain/capture';
import {
  CAPTURE_ACTIVITIES,
  CaptureError,
  captureQuery,
  capturedPagesQuery,
  initialReview,
  type CaptureView,
  type CaptureWorkflow,
  type InitialReview,
} from '../contracts/capture';
import { VERIFY_WORKFLOW, verifyWorkflowId, type VerifyWorkflow } from '../contracts/verification';
import { gatherPages, setWaiting } from './scanning';
import { enterStep } from './step';

const { storePages, moveItem } = proxyActivities<ReturnType<typeof createActivities>>(CAPTURE_ACTIVITIES);

/**
 * Collect (采集): pages arrive from a device at the window, an upload or an import; employer uploads
 * wait for a clerk's initial review (初审); then the pages are prepared, stored and fixed, the item is
 * captured, and verification begins.
 */
export const captureItem: CaptureWorkflow = async (input) => {
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
  setHandler(capturedPagesQuery, () => [...staged]);
  setHandler(initialReview, (review) => void (view.review = review), {
    validator: (r: InitialReview) => {
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
      throw ApplicationFailure.nonRetryable(
        `initial review rejected the upload: ${view.review!.reason}`,
        CaptureError.InitialReviewRejected,
      );
    }
  }

  const { pageNumbers } = await storePages({ itemId: input.itemId, pages: staged });
  await moveItem({ itemId: input.itemId, to: 'captured', actor: view.review?.actor ?? input.actor });
  setWaiting(view, 'none');
  // The fonds the capture was started in carries over; the child marks its own step.
  await startChild<VerifyWorkflow>(VERIFY_WORKFLOW, {
    workflowId: verifyWorkflowId(input.itemId),
    args: [{ itemId: input.itemId }],
    parentClosePolicy: ParentClosePolicy.ABANDON,
    typedSearchAttributes: workflowInfo().typedSearchAttributes,
  });
  return { pages: pageNumbers.length };
};

function refuseUnless(ok: boolean, message: string): void {
  if (!ok) throw ApplicationFailure.nonRetryable(message, CaptureError.Refused);
}
