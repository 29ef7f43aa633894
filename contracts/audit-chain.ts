import type { ActivityOptions } from '@temporalio/common';
import { defineQuery } from '@temporalio/workflow';
import type { ChainKind } from '../domain/audit-chain';
import type { ChainCheckOrder, CheckStage } from '../domain/chain-check';

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

/** 审计链 checks: an auditor's (POST /audit/chain/checks) or a periodic inventory's, page after page. */
export const CHAIN_CHECK_WORKFLOW = 'checkAuditChain';
export const chainCheckWorkflowId = (uniqueId: string) => `audit-chain-check-${uniqueId}`;

/** How much one execution takes on: links per piece, pieces per page (one activity), pages before continuing as new. */
export interface ChainCheckPacing {
  batch: number;
  piecesPerPage: number;
  pagesPerExecution: number;
}

/** A check already open (opened by the API, or continued as new), or a new one for an inventory's run. */
export type ChainCheckInput = { checkId: string; pacing?: ChainCheckPacing } | { order: ChainCheckOrder; pacing?: ChainCheckPacing };

export interface ChainCheckProgress {
  checkId: string;
  /** The chain being checked and the stage it is in; null once done. */
  kind: ChainKind | null;
  stage: CheckStage | null;
  linksTotal: number;
  linksChecked: number;
  checkpointsChecked: number;
  problemCount: number;
  done: boolean;
}

export interface ChainCheckResult {
  checkId: string;
  intact: boolean;
  problemCount: number;
}

export type ChainCheckWorkflow = (input: ChainCheckInput) => Promise<ChainCheckResult>;

export const chainCheckQuery = defineQuery<ChainCheckProgress | null>('auditChainCheck');

export const ChainCheckError = {
  /** The check the workflow stands for is not in the catalogue. */
  CheckNotFound: 'AuditChainCheckNotFound',
  /** Another attempt of the page moved the check on first; this one gives way and is retried. */
  CheckMoved: 'AuditChainCheckMoved',
} as const;

const CHAIN_CHECK_RETRY = {
  initialInterval: '2 seconds',
  backoffCoefficient: 2,
  maximumInterval: '1 minute',
  maximumAttempts: 20,
  nonRetryableErrorTypes: [ChainCheckError.CheckNotFound],
};

/** Opening and failing a check. */
export const CHAIN_CHECK_ACTIVITIES: ActivityOptions = { startToCloseTimeout: '5 minutes', retry: CHAIN_CHECK_RETRY };

/**
 * A page of the check: it heartbeats after each piece (a batch of 5,000 links takes well under a few seconds), so a
 * worker that died is noticed within 30 s and the page is taken again from the position last saved.
 */
export const CHAIN_CHECK_PAGE_ACTIVITY: ActivityOptions = {
  startToCloseTimeout: '15 minutes',
  heartbeatTimeout: '30 seconds',
  retry: CHAIN_CHECK_RETRY,
};
