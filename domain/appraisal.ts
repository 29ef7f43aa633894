import { retentionYears, type RetentionPeriod } from './retention';

/** 鉴定: what a committee member decides for an item whose retention ran out. */
export const APPRAISAL_DECISIONS = ['destroy', 'keep', 'permanent'] as const;
export type AppraisalDecisionKind = (typeof APPRAISAL_DECISIONS)[number];

export const OUTCOME_RULES = ['unanimous', 'majority'] as const;
export type OutcomeRule = (typeof OUTCOME_RULES)[number];

export interface MemberDecision {
  member: string;
  decision: AppraisalDecisionKind;
  /** For `keep`: the new period, counted on from the appraisal. */
  newPeriod?: RetentionPeriod | null;
}

export interface AppraisalOutcome {
  outcome: AppraisalDecisionKind;
  newPeriod?: RetentionPeriod;
}

/**
 * The committee's outcome for one item once every member has decided. A decision carries when the rule is met
 * (every member, or more than half). When none carries, the most conservative decision anyone made wins:
 * nothing is destroyed unless the rule says so, and a disagreement resolves towards keeping.
 */
export function outcomeOf(decisions: MemberDecision[], memberCount: number, rule: OutcomeRule): AppraisalOutcome | undefined {
  if (new Set(decisions.map((d) => d.member)).size < memberCount) return undefined;
  const votes = (kind: AppraisalDecisionKind) => decisions.filter((d) => d.decision === kind).length;
  const carries = (kind: AppraisalDecisionKind) => (rule === 'unanimous' ? votes(kind) === memberCount : votes(kind) * 2 > memberCount);
  if (carries('destroy')) return { outcome: 'destroy' };
  if (carries('permanent')) return { outcome: 'permanent' };
  if (carries('keep') || votes('permanent') === 0) return { outcome: 'keep', newPeriod: longestKept(decisions) };
  return { outcome: 'permanent' };
}

function longestKept(decisions: MemberDecision[]): RetentionPeriod {
  const periods = decisions.flatMap((d) => (d.decision === 'keep' && d.newPeriod ? [d.newPeriod] : []));
  // Only destroy votes without a majority: keep for the shortest fixed period, to come back to the committee.
  if (periods.length === 0) return 'D5';
  return periods.reduce((a, b) => ((retentionYears(b) ?? 0) > (retentionYears(a) ?? 0) ? b : a));
}

/** A kept item comes up again after its new period, counted from 1 January of the appraisal's year. */
export function keptUntil(asOf: string, period: RetentionPeriod): string | null {
  const years = retentionYears(period);
  return years === null ? null : `${Number(asOf.slice(0, 4)) + years}-01-01`;
}
