import type { ActivityOptions } from '@temporalio/common';
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { AppraisalDecisionKind, OutcomeRule } from '../domain/appraisal';
import type { RetentionPeriod } from '../domain/retention';
import { StepError } from './errors';

/** The appraisal step (鉴定), shared by its workflow, its activities, the API and the yearly schedule. */

export const APPRAISAL_WORKFLOW = 'appraiseExpiredRecords';
export type AppraisalWorkflow = (input: AppraisalInput) => Promise<AppraisalSettled>;
export const appraisalWorkflowId = (fondsCode: string, uniqueId: string) => `appraisal-${fondsCode}-${uniqueId}`;

export interface AppraisalInput {
  fondsCode: string;
  rule: OutcomeRule;
  openedBy: string;
  asOf?: string;
  members?: string[];
  /** Set when the batch continues as new: it is already open, with this many decisions outstanding. */
  opened?: AppraisalBatchOpened;
  outstanding?: number;
}

export interface OpenAppraisalInput {
  workflowId: string;
  fondsCode: string;
  /** Retention counted up to this day (YYYY-MM-DD); today when omitted. */
  asOf?: string;
  /** The committee's usernames; the fonds' appraisal members when omitted. */
  members?: string[];
  rule: OutcomeRule;
  openedBy: string;
}

export interface AppraisalBatchOpened {
  batchId: string;
  asOf: string;
  items: number;
  members: string[];
  rule: OutcomeRule;
}

/** Items of a batch one member decides together: listed, or a group by retention period and year. */
export interface AppraisalSelection {
  items?: string[];
  group?: { retentionPeriod?: RetentionPeriod; year?: number };
}

export interface AppraisalDecisionRequest extends AppraisalSelection {
  member: string;
  decision: AppraisalDecisionKind;
  newPeriod?: RetentionPeriod;
  reason: string;
}

export interface AppraisalSettled {
  batchId: string;
  destroy: number;
  keep: number;
  permanent: number;
}

export interface AppraisalView {
  batch: AppraisalBatchOpened | null;
  outstanding: number;
  settled: AppraisalSettled | null;
}

export const appraisalQuery = defineQuery<AppraisalView>('appraisal');
export const recordAppraisal = defineUpdate<{ recorded: number; outstanding: number }, [AppraisalDecisionRequest]>('recordAppraisal');

export const AppraisalError = {
  /** A member's decision the batch does not allow; the member reads the message. */
  DecisionRefused: 'AppraisalDecisionRefused',
  /** The fonds has no user with the appraisal_member role, so no batch can be opened. */
  CommitteeMissing: 'AppraisalCommitteeMissing',
  /** Settling found an item not yet decided by every member. */
  Incomplete: 'AppraisalIncomplete',
} as const;

/** Opening and settling page through the batch and heartbeat; a large fonds' batch takes a while. */
export const APPRAISAL_ACTIVITIES: ActivityOptions = {
  startToCloseTimeout: '2 hours',
  heartbeatTimeout: '2 minutes',
  retry: {
    initialInterval: '2 seconds',
    backoffCoefficient: 2,
    maximumInterval: '1 minute',
    maximumAttempts: 10,
    nonRetryableErrorTypes: [
      AppraisalError.DecisionRefused,
      AppraisalError.CommitteeMissing,
      StepError.UnknownFonds,
      StepError.TransitionNotAllowed,
    ],
  },
};
