import type { ActivityOptions } from '@temporalio/common';
import { defineQuery } from '@temporalio/workflow';
import type { StackReport } from '../domain/capture';
import type { ScanView } from './scanning';

export { finishCapture, operatorReady, pagesArrived, scanRequested } from './scanning';

/** Scanning afterwards (事后扫描): one session of a stack of cases, shared by its workflow, its activities and the API. */

export const SCAN_SESSION_WORKFLOW = 'scanSession';
export type ScanSessionWorkflow = (input: ScanSessionInput) => Promise<StackReport>;
export const scanSessionWorkflowId = (sessionId: string) => `scan-session-${sessionId}`;
/** Where a session's pages are staged before the stack is sorted into its cases. */
export const sessionStagingId = (sessionId: string) => `session-${sessionId}`;

export interface ScanSessionInput {
  sessionId: string;
  actor: string;
  /** Fonds whose business cases the stack may hold. */
  fondsIds: string[];
}

export interface ScanSessionView extends ScanView {
  sessionId: string;
  stagedPages: number;
  report: StackReport | null;
}

export const scanSessionQuery = defineQuery<ScanSessionView>('scanSession');

/**
 * Sorting is retried on any failure: a retry hands a case the same staged pages again, and capture stores each
 * staged object once.
 */
export const SCAN_SESSION_ACTIVITIES: ActivityOptions = {
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '1 minute',
  retry: {
    initialInterval: '2 seconds',
    backoffCoefficient: 2,
    maximumInterval: '1 minute',
    maximumAttempts: 10,
    nonRetryableErrorTypes: [],
  },
};
