import { defineQuery, proxyActivities, setHandler } from '@temporalio/workflow';
import type { createActivities } from '../activities';
import type { TransferReceipt } from '../domain/transfer';
import { enterStep } from './step';

const { checkReceivedPackage, acceptIntoCustody, notifySender } = proxyActivities<ReturnType<typeof createActivities>>({
  startToCloseTimeout: '2 hours',
  heartbeatTimeout: '2 minutes',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 10 },
});

export interface AccessionView {
  accessionId: string;
  stage: 'checking' | 'accepted' | 'rejected';
  receipt: TransferReceipt | null;
}

export const accessionQuery = defineQuery<AccessionView>('accession');

/**
 * Receiving a transfer package (接收): every check is run again on the package as it arrived, each failure
 * named with its record and rule; the receipt is kept beside the package; accepted records enter custody.
 */
export async function receiveTransferPackage({ accessionId }: { accessionId: string }): Promise<AccessionView> {
  enterStep('accession');
  const view: AccessionView = { accessionId, stage: 'checking', receipt: null };
  setHandler(accessionQuery, () => view);
  view.receipt = await checkReceivedPackage({ accessionId });
  if (view.receipt.accepted) await acceptIntoCustody({ accessionId });
  view.stage = view.receipt.accepted ? 'accepted' : 'rejected';
  await notifySender({ receipt: view.receipt });
  return view;
}
