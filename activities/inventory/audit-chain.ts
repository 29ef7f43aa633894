import { chainCheck, stateOf } from '../../catalogue/audit-chain-checks';
import { recordChainFindings, type NewFinding } from '../../catalogue/inventory-runs';
import { PROBLEM_LABELS } from '../../domain/audit-chain';
import type { Db } from '../../prisma/client';

/** The inventory's check of the 审计链 as findings: one per broken chain, naming its first broken entry. */
export function createChainFindings({ db }: { db: Db }) {
  return {
    async recordAuditChainFindings({ runId, checkId }: { runId: string; checkId: string }): Promise<{ findings: number }> {
      const check = await chainCheck(db, checkId);
      if (!check) throw new Error(`audit chain check ${checkId} is not in the catalogue`);
      const { chains, problems } = stateOf(check);
      const findings: NewFinding[] = chains.flatMap((c) => {
        const first = problems.find((p) => p.kind === c.kind);
        if (!c.problems || !first) return [];
        // The same break reads the same in every run, so an open task for it is found again rather than doubled.
        const where = `${first.kind} entry ${first.entryId}${first.seq ? ` (link ${first.seq})` : ''}`;
        return [
          { runId, kind: 'audit_chain_broken', detail: `${where}: ${PROBLEM_LABELS[first.problem]} (${first.problem}) — ${first.detail}` },
        ];
      });
      return { findings: await recordChainFindings(db, runId, findings) };
    },
  };
}
