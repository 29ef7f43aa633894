import { randomUUID } from 'node:crypto';
import type { Actor } from '../api/access';
import type { ApiContext } from '../api/context';
import { conflict, notFound } from '../api/errors';
import { audit } from '../catalogue/audit';
import {
  chainCheck,
  lastCompletedChainCheck,
  openChainCheckRecord,
  runningOnDemandChainCheck,
  stateOf,
  withdrawChainCheck,
} from '../catalogue/audit-chain-checks';
import { CHAIN_CHECK_WORKFLOW, chainCheckQuery, chainCheckWorkflowId, type ChainCheckWorkflow } from '../contracts/audit-chain';
import { PROBLEM_LABELS } from '../domain/audit-chain';
import { planChainCheck } from '../integrity/chain-check';
import type { AuditChainCheck } from '../prisma/client';
import { startOrWithdraw } from './commit-point';
import { workflowRunning } from './updates';

/** The auditor's checks of the 审计链: started as a workflow, followed while it runs, the last result read at once. */

/** Opens a check of both chains up to their heads now and starts its workflow; one on-demand check at a time. */
export async function startChainCheck(ctx: ApiContext, actor: Actor, requestId: string) {
  const running = await runningOnDemandChainCheck(ctx.db);
  if (running && (await workflowRunning(ctx.temporal, running.workflowId)))
    throw conflict(`audit chain check ${running.id} is still running`, { checkId: running.id });
  const workflowId = chainCheckWorkflowId(randomUUID());
  const checkId = await openChainCheckRecord(
    ctx.db,
    workflowId,
    { trigger: 'on_demand', requestedBy: actor.username },
    await planChainCheck(ctx.db),
  );
  await startOrWithdraw<ChainCheckWorkflow>(
    ctx,
    CHAIN_CHECK_WORKFLOW,
    { workflowId, taskQueue: ctx.config.temporal.taskQueue, args: [{ checkId }] },
    () => withdrawChainCheck(ctx.db, checkId),
  );
  await audit(ctx.db, {
    actorId: actor.id,
    actor: actor.username,
    action: 'audit_chain.check',
    subject: `audit_chain_check:${checkId}`,
    outcome: 'done',
    requestId,
  });
  return chainCheckView(ctx, checkId);
}

/** A check: its progress (links checked of the total, checkpoints, problems so far) and what it found. */
export async function chainCheckView(ctx: ApiContext, id: string) {
  const check = await chainCheck(ctx.db, id);
  if (!check) throw notFound(`audit chain check ${id}`);
  const live =
    check.status === 'running'
      ? await ctx.temporal.workflow
          .getHandle(check.workflowId)
          .query(chainCheckQuery)
          .catch(() => null)
      : null;
  return {
    id: check.id,
    workflowId: check.workflowId,
    trigger: check.trigger as 'on_demand' | 'inventory',
    requestedBy: check.requestedBy,
    inventoryRunId: check.inventoryRunId,
    status: check.status,
    stage: live?.stage ?? null,
    checking: live?.kind ?? null,
    error: check.error,
    progress: {
      linksTotal: check.linksTotal,
      linksChecked: check.linksChecked,
      checkpointsChecked: check.checkpointsChecked,
      problemCount: check.problemCount,
    },
    ...findingsOf(check),
    startedAt: check.startedAt.toISOString(),
    finishedAt: check.finishedAt?.toISOString() ?? null,
  };
}

function findingsOf(check: AuditChainCheck) {
  const { chains, problems } = stateOf(check);
  const labelled = problems.map((p) => ({ ...p, label: PROBLEM_LABELS[p.problem] }));
  return {
    intact: check.intact,
    chains: chains.map((c) => ({ kind: c.kind, links: c.links, checkpoints: c.checkpoints, problems: c.problems })),
    firstBroken: labelled[0] ?? null,
    problems: labelled,
  };
}

/** What the last completed check found, without walking the chains again. */
export async function lastChainCheckReport(ctx: ApiContext) {
  const check = await lastCompletedChainCheck(ctx.db);
  if (!check) throw notFound('a completed check of the audit chain (POST /audit/chain/checks starts one)');
  const { intact, ...found } = findingsOf(check);
  return {
    checkId: check.id,
    trigger: check.trigger as 'on_demand' | 'inventory',
    intact: intact ?? false,
    checkedAt: check.finishedAt!.toISOString(),
    startedAt: check.startedAt.toISOString(),
    seconds: (check.finishedAt!.getTime() - check.startedAt.getTime()) / 1000,
    ...found,
  };
}
