import { proxyActivities } from '@temporalio/workflow';
import type { createActivities } from '../activities';
import { SEAL_CHAIN_ACTIVITY, type SealChainWorkflow } from '../contracts/audit-chain';

const { sealAuditChains } = proxyActivities<ReturnType<typeof createActivities>>(SEAL_CHAIN_ACTIVITY);

/** One round of 审计链 sealing: every entry not linked yet, then a signed checkpoint when one is due. */
export const sealAuditChain: SealChainWorkflow = () => sealAuditChains();
