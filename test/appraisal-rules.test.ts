import { keptUntil, outcomeOf, type MemberDecision } from '../domain/appraisal';
import { approvalRoleFor, approvalsWanted, isApproved, type DestructionApproval } from '../domain/destruction';

const votes = (...decisions: (MemberDecision['decision'] | [MemberDecision['decision'], string])[]): MemberDecision[] =>
  decisions.map((d, i) =>
    Array.isArray(d)
      ? { member: `m${i}`, decision: d[0], newPeriod: d[1] as MemberDecision['newPeriod'] }
      : { member: `m${i}`, decision: d },
  );

describe('appraisal outcome', () => {
  it('waits until every member has decided', () => {
    expect(outcomeOf(votes('destroy', 'destroy'), 3, 'majority')).toBeUndefined();
  });

  it('destroys by majority, but by unanimity only when all agree', () => {
    expect(outcomeOf(votes('destroy', 'destroy', ['keep', 'D10']), 3, 'majority')).toEqual({ outcome: 'destroy' });
    expect(outcomeOf(votes('destroy', 'destroy', ['keep', 'D10']), 3, 'unanimous')).toEqual({ outcome: 'keep', newPeriod: 'D10' });
    expect(outcomeOf(votes('destroy', 'destroy', 'destroy'), 3, 'unanimous')).toEqual({ outcome: 'destroy' });
  });

  it('keeps for the longest period proposed, and falls to the most conservative decision when nothing carries', () => {
    expect(outcomeOf(votes(['keep', 'D10'], ['keep', 'D30'], 'destroy'), 3, 'majority')).toEqual({ outcome: 'keep', newPeriod: 'D30' });
    expect(outcomeOf(votes('destroy', ['keep', 'D10'], 'permanent'), 3, 'majority')).toEqual({ outcome: 'permanent' });
    expect(outcomeOf(votes('destroy', 'destroy', 'permanent', 'permanent'), 4, 'majority')).toEqual({ outcome: 'permanent' });
    expect(outcomeOf(votes('permanent', 'permanent', ['keep', 'D10']), 3, 'unanimous')).toEqual({ outcome: 'permanent' });
  });
});

describe('keeping', () => {
  it('brings a kept item back after its new period, counted from 1 January of the appraisal year', () => {
    expect(keptUntil('2026-01-02', 'D30')).toBe('2056-01-01');
    expect(keptUntil('2026-12-31', 'D5')).toBe('2031-01-01');
    expect(keptUntil('2026-01-02', 'Y')).toBeNull();
  });
});

describe('destruction approvals', () => {
  const approval = (username: string, role: DestructionApproval['role']): DestructionApproval => ({
    username,
    role,
    displayName: username,
    decision: 'approve',
    comment: null,
    at: '2026-11-21T00:00:00Z',
  });
  const ask = (
    username: string,
    roles: ('agency_head' | 'compliance_officer' | 'archive_manager')[],
    approvals: DestructionApproval[] = [],
  ) => approvalRoleFor({ username, displayName: username, roles, decision: 'approve' }, approvals, 'proposer');

  const refusalOf = (answer: ReturnType<typeof ask>) => ('refusal' in answer ? answer.refusal : `accepted as ${answer.role}`);

  it('takes the head and two witnesses, each a different person, and never the proposer', () => {
    expect(refusalOf(ask('proposer', ['compliance_officer']))).toContain('proposed this list');
    expect(ask('w1', ['compliance_officer'])).toEqual({ role: 'witness' });
    const one = [approval('w1', 'witness')];
    expect(refusalOf(ask('w1', ['compliance_officer'], one))).toContain('already decided');
    expect(refusalOf(ask('mgr', ['archive_manager'], one))).toContain('neither');
    const two = [...one, approval('w2', 'witness')];
    expect(refusalOf(ask('w3', ['compliance_officer'], two))).toContain('the agency head');
    expect(approvalsWanted(two)).toEqual(['agency_head']);
    const all = [...two, approval('head', 'agency_head')];
    expect(isApproved(all)).toBe(true);
    expect(ask('head2', ['agency_head'], all)).toEqual({ refusal: 'the list is already approved' });
  });
});
