import type { ActivityOptions } from '@temporalio/common';
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { Approver, UseForm } from '../domain/consultation';

/** The consultation step (利用), shared by its workflow, its activities and the API. */

export const CONSULTATION_WORKFLOW = 'consultRecords';
export type ConsultationWorkflow = (input: ConsultationInput) => Promise<ConsultationView>;
export const consultationWorkflowId = (consultationId: string) => `consultation-${consultationId}`;

export interface ConsultationInput {
  consultationId: string;
  number: string;
  form: UseForm;
  approver: Approver;
  itemIds: string[];
  /** How long an approval's grants run, and how much its one renewal adds (ms). */
  grantTtlMs: number;
  renewalMs: number;
  /** How long an overdue loan waits after its reminder before the archive manager is told (ms). */
  loanEscalationMs: number;
  /**
   * Self-service on one's own records (自助查询): the requester, whose own rights already let them read every item,
   * approves their own request for an access copy as they file it.
   */
  selfServiceBy?: string;
}

export type ConsultationStage = 'awaiting_approval' | 'deciding' | 'approved' | 'refused' | 'expired' | 'closed';

export interface LoanView {
  itemId: string;
  dueAt: string;
  returned: boolean;
  reminded: boolean;
  escalated: boolean;
}

export interface ConsultationView {
  consultationId: string;
  stage: ConsultationStage;
  expiresAt: string | null;
  renewed: boolean;
  loans: LoanView[];
}

export interface ConsultationDecision {
  decision: 'approve' | 'refuse';
  reason?: string;
  actor: string;
  actorId: string;
  actorRoles: string[];
}
export interface Renewal {
  actor: string;
  actorRoles: string[];
}
export interface Lending {
  itemIds: string[];
  actor: string;
}
export interface PaperReturn {
  itemId: string;
  actor: string;
  condition: string;
}

export const consultationQuery = defineQuery<ConsultationView>('consultation');
export const decideConsultation = defineUpdate<{ stage: ConsultationStage; expiresAt: string | null }, [ConsultationDecision]>(
  'decideConsultation',
);
export const renewConsultation = defineUpdate<{ expiresAt: string }, [Renewal]>('renewConsultation');
export const lendPaper = defineUpdate<{ dueAt: string }, [Lending]>('lendPaper');
export const returnPaper = defineUpdate<{ outstanding: number }, [PaperReturn]>('returnPaper');

export const ConsultationError = {
  /** A decision, renewal, loan or return the request's stage does not allow; the person acting reads the message. */
  Refused: 'ConsultationRefused',
} as const;

/** Each activity is one short transaction of the catalogue, safe to run again. */
export const CONSULTATION_ACTIVITIES: ActivityOptions = {
  startToCloseTimeout: '1 minute',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '1 minute',
    maximumAttempts: 20,
    nonRetryableErrorTypes: [ConsultationError.Refused],
  },
};
