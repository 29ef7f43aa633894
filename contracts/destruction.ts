import type { ActivityOptions } from '@temporalio/common';
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { ApprovalRequest, DestructionApproval } from '../domain/destruction';
import { StepError } from './errors';

/** The destruction step (销毁), shared by its workflow, its activities and the API. */

export const DESTRUCTION_WORKFLOW = 'destroyRecords';
export type DestructionWorkflow = (input: DestructionInput) => Promise<DestructionView>;
export const destructionWorkflowId = (listId: string) => `destruction-${listId}`;

export interface DestructionInput {
  listId: string;
  proposedBy: string;
  /** How long approvals may wait before the list is escalated; again after each further wait. */
  approvalTimeoutMs: number;
  /** When the destruction is carried out (ISO time), with the witnesses present; at once on approval when absent. */
  scheduledFor?: string;
}

export type DestructionStage = 'awaiting_approval' | 'rejected' | 'scheduled' | 'executing' | 'executed';

export interface DestructionOutcome {
  destroyed: number;
  failed: number;
  removed: number;
}

export interface DestructionView {
  listId: string;
  stage: DestructionStage;
  approvals: DestructionApproval[];
  waitingFor: string[];
  escalations: number;
  outcome: DestructionOutcome | null;
}

/** When holds (冻结) are checked against the list: as it is proposed, once approved, and as it is carried out. */
export type HoldCheckStage = 'proposal' | 'approval' | 'execution';

export type DestructionDecision = ApprovalRequest & { at: string };

export const destructionQuery = defineQuery<DestructionView>('destruction');
export const decideDestruction = defineUpdate<DestructionApproval, [DestructionDecision]>('decideDestruction');

export const DestructionError = {
  /** An approval or rejection the list does not allow from this person; they read the message. */
  ApprovalRefused: 'ApprovalRefused',
  /** Deletion was asked of a list that is not approved. */
  NotApproved: 'DestructionNotApproved',
  /** Some items could not be deleted yet for a passing reason; a retry carries on with them. */
  Unsettled: 'DestructionUnsettled',
} as const;

/** The two documents kept of a destruction, each under an Object Lock legal hold. */
export const DESTRUCTION_DOCUMENTS = ['destruction-list.pdf', 'destruction-certificate.pdf'] as const;
export type DestructionDocumentName = (typeof DESTRUCTION_DOCUMENTS)[number];
export const destructionDocumentKey = (listId: string, name: string) => `destruction/${listId}/${name}`;

/** Holds, approvals, escalations and documents: short work against the catalogue and the store. */
export const DESTRUCTION_ACTIVITIES: ActivityOptions = {
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '2 minutes',
  retry: {
    initialInterval: '2 seconds',
    backoffCoefficient: 2,
    maximumInterval: '1 minute',
    maximumAttempts: 20,
    nonRetryableErrorTypes: [StepError.CjkFontMissing],
  },
};

/**
 * Deleting a long list takes a while; each page of items heartbeats, and a retry carries on with what is still
 * listed, so it is retried until the list is done (an item that keeps failing is reported, not retried for ever).
 */
export const DESTROY_ITEMS_ACTIVITY: ActivityOptions = {
  startToCloseTimeout: '12 hours',
  heartbeatTimeout: '20 seconds',
  retry: {
    initialInterval: '5 seconds',
    backoffCoefficient: 2,
    maximumInterval: '5 minutes',
    maximumAttempts: Number.POSITIVE_INFINITY,
    nonRetryableErrorTypes: [DestructionError.NotApproved],
  },
};
