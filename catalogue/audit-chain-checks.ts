import type { ChainProblem } from '../domain/audit-chain';
import {
  checkpointsChecked,
  isDone,
  linksChecked,
  linksTotal,
  problemCount,
  type ChainCheckOrder,
  type ChainPlan,
  type ChainTally,
  type CheckPosition,
  type CheckState,
} from '../domain/chain-check';
import type { AuditChainCheck, Db, Prisma } from '../prisma/client';

/** The checks of the 审计链 (audit_chain_check): each one's plan, position and what it found so far. */

const json = (v: unknown) => v as Prisma.InputJsonValue;

/** Opens the check a workflow stands for, once: a retried or continued workflow finds its check by workflow id. */
export async function openChainCheckRecord(db: Db, workflowId: string, order: ChainCheckOrder, state: CheckState): Promise<string> {
  const existing = await db.auditChainCheck.findUnique({ where: { workflowId }, select: { id: true } });
  if (existing) return existing.id;
  const created = await db.auditChainCheck.upsert({
    where: { workflowId },
    update: {},
    create: {
      workflowId,
      trigger: order.trigger,
      requestedBy: order.requestedBy,
      inventoryRunId: order.inventoryRunId,
      plan: json(state.plan),
      position: json(state.position),
      chains: json(state.chains),
      problems: json(state.problems),
      linksTotal: linksTotal(state),
    },
    select: { id: true },
  });
  return created.id;
}

/** Takes back a check opened on demand whose workflow never started. */
export async function withdrawChainCheck(db: Db, id: string): Promise<void> {
  await db.auditChainCheck.deleteMany({ where: { id, step: 0 } });
}

export async function chainCheck(db: Db, id: string): Promise<AuditChainCheck | null> {
  return db.auditChainCheck.findUnique({ where: { id } });
}

export function stateOf(check: AuditChainCheck): CheckState {
  return {
    plan: check.plan as unknown as ChainPlan[],
    position: check.position as unknown as CheckPosition,
    chains: check.chains as unknown as ChainTally[],
    problems: check.problems as unknown as ChainProblem[],
  };
}

/**
 * Writes the state after a page, and completes the check when it is done, in one statement. False, with nothing
 * written, when the check is no longer at `step`: another attempt moved it first.
 */
export async function saveChainCheckPage(db: Db, id: string, step: number, state: CheckState): Promise<boolean> {
  const done = isDone(state);
  const problems = problemCount(state);
  const saved = await db.auditChainCheck.updateMany({
    where: { id, step, status: 'running' },
    data: {
      step: step + 1,
      position: json(state.position),
      chains: json(state.chains),
      problems: json(state.problems),
      linksChecked: linksChecked(state),
      checkpointsChecked: checkpointsChecked(state),
      problemCount: problems,
      ...(done && { status: 'completed', intact: problems === 0, finishedAt: new Date() }),
    },
  });
  return saved.count === 1;
}

export async function failChainCheck(db: Db, id: string, error: string): Promise<void> {
  await db.auditChainCheck.updateMany({ where: { id, status: 'running' }, data: { status: 'failed', error, finishedAt: new Date() } });
}

/** The check completed last, for the quick read of the chain's state. */
export async function lastCompletedChainCheck(db: Db): Promise<AuditChainCheck | null> {
  return db.auditChainCheck.findFirst({ where: { status: 'completed' }, orderBy: { finishedAt: 'desc' } });
}

/** The latest check an auditor started that is still recorded as running. */
export async function runningOnDemandChainCheck(db: Db): Promise<AuditChainCheck | null> {
  return db.auditChainCheck.findFirst({ where: { status: 'running', trigger: 'on_demand' }, orderBy: { startedAt: 'desc' } });
}

/** The check a periodic inventory's run made, if any. */
export async function chainCheckOfInventoryRun(db: Db, inventoryRunId: string): Promise<AuditChainCheck | null> {
  return db.auditChainCheck.findFirst({ where: { inventoryRunId }, orderBy: { startedAt: 'desc' } });
}
