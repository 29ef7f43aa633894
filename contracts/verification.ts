import type { ActivityOptions } from '@temporalio/common';
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { Finding, StagedPage, WaitingOn } from '../domain/capture';
import { StepError } from './errors';

/** Verify (质检) of one business case, shared by its workflow, its activities and the API. */

export const VERIFY_WORKFLOW = 'verifyItem';
export type VerifyWorkflow = (input: VerifyInput) => Promise<{ outcome: 'verified' | 'overridden' }>;
export const verifyWorkflowId = (itemId: string) => `verify-${itemId}`;

export interface VerifyInput {
  itemId: string;
  /** Findings of a sampling check that sent a verified item back. */
  sentBack?: { findings: Finding[]; actor: string };
}

export type QualityDecision = { kind: 'rescan'; actor: string; pages: StagedPage[] } | { kind: 'override'; actor: string; reason: string };

export interface SampleReview {
  actor: string;
  outcome: 'pass' | 'send_back';
  findings?: Finding[];
  reason?: string;
}

export interface VerificationView {
  itemId: string;
  waitingOn: WaitingOn;
  findings: Finding[];
  rounds: number;
}

export const decideQuality = defineUpdate<{ accepted: true }, [QualityDecision]>('decideQuality');
export const reviewSample = defineUpdate<{ accepted: true }, [SampleReview]>('reviewSample');
export const verificationQuery = defineQuery<VerificationView>('verification');

export const VerificationError = {
  /** A quality decision or sampling review the item is not waiting for, or one lacking its reason, pages or findings. */
  DecisionRefused: 'DecisionRefused',
} as const;

/** The checks read every current page; a page that cannot be decoded or a refused move will not heal by retrying. */
export const VERIFICATION_ACTIVITIES: ActivityOptions = {
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '1 minute',
  retry: {
    initialInterval: '2 seconds',
    backoffCoefficient: 2,
    maximumInterval: '1 minute',
    maximumAttempts: 10,
    nonRetryableErrorTypes: [StepError.UnreadableImage, StepError.TransitionNotAllowed, StepError.CatalogueConflict],
  },
};
