import type { ActivityOptions } from '@temporalio/common';
import { defineQuery } from '@temporalio/workflow';
import type { TransferReceipt } from '../domain/transfer';

/** Receiving a transfer package (接收), shared by its workflow, its activities and the API. */

export const ACCESSION_WORKFLOW = 'receiveTransferPackage';
export type AccessionWorkflow = (input: AccessionInput) => Promise<AccessionView>;
export const accessionWorkflowId = (accessionId: string) => `accession-${accessionId}`;

export interface AccessionInput {
  accessionId: string;
}

export interface AccessionView {
  accessionId: string;
  stage: 'checking' | 'accepted' | 'rejected';
  receipt: TransferReceipt | null;
}

export const accessionQuery = defineQuery<AccessionView>('accession');

/** Checking heartbeats per record. A package that fails its checks is a rejection in the receipt, not a failure, so every failure retries. */
export const ACCESSION_ACTIVITIES: ActivityOptions = {
  startToCloseTimeout: '2 hours',
  heartbeatTimeout: '2 minutes',
  retry: {
    initialInterval: '2 seconds',
    backoffCoefficient: 2,
    maximumInterval: '1 minute',
    maximumAttempts: 10,
    nonRetryableErrorTypes: [],
  },
};
