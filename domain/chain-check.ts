import { GENESIS, type ChainKind, type ChainProblem } from './audit-chain';

/**
 * A check of the 审计链 as data: what it covers (its plan), where it stands (its position), what it counted and
 * found. Kept in the catalogue between pages by the workflows, in memory by the command line.
 */

/** Who wants a check: an auditor, or a periodic inventory's run. */
export interface ChainCheckOrder {
  trigger: 'on_demand' | 'inventory';
  requestedBy: string;
  inventoryRunId?: string;
}

/** Problems listed per chain; all are counted. */
export const MAX_PROBLEMS_LISTED = 100;

export interface ChainPlan {
  kind: ChainKind;
  /** The chain's last link when the check opened; links sealed later are the next check's. */
  upToSeq: string;
  /** Entries at or below it that no link holds were slipped in. */
  watermark: string;
  /** Links up to `upToSeq`: the check's total for this chain. */
  links: number;
  /** Below the lowest entry id: where the `outside` stage starts. */
  belowLowestId: string;
}

export type CheckStage = 'links' | 'outside' | 'checkpoints' | 'recorded';

export interface CheckPosition {
  /** Index into the plan: which chain is being checked; the plan's length once the check is done. */
  chain: number;
  stage: CheckStage;
  /** `links`: the last link checked, its digest and its entry's time. */
  seq: string;
  previous: string;
  previousAt: string | null;
  /** `outside`: the entry id up to which entries were looked at. */
  outsideAfter: string;
  /** `checkpoints`: where the store's listing resumes, and the oldest version seen so far of the key it is in. */
  listing?: { keyMarker: string; versionIdMarker?: string };
  pending?: { key: string; versionId: string; lastModified: string | null };
  /** The last checkpoint key the store listed and was checked; recorded ones up to it were matched. */
  matchedUpTo: string;
  /** `recorded`: the last recorded checkpoint key looked at. */
  recordedAfter: string;
}

export interface ChainTally {
  kind: ChainKind;
  links: number;
  checkpoints: number;
  problems: number;
}

export interface CheckState {
  plan: ChainPlan[];
  position: CheckPosition;
  chains: ChainTally[];
  /** Up to MAX_PROBLEMS_LISTED per chain, in the order found. */
  problems: ChainProblem[];
}

export const isDone = (state: CheckState) => state.position.chain >= state.plan.length;
export const linksTotal = (state: CheckState) => state.plan.reduce((n, p) => n + p.links, 0);
export const linksChecked = (state: CheckState) => state.chains.reduce((n, c) => n + c.links, 0);
export const checkpointsChecked = (state: CheckState) => state.chains.reduce((n, c) => n + c.checkpoints, 0);
export const problemCount = (state: CheckState) => state.chains.reduce((n, c) => n + c.problems, 0);

export function startOf(plan: ChainPlan | undefined): CheckPosition {
  return {
    chain: 0,
    stage: 'links',
    seq: '0',
    previous: GENESIS,
    previousAt: null,
    outsideAfter: plan?.belowLowestId ?? '0',
    matchedUpTo: '',
    recordedAfter: '',
  };
}
