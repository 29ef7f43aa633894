import type { ActivityOptions } from '@temporalio/common';

/** 审计链 sealing, shared by its workflow, its activity and the worker's schedule. */
export const SEAL_CHAIN_WORKFLOW = 'sealAuditChain';
export type SealChainWorkflow = () => Promise<{ linked: Record<string, number>; checkpoints: number }>;
export const SEAL_CHAIN_SCHEDULE_ID = 'audit-chain';
/** Every minute: an entry is linked within a minute or two of being written. */
export const SEAL_CHAIN_CRON = '* * * * *';

export const SEAL_CHAIN_ACTIVITY: ActivityOptions = {
  startToCloseTimeout: '30 minutes',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 5 },
};
