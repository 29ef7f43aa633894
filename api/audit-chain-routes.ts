import { z } from 'zod';
import { chainCheckView, lastChainCheckReport, startChainCheck } from '../use-cases/audit-chain';
import { defineAbilityFor, type Actor } from './access';
import { deny } from './authorise';
import type { ApiContext } from './context';
import { route, type Route } from './route';
import { AuditChainCheckView, AuditChainReport } from './views/audit-chain';

const requestId = (req: { id: unknown }) => String(req.id);

/** 审计链: an auditor starts a check, follows it, and reads the last result. */
export function auditChainRoutes(ctx: ApiContext): Route[] {
  /** Only auditors, who read the audit trail, check its chain; a refusal is audited like every denial. */
  const requireAuditor = async (req: { id: unknown }, actor: Actor, subject: string) => {
    if (!defineAbilityFor(actor).can('read', 'AuditTrail'))
      await deny(ctx, actor, 'read', subject, 'only auditors check the audit chain', requestId(req));
  };
  return [
    route({
      method: 'get',
      path: '/audit/chain',
      tag: 'audit',
      auth: true,
      summary: 'What the last completed check of the audit chain (审计链) found, read without walking the chains again',
      errors: [404],
      response: { status: 200, description: 'The last completed check', schema: AuditChainReport },
      async handle({ req, actor }) {
        await requireAuditor(req, actor, 'audit_chain');
        return lastChainCheckReport(ctx);
      },
    }),
    route({
      method: 'post',
      path: '/audit/chain/checks',
      tag: 'audit',
      auth: true,
      summary:
        'Check the audit chain (审计链) now, as a workflow: entries edited, deleted, slipped in or back-dated, links rewritten, checkpoints broken',
      errors: [409],
      response: { status: 202, description: 'Check started; its progress', schema: AuditChainCheckView },
      async handle({ req, res, actor }) {
        await requireAuditor(req, actor, 'audit_chain');
        const view = await startChainCheck(ctx, actor, requestId(req));
        res.status(202).json(view);
        return view;
      },
    }),
    route({
      method: 'get',
      path: '/audit/chain/checks/:id',
      tag: 'audit',
      auth: true,
      summary: 'A check of the audit chain: links checked of the total, checkpoints checked, problems so far, the first broken entry',
      params: z.object({ id: z.uuid() }),
      errors: [404],
      response: { status: 200, description: 'The check', schema: AuditChainCheckView },
      async handle({ req, actor, params }) {
        await requireAuditor(req, actor, `audit_chain_check:${params.id}`);
        return chainCheckView(ctx, params.id);
      },
    }),
  ];
}
