import { CancellationScope, continueAsNew, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { createActivities } from '../activities';
import {
  CHAIN_CHECK_ACTIVITIES,
  CHAIN_CHECK_PAGE_ACTIVITY,
  SEAL_CHAIN_ACTIVITY,
  chainCheckQuery,
  type ChainCheckPacing,
  type ChainCheckProgress,
  type ChainCheckWorkflow,
  type SealChainWorkflow,
} from '../contracts/audit-chain';

type Activities = ReturnType<typeof createActivities>;
const { sealAuditChains } = proxyActivities<Activities>(SEAL_CHAIN_ACTIVITY);
const { openAuditChainCheck, failAuditChainCheck } = proxyActivities<Activities>(CHAIN_CHECK_ACTIVITIES);
const { checkAuditChainPage } = proxyActivities<Activities>(CHAIN_CHECK_PAGE_ACTIVITY);

/** One round of 审计链 sealing: every entry not linked yet, then a signed checkpoint when one is due. */
export const sealAuditChain: SealChainWorkflow = () => sealAuditChains();

// A page is up to 200,000 links (40 pieces of 5,000, or a minute); a few events each, so 100 pages before starting afresh.
const PACING: ChainCheckPacing = { batch: 5000, piecesPerPage: 40, pagesPerExecution: 100 };

/**
 * A check of the 审计链: both chains walked page by page from where the catalogue says the check stands, each
 * checkpoint in the store checked, until the check is done; its progress is readable by a query.
 */
export const checkAuditChain: ChainCheckWorkflow = async (input) => {
  const checkId =
    'checkId' in input ? input.checkId : await openAuditChainCheck({ workflowId: workflowInfo().workflowId, order: input.order });
  const pacing = input.pacing ?? PACING;
  let progress: ChainCheckProgress | null = null;
  setHandler(chainCheckQuery, () => progress);
  try {
    for (let page = 0; page < pacing.pagesPerExecution; page++) {
      progress = await checkAuditChainPage({ checkId, pacing });
      if (progress.done) return { checkId, intact: progress.problemCount === 0, problemCount: progress.problemCount };
      if (workflowInfo().continueAsNewSuggested) break;
    }
  } catch (err) {
    // Recorded even when cancelled, so the catalogue never shows a check as running that is not.
    await CancellationScope.nonCancellable(() =>
      failAuditChainCheck({ checkId, error: err instanceof Error ? messageOf(err) : String(err) }),
    );
    throw err;
  }
  return continueAsNew<typeof checkAuditChain>({ checkId, pacing });
};

function messageOf(err: Error): string {
  return (err.cause instanceof Error ? err.cause.message : undefined) ?? err.message;
}
