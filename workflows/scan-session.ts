import { defineQuery, proxyActivities, setHandler } from '@temporalio/workflow';
import type { createCaptureActivities } from '../activities/capture';
import type { StackReport, StagedPage } from '../domain/capture';
import { gatherPages, setWaiting, type ScanView } from './scanning';
import { enterStep } from './step';

const { sortStack } = proxyActivities<ReturnType<typeof createCaptureActivities>>({
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 10 },
});

export interface ScanSessionInput {
  sessionId: string;
  actor: string;
  /** Fonds whose business cases the stack may hold. */
  fondsIds: string[];
}

export interface ScanSessionView extends ScanView {
  sessionId: string;
  stagedPages: number;
  report: StackReport | null;
}

export const scanSessionQuery = defineQuery<ScanSessionView>('scanSession');

/**
 * Scanning afterwards (事后扫描): a stack of several business cases goes through the feeder in one session;
 * each processing slip's barcode starts a new case, and each case's pages go on to that case's capture.
 */
export async function scanSession(input: ScanSessionInput): Promise<StackReport> {
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
  await gatherPages(`session-${input.sessionId}`, view, staged);
  view.report = await sortStack({ pages: staged, actor: input.actor, fondsIds: input.fondsIds });
  setWaiting(view, 'none');
  return view.report;
}
