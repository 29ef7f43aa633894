import type { ActivityOptions } from '@temporalio/common';
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { HandOverDecision, HandOverStage, Resubmission } from '../domain/hand-over';
import { StepError } from './errors';

/** The hand-over step (移交), shared by its workflow, its activities and the API. */

export const HAND_OVER_WORKFLOW = 'handOverToArchiveRoom';
export type HandOverWorkflow = (input: HandOverInput) => Promise<HandOverView>;
export const handOverWorkflowId = (handOverId: string) => `hand-over-${handOverId}`;

export interface HandOverInput {
  handOverId: string;
  boxIds: string[];
}

export interface HandOverView {
  handOverId: string;
  stage: HandOverStage;
  /** What the last count found wrong; an acceptance waits until it is empty. */
  discrepancies: string[];
  rounds: number;
  shelfBarcodes: string[];
}

export const handOverQuery = defineQuery<HandOverView>('handOver');
export const decideHandOver = defineUpdate<{ shelfBarcodes: string[] } | { returned: true }, [HandOverDecision]>('decideHandOver');
export const resubmitHandOver = defineUpdate<{ resubmitted: true }, [Resubmission]>('resubmitHandOver');

export const HandOverError = {
  /** A decision or resubmission the list's stage does not allow; the archive manager reads the message. */
  Refused: 'HandOverRefused',
  /** A shelf place already holds another box. */
  PlacementConflict: 'PlacementConflict',
} as const;

export const shelfLabelsKey = (handOverId: string) => `hand-overs/${handOverId}/shelf-labels.pdf`;

/** Counting, placing and custody page through the list's boxes, so a long list heartbeats well within the timeout. */
export const HAND_OVER_ACTIVITIES: ActivityOptions = {
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '2 minutes',
  retry: {
    initialInterval: '2 seconds',
    backoffCoefficient: 2,
    maximumInterval: '1 minute',
    maximumAttempts: 10,
    nonRetryableErrorTypes: [HandOverError.PlacementConflict, StepError.TransitionNotAllowed, StepError.CjkFontMissing],
  },
};
