import { ApplicationFailure, condition, defineQuery, defineUpdate, proxyActivities, setHandler } from '@temporalio/workflow';
import type { createActivities } from '../activities';
import type { TransferReceipt, TransferStage } from '../domain/transfer';
import { enterStep } from './step';

const { reserveRecords, buildTransferPackage, checkTransferPackage, settleTransfer, releaseRecords } = proxyActivities<
  ReturnType<typeof createActivities>
>({
  startToCloseTimeout: '2 hours',
  heartbeatTimeout: '2 minutes',
  retry: {
    initialInterval: '2 seconds',
    backoffCoefficient: 2,
    maximumInterval: '1 minute',
    maximumAttempts: 10,
    nonRetryableErrorTypes: ['NothingToTransfer', 'PackageLayoutError', 'PageFixityError', 'TransitionNotAllowed'],
  },
});

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
export const recordReceipt = defineUpdate<{ recorded: true }, [TransferReceipt]>('recordReceipt');

/**
 * Transfer to the city archive (移交): the chosen records are reserved, written as a package, checked for the
 * four properties before anything is sent (a failing package is refused), then the receiver's receipt settles custody.
 */
export async function transferToCityArchive(input: TransferInput): Promise<TransferView> {
  enterStep('transfer');
  const view: TransferView = { transferId: input.transferId, packageId: input.packageId, stage: 'selecting', records: 0, failures: [] };
  let receipt: TransferReceipt | undefined;
  setHandler(transferQuery, () => view);
  setHandler(
    recordReceipt,
    (r) => {
      receipt = r;
      return { recorded: true as const };
    },
    {
      validator: (r: TransferReceipt) => {
        if (view.stage !== 'sent')
          throw ApplicationFailure.nonRetryable(`the transfer is ${view.stage}, not waiting for a receipt`, 'ReceiptRefused');
        if (r.packageId !== input.packageId)
          throw ApplicationFailure.nonRetryable(`the receipt is for package ${r.packageId}, not ${input.packageId}`, 'ReceiptRefused');
      },
    },
  );

  try {
    ({ records: view.records } = await reserveRecords({ transferId: input.transferId }));
    view.stage = 'building';
    await buildTransferPackage({ transferId: input.transferId });
    view.stage = 'checking';
    const report = await checkTransferPackage({ transferId: input.transferId });
    if (!report.passed) {
      view.stage = 'refused';
      view.failures = report.failures;
      throw ApplicationFailure.nonRetryable(
        `the package failed ${report.failures.length} checks and was not sent: ${report.failures
          .slice(0, 3)
          .map((f) => f.message)
          .join('; ')}`,
        'TransferRefused',
      );
    }
  } catch (err) {
    await releaseRecords({ transferId: input.transferId });
    throw err;
  }
  view.stage = 'sent';
  await condition(() => receipt !== undefined);
  await settleTransfer({ transferId: input.transferId, receipt: receipt!, actor: receipt!.receivedBy });
  view.stage = receipt!.accepted ? 'accepted' : 'rejected';
  view.failures = receipt!.failures;
  return view;
}
