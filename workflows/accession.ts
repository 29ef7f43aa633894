import { proxyActivities, setHandler } from '@temporalio/workflow';
import type { createActivities } from '../activities';
import { ACCESSION_ACTIVITIES, accessionQuery, type AccessionView, type AccessionWorkflow } from '../contracts/accession';
import { enterStep } from './step';

const { checkReceivedPackage, acceptIntoCustody, notifySender } =
  proxyActivities<ReturnType<typeof createActivities>>(ACCESSION_ACTIVITIES);

/**
 * Receiving a transfer package (接收): every check is run again on the package as it arrived, each failure
 * named with its record and rule; the receipt is kept beside the package; accepted records enter custody.
 */
export const receiveTransferPackage: AccessionWorkflow = async ({ accessionId }) => {
  enterStep('accession');
  const view: AccessionView = { accessionId, stage: 'checking', receipt: null };
  setHandler(accessionQuery, () => view);
  view.receipt = await checkReceivedPackage({ accessionId });
  if (view.receipt.accepted) await acceptIntoCustody({ accessionId });
  view.stage = view.receipt.accepted ? 'accepted' : 'rejected';
  await notifySender({ receipt: view.receipt });
  return view;
};
