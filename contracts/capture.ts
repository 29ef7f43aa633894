import type { ActivityOptions } from '@temporalio/common';
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { CaptureMode, StagedPage } from '../domain/capture';
import { StepError } from './errors';
import type { ScanView } from './scanning';

export { finishCapture, operatorReady, pagesArrived, scanRequested } from './scanning';

/** Collect (采集) of one business case, shared by its workflow, its activities and the API. */

export const CAPTURE_WORKFLOW = 'captureItem';
export type CaptureWorkflow = (input: CaptureInput) => Promise<{ pages: number }>;
export const captureWorkflowId = (itemId: string) => `capture-${itemId}`;

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

export interface InitialReview {
  actor: string;
  approved: boolean;
  reason?: string;
}

export const initialReview = defineUpdate<void, [InitialReview]>('initialReview');
export const captureQuery = defineQuery<CaptureView>('capture');
/** The pages the run was given, still staged: what a restart of a failed run takes again. */
export const capturedPagesQuery = defineQuery<StagedPage[]>('stagedPages');

export const CaptureError = {
  /** An initial review the capture is not waiting for, or a rejection without a reason. */
  Refused: 'CaptureRefused',
  /** The clerk's initial review (初审) rejected an employer's upload; the item is registered again. */
  InitialReviewRejected: 'InitialReviewRejected',
} as const;

/** Storing a case's pages heartbeats per page; a page that cannot be decoded or a refused move will not heal by retrying. */
export const CAPTURE_ACTIVITIES: ActivityOptions = {
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '1 minute',
  retry: {
    initialInterval: '2 seconds',
    backoffCoefficient: 2,
    maximumInterval: '1 minute',
    maximumAttempts: 10,
    // A staged page gone from the store does not come back by waiting (the store answering at all is another error).
    nonRetryableErrorTypes: [
      StepError.UnreadableImage,
      StepError.TransitionNotAllowed,
      StepError.CatalogueConflict,
      StepError.ObjectNotFound,
    ],
  },
};
