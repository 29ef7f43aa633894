import { defineAbilityFor, type Actor } from '../api/access';
import { deny } from '../api/authorise';
import type { ApiContext } from '../api/context';
import { audit } from '../catalogue/audit';
import { PROBLEM_LABELS } from '../domain/audit-chain';
import { verifyChains } from '../integrity/audit-chain';

/** The auditor's check of the 审计链: every chain walked from its start, every checkpoint in the store checked. */
export async function checkAuditChain(ctx: ApiContext, actor: Actor, requestId: string) {
  if (!defineAbilityFor(actor).can('read', 'AuditTrail'))
    await deny(ctx, actor, 'read', 'audit_chain', 'only auditors check the audit chain', requestId);
  const started = performance.now();
  const reports = await verifyChains({ db: ctx.db, store: ctx.store, bucket: ctx.config.s3.buckets.packages });
  const problems = reports.flatMap((r) => r.problems.map((p) => ({ ...p, label: PROBLEM_LABELS[p.problem] })));
  const reply = {
    intact: problems.length === 0,
    checkedAt: new Date().toISOString(),
    seconds: Math.round(performance.now() - started) / 1000,
    chains: reports.map((r) => ({ kind: r.kind, links: r.links, checkpoints: r.checkpoints, problems: r.problems.length })),
    firstBroken: problems[0] ?? null,
    problems,
  };
  await audit(ctx.db, {
    actorId: actor.id,
    actor: actor.username,
    action: 'check_audit_chain',
    subject: 'audit_chain',
    outcome: 'done',
    requestId,
    details: { intact: reply.intact, problems: problems.length },
  });
  return reply;
}
