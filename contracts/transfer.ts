import type { ActivityOptions } from '@temporalio/common';
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { TransferReceipt, TransferStage } from '../domain/transfer';
import { StepError } from './errors';

/** Transfer to the city archive (移交进馆), shared by its workflow, its activities and the API. */

export const TRANSFER_WORKFLOW = 'transferToCityArchive';
export type TransferWorkflow = (input: TransferInput) => Promise<TransferView>;
export const transferWorkflowId = (transferId: string) => `transfer-${transferId}`;

export interface TransferInput {
  transferId: string;
  packageId: string;
}

export interface TransferView {
  transferId: string;
  packageId: string;
  stage: TransferStage;
  records: number;
  failures: { rule: string; archivalCode?: string; message: string }[];
}

export const transferQuery = defineQuery<TransferView>('transfer');
/** The receiver's receipt, handed to the sending transfer by the accession that checked the package. */
export const recordReceipt = defineUpdate<{ recorded: true }, [TransferReceipt]>('recordReceipt');

export const TransferError = {
  /** No record in the archive room matches the selection. */
  NothingToTransfer: 'NothingToTransfer',
  /** The records cannot be laid out as a package (an archival code that cannot name a directory, a duplicate). */
  PackageLayout: 'PackageLayoutError',
  /** A page image no longer matches the digest the catalogue holds for it. */
  PageFixity: 'PageFixityError',
  /** The package failed its checks before sending and was not sent. */
  Refused: 'TransferRefused',
  /** A receipt the transfer's stage or package does not allow. */
  ReceiptRefused: 'ReceiptRefused',
} as const;

/** Building and checking a package heartbeat per record, so a long package stays well within the heartbeat timeout. */
export const TRANSFER_ACTIVITIES: ActivityOptions = {
  startToCloseTimeout: '2 hours',
  heartbeatTimeout: '2 minutes',
  retry: {
    initialInterval: '2 seconds',
    backoffCoefficient: 2,
    maximumInterval: '1 minute',
    maximumAttempts: 10,
    nonRetryableErrorTypes: [
      TransferError.NothingToTransfer,
      TransferError.PackageLayout,
      TransferError.PageFixity,
      StepError.TransitionNotAllowed,
    ],
  },
};
