import type { ActivityOptions } from '@temporalio/common';
import { defineSignal, defineUpdate } from '@temporalio/workflow';
import type { DeviceFault, ScanOrder, StagedPage, WaitingOn } from '../domain/capture';

/**
 * Gathering pages (uploads, or scans ordered from a workstation), shared by the capture of one business case and
 * by a scan session of a whole stack: the messages both take, and the scan on the workstation's own worker.
 */

/** What a scan shows while it runs: whether it is scanning, and a fault the operator must clear. */
export interface ScanView {
  waitingOn: WaitingOn;
  scanning: boolean;
  fault: DeviceFault | null;
}

export const pagesArrived = defineSignal<[StagedPage[]]>('pagesArrived');
export const scanRequested = defineSignal<[ScanOrder]>('scanRequested');
export const operatorReady = defineSignal<[{ actor: string }]>('operatorReady');
export const finishCapture = defineUpdate<{ pages: number }, [{ actor: string }]>('finishCapture');

export const ScanningError = {
  /** Finishing before any page arrived or was ordered. */
  NothingToFinish: 'CaptureRefused',
  /** A scan the device cannot do as ordered (a source, mode or area it lacks). */
  UnsupportedScanRequest: 'UnsupportedScanRequestError',
  /** A failed scan whose failure carries no name of its own. */
  ScanFailed: 'ScanFailed',
} as const;

/** Faults the operator clears at the device; the scan keeps the pages before the fault and waits for them. */
export const OperatorFault = {
  PaperJam: 'PaperJamError',
  FeederEmpty: 'FeederEmptyError',
  CoverOpen: 'CoverOpenError',
  ScanStalled: 'ScanStalledError',
} as const;
export const OPERATOR_FAULTS: readonly string[] = Object.values(OperatorFault);

/** What an operator fault carries: the pages kept before it, and the source index the rescan starts at. */
export interface OperatorFaultDetails {
  pages: StagedPage[];
  nextIndex: number;
}

export interface ScanPagesInput {
  /** The staging folder: the item's id, or `session-<id>` for a stack. */
  itemId: string;
  order: ScanOrder;
  startIndex: number;
}

export const workstationTaskQueue = (workstation: string) => `workstation-${workstation}`;

/**
 * A scan runs on the workstation's own worker; a workstation not polling within five minutes fails the scan.
 * Faults the operator clears and requests the device refuses are not retried: the workflow handles them.
 */
export function scanActivities(workstation: string): ActivityOptions {
  return {
    taskQueue: workstationTaskQueue(workstation),
    startToCloseTimeout: '30 minutes',
    scheduleToStartTimeout: '5 minutes',
    heartbeatTimeout: '30 seconds',
    retry: {
      initialInterval: '1 second',
      backoffCoefficient: 2,
      maximumInterval: '100 seconds',
      maximumAttempts: 5,
      nonRetryableErrorTypes: [...OPERATOR_FAULTS, ScanningError.UnsupportedScanRequest],
    },
  };
}
