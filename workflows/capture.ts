import {
  ApplicationFailure,
  ParentClosePolicy,
  ActivityFailure,
  condition,
  defineQuery,
  defineSignal,
  defineUpdate,
  proxyActivities,
  setHandler,
  startChild,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { createCaptureActivities } from '../activities/capture';
import type { OperatorFaultDetails, createDeviceActivities } from '../activities/devices';
import type { CaptureMode, DeviceFault, ScanOrder, StagedPage, WaitingOn } from '../domain/capture';
import { waitingOnKey } from './search-attributes';
import { verifyItem } from './verify';

const { storePages, moveItem } = proxyActivities<ReturnType<typeof createCaptureActivities>>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 10, nonRetryableErrorTypes: ['UnreadableImageError', 'TransitionNotAllowed', 'CatalogueConflict'] },
});

export interface CaptureInput {
  itemId: string;
  mode: CaptureMode;
  actor: string;
}

export interface CaptureView {
  itemId: string;
  mode: CaptureMode;
  waitingOn: WaitingOn;
  stagedPages: number;
  scanning: boolean;
  fault: DeviceFault | null;
  review: { approved: boolean; actor: string; reason?: string } | null;
}

export const pagesArrived = defineSignal<[StagedPage[]]>('pagesArrived');
export const scanRequested = defineSignal<[ScanOrder]>('scanRequested');
export const operatorReady = defineSignal<[{ actor: string }]>('operatorReady');
export const finishCapture = defineUpdate<{ pages: number }, [{ actor: string }]>('finishCapture');
export const initialReview = defineUpdate<void, [{ actor: string; approved: boolean; reason?: string }]>('initialReview');
export const captureQuery = defineQuery<CaptureView>('capture');

/**
 * Collect (采集): pages arrive from a device at the window, an upload or an import; employer uploads
 * wait for a clerk's initial review (初审); then the pages are prepared, stored and fixed, the item is
 * captured, and verification begins.
 */
export async function captureItem(input: CaptureInput): Promise<{ pages: number }> {
  const staged: StagedPage[] = [];
  const scans: ScanOrder[] = [];
  const view: CaptureView = { itemId: input.itemId, mode: input.mode, waitingOn: 'capture', stagedPages: 0, scanning: false, fault: null, review: null };
  let finishing = false;
  let operatorBack = false;

  setHandler(captureQuery, () => ({ ...view, stagedPages: staged.length }));
  setHandler(pagesArrived, (pages) => void staged.push(...pages));
  setHandler(scanRequested, (order) => void scans.push(order));
  setHandler(operatorReady, () => void (operatorBack = true));
  setHandler(
    finishCapture,
    (_request) => {
      finishing = true;
      return { pages: staged.length };
    },
    { validator: (_request: { actor: string }) => refuseUnless(staged.length > 0 || scans.length > 0 || view.scanning, 'no pages have arrived for this item yet') },
  );
  setHandler(
    initialReview,
    (review) => void (view.review = review),
    { validator: (r: { approved: boolean; reason?: string }) => {
      refuseUnless(view.waitingOn === 'initial_review', 'this item is not waiting for an initial review');
      refuseUnless(r.approved || Boolean(r.reason?.trim()), 'a rejection needs a reason');
    } },
  );

  for (;;) {
    await condition(() => scans.length > 0 || (finishing && !view.scanning));
    if (scans.length > 0) {
      await scanUntilDone(input.itemId, scans.shift()!, staged, view, () => {
        const back = operatorBack;
        operatorBack = false;
        return back;
      });
    } else if (staged.length > 0) {
      break;
    } else {
      finishing = false;
    }
  }

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
  await startChild(verifyItem, { workflowId: `verify-${input.itemId}`, args: [{ itemId: input.itemId }], parentClosePolicy: ParentClosePolicy.ABANDON });
  return { pages: pageNumbers.length };
}

/** Scans on the workstation until the batch ends; a fault the operator must clear waits for them, then resumes. */
async function scanUntilDone(itemId: string, order: ScanOrder, staged: StagedPage[], view: CaptureView, operatorCameBack: () => boolean): Promise<void> {
  const { scanPages } = proxyActivities<ReturnType<typeof createDeviceActivities>>({
    taskQueue: `workstation-${order.workstation}`,
    startToCloseTimeout: '30 minutes',
    scheduleToStartTimeout: '5 minutes',
    heartbeatTimeout: '30 seconds',
    retry: { initialInterval: '1 second', maximumAttempts: 5, nonRetryableErrorTypes: ['PaperJamError', 'FeederEmptyError', 'CoverOpenError', 'ScanStalledError', 'UnsupportedScanRequestError'] },
  });
  view.scanning = true;
  let nextIndex = 1;
  try {
    for (;;) {
      try {
        const pages = await scanPages({ itemId, order, startIndex: nextIndex });
        staged.push(...pages);
        return;
      } catch (err) {
        const fault = operatorFault(err);
        if (!fault) {
          // A scan the device refused is reported and dropped; the clerk may order another.
          view.fault = { name: failureType(err), message: failureMessage(err), pagesDelivered: nextIndex - 1 };
          return;
        }
        nextIndex = fault.nextIndex;
        staged.push(...fault.pages);
        view.fault = { name: fault.name, message: fault.message, pagesDelivered: nextIndex - 1 };
        setWaiting(view, 'operator');
        await condition(operatorCameBack);
        view.fault = null;
        setWaiting(view, 'capture');
      }
    }
  } finally {
    view.scanning = false;
  }
}

const OPERATOR_FAULTS = ['PaperJamError', 'FeederEmptyError', 'CoverOpenError', 'ScanStalledError'];

function operatorFault(err: unknown): (DeviceFault & OperatorFaultDetails) | undefined {
  if (!(err instanceof ActivityFailure) || !(err.cause instanceof ApplicationFailure)) return undefined;
  const cause = err.cause;
  if (!OPERATOR_FAULTS.includes(cause.type ?? '')) return undefined;
  const { pages, nextIndex } = cause.details?.[0] as OperatorFaultDetails;
  return { name: cause.type!, message: cause.message, pagesDelivered: pages.length, pages, nextIndex };
}

function failureType(err: unknown): string {
  return err instanceof ActivityFailure && err.cause instanceof ApplicationFailure ? (err.cause.type ?? 'ScanFailed') : 'ScanFailed';
}

function failureMessage(err: unknown): string {
  return err instanceof ActivityFailure && err.cause ? err.cause.message : String(err);
}

function setWaiting(view: CaptureView, waitingOn: WaitingOn): void {
  view.waitingOn = waitingOn;
  upsertSearchAttributes([{ key: waitingOnKey, value: waitingOn }]);
}

function refuseUnless(ok: boolean, message: string): void {
  if (!ok) throw ApplicationFailure.nonRetryable(message, 'CaptureRefused');
}
