import { ApplicationFailure, Context } from '@temporalio/activity';
import type { Logger } from 'pino';
import type { Config } from '../config';
import { chainCheck, failChainCheck, openChainCheckRecord, saveChainCheckPage, stateOf } from '../catalogue/audit-chain-checks';
import { audit } from '../catalogue/audit';
import { ChainCheckError, type ChainCheckPacing, type ChainCheckProgress, type ChainCheckResult } from '../contracts/audit-chain';
import {
  checkpointsChecked,
  isDone,
  linksChecked,
  linksTotal,
  problemCount,
  type ChainCheckOrder,
  type CheckState,
} from '../domain/chain-check';
import { checkChainPage, planChainCheck } from '../integrity/chain-check';
import type { Db } from '../prisma/client';
import type { ObjectStore } from '../store/object-store';

// A page ends after a minute at most, whatever its pieces: the heartbeat carries on, the history stays small.
const PAGE_MS = 60_000;

/** 审计链 checks as a step: open one, check it page by page (each page saved with the position it reached), fail one. */
export function createChainCheckActivities({ db, log, store, config }: { db: Db; log: Logger; store: ObjectStore; config: Config }) {
  const deps = { db, store, bucket: config.s3.buckets.packages };

  async function found(checkId: string) {
    const check = await chainCheck(db, checkId);
    if (!check)
      throw ApplicationFailure.nonRetryable(`audit chain check ${checkId} is not in the catalogue`, ChainCheckError.CheckNotFound);
    return check;
  }

  return {
    async openAuditChainCheck({ workflowId, order }: { workflowId: string; order: ChainCheckOrder }): Promise<string> {
      return openChainCheckRecord(db, workflowId, order, await planChainCheck(db));
    },

    /**
     * Checks the next page from the position the catalogue holds, heartbeating after each piece, and saves the
     * position reached; the last page completes the check and writes its outcome to the audit trail.
     */
    async checkAuditChainPage({ checkId, pacing }: { checkId: string; pacing: ChainCheckPacing }): Promise<ChainCheckProgress> {
      const check = await found(checkId);
      if (check.status !== 'running') return progressOf(checkId, stateOf(check));
      const state = await checkChainPage(deps, stateOf(check), { batch: pacing.batch, pieces: pacing.piecesPerPage, maxMs: PAGE_MS }, (s) =>
        Context.current().heartbeat({ chain: s.position.chain, stage: s.position.stage, linksChecked: linksChecked(s) }),
      );
      if (!(await saveChainCheckPage(db, checkId, check.step, state)))
        throw ApplicationFailure.retryable(`audit chain check ${checkId} moved on under this attempt`, ChainCheckError.CheckMoved);
      if (isDone(state)) {
        const problems = problemCount(state);
        await audit(db, {
          actor: check.requestedBy,
          action: 'audit_chain.checked',
          subject: `audit_chain_check:${checkId}`,
          outcome: 'done',
          details: { intact: problems === 0, links: linksChecked(state), checkpoints: checkpointsChecked(state), problems },
        });
        log[problems === 0 ? 'info' : 'error']({ checkId, problems }, 'audit chain checked');
      }
      return progressOf(checkId, state);
    },

    async failAuditChainCheck({ checkId, error }: { checkId: string; error: string }): Promise<ChainCheckResult> {
      await failChainCheck(db, checkId, error);
      const check = await found(checkId);
      return { checkId, intact: false, problemCount: check.problemCount };
    },
  };
}

function progressOf(checkId: string, state: CheckState): ChainCheckProgress {
  const done = isDone(state);
  return {
    checkId,
    kind: done ? null : state.plan[state.position.chain]!.kind,
    stage: done ? null : state.position.stage,
    linksTotal: linksTotal(state),
    linksChecked: linksChecked(state),
    checkpointsChecked: checkpointsChecked(state),
    problemCount: problemCount(state),
    done,
  };
}
