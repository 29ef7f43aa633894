import { proxyActivities, setHandler } from '@temporalio/workflow';
import type { createStackSortingActivities } from '../activities/stack-sorting';
import type { StagedPage } from '../domain/capture';
import {
  SCAN_SESSION_ACTIVITIES,
  scanSessionQuery,
  sessionStagingId,
  type ScanSessionView,
  type ScanSessionWorkflow,
} from '../contracts/scan-session';
import { gatherPages, setWaiting } from './scanning';
import { enterStep } from './step';

const { sortStack } = proxyActivities<ReturnType<typeof createStackSortingActivities>>(SCAN_SESSION_ACTIVITIES);

/**
 * Scanning afterwards (事后扫描): a stack of several business cases goes through the feeder in one session;
 * each processing slip's barcode starts a new case, and each case's pages go on to that case's capture.
 */
export const scanSession: ScanSessionWorkflow = async (input) => {
  enterStep('scan_session');
  const staged: StagedPage[] = [];
  const view: ScanSessionView = {
    sessionId: input.sessionId,
    waitingOn: 'capture',
    scanning: false,
    fault: null,
    stagedPages: 0,
    report: null,
  };
  setHandler(scanSessionQuery, () => ({ ...view, stagedPages: staged.length }));
  await gatherPages(sessionStagingId(input.sessionId), view, staged);
  view.report = await sortStack({ pages: staged, actor: input.actor, fondsIds: input.fondsIds });
  setWaiting(view, 'none');
  return view.report;
};
