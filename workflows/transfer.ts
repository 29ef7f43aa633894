import { ApplicationFailure, condition, proxyActivities, setHandler } from '@temporalio/workflow';
import type { createActivities } from '../activities';
import {
  TRANSFER_ACTIVITIES,
  TransferError,
  recordReceipt,
  transferQuery,
  type TransferView,
  type TransferWorkflow,
} from '../contracts/transfer';
import type { TransferReceipt } from '../domain/transfer';
import { enterStep } from './step';

const { reserveRecords, buildTransferPackage, checkTransferPackage, settleTransfer, releaseRecords } =
  proxyActivities<ReturnType<typeof createActivities>>(TRANSFER_ACTIVITIES);

/**
 * Transfer to the city archive (移交): the chosen records are reserved, written as a package, checked for the
 * four properties before anything is sent (a failing package is refused), then the receiver's receipt settles custody.
 */
export const transferToCityArchive: TransferWorkflow = async (input) => {
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
          throw ApplicationFailure.nonRetryable(`the transfer is ${view.stage}, not waiting for a receipt`, TransferError.ReceiptRefused);
        if (r.packageId !== input.packageId)
          throw ApplicationFailure.nonRetryable(
            `the receipt is for package ${r.packageId}, not ${input.packageId}`,
            TransferError.ReceiptRefused,
          );
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
        TransferError.Refused,
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
};
