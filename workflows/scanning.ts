import { ActivityFailure, ApplicationFailure, condition, proxyActivities, setHandler, upsertSearchAttributes } from '@temporalio/workflow';
import type { createDeviceActivities } from '../activities/devices';
import type { DeviceFault, ScanOrder, StagedPage, WaitingOn } from '../domain/capture';
import { waitingOnKey } from '../contracts/search-attributes';
import {
  OPERATOR_FAULTS,
  ScanningError,
  finishCapture,
  operatorReady,
  pagesArrived,
  scanActivities,
  scanRequested,
  type OperatorFaultDetails,
  type ScanView,
} from '../contracts/scanning';

/**
 * Takes pages as they arrive (uploads, or scans ordered from a workstation) until someone says all pages are in;
 * returns with at least one page staged.
 */
export async function gatherPages(stagingId: string, view: ScanView, staged: StagedPage[]): Promise<void> {
  const scans: ScanOrder[] = [];
  let finishing = false;
  let operatorBack = false;
  setHandler(pagesArrived, (pages) => void staged.push(...pages));
  setHandler(scanRequested, (order) => void scans.push(order));
  setHandler(operatorReady, () => void (operatorBack = true));
  setHandler(
    finishCapture,
    (_request) => {
      finishing = true;
      return { pages: staged.length };
    },
    {
      validator: (_request: { actor: string }) => {
        if (!(staged.length > 0 || scans.length > 0 || view.scanning))
          throw ApplicationFailure.nonRetryable('no pages have arrived yet', ScanningError.NothingToFinish);
      },
    },
  );
  const cameBack = () => {
    const back = operatorBack;
    operatorBack = false;
    return back;
  };
  for (;;) {
    await condition(() => scans.length > 0 || (finishing && !view.scanning));
    if (scans.length > 0) await scanUntilDone(stagingId, scans.shift()!, staged, view, cameBack);
    else if (staged.length > 0) return;
    else finishing = false;
  }
}

/**
 * Scans on the workstation until the batch ends, staging pages under `stagingId`. A fault the operator must clear
 * (jam, cover, empty feeder) keeps the pages before it and waits for the operator, then resumes after them;
 * a scan the device refuses is reported and dropped.
 */
export async function scanUntilDone(
  stagingId: string,
  order: ScanOrder,
  staged: StagedPage[],
  view: ScanView,
  operatorCameBack: () => boolean,
): Promise<void> {
  const { scanPages } = proxyActivities<ReturnType<typeof createDeviceActivities>>(scanActivities(order.workstation));
  view.scanning = true;
  let nextIndex = 1;
  try {
    for (;;) {
      try {
        staged.push(...(await scanPages({ itemId: stagingId, order, startIndex: nextIndex })));
        return;
      } catch (err) {
        const fault = operatorFault(err);
        if (!fault) {
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

export function setWaiting(view: { waitingOn: WaitingOn }, waitingOn: WaitingOn): void {
  view.waitingOn = waitingOn;
  upsertSearchAttributes([{ key: waitingOnKey, value: waitingOn }]);
}

function operatorFault(err: unknown): (DeviceFault & OperatorFaultDetails) | undefined {
  if (!(err instanceof ActivityFailure) || !(err.cause instanceof ApplicationFailure)) return undefined;
  const cause = err.cause;
  if (!OPERATOR_FAULTS.includes(cause.type ?? '')) return undefined;
  const { pages, nextIndex } = cause.details?.[0] as OperatorFaultDetails;
  return { name: cause.type!, message: cause.message, pagesDelivered: pages.length, pages, nextIndex };
}

function failureType(err: unknown): string {
  return err instanceof ActivityFailure && err.cause instanceof ApplicationFailure
    ? (err.cause.type ?? ScanningError.ScanFailed)
    : ScanningError.ScanFailed;
}

function failureMessage(err: unknown): string {
  return err instanceof ActivityFailure && err.cause ? err.cause.message : String(err);
}
