import type { Role } from './roles';

/** Who must approve a destruction list (销毁清册): the agency head, and two witnesses (监销人) from compliance. */
export const REQUIRED_APPROVALS = { agency_head: 1, witness: 2 } as const;
export type ApprovalRole = keyof typeof REQUIRED_APPROVALS;

export interface DestructionApproval {
  role: ApprovalRole;
  username: string;
  displayName: string;
  decision: 'approve' | 'reject';
  comment: string | null;
  at: string;
}

export interface ApprovalRequest {
  username: string;
  displayName: string;
  roles: Role[];
  decision: 'approve' | 'reject';
  comment?: string;
}

const ROLE_FOR: Record<ApprovalRole, Role> = { agency_head: 'agency_head', witness: 'compliance_officer' };

/** The approvals still missing, by role. */
export function approvalsWanted(approvals: DestructionApproval[]): ApprovalRole[] {
  return (Object.keys(REQUIRED_APPROVALS) as ApprovalRole[]).flatMap((role) => {
    const given = approvals.filter((a) => a.role === role && a.decision === 'approve').length;
    return Array.from({ length: Math.max(0, REQUIRED_APPROVALS[role] - given) }, () => role);
  });
}

export const isRejected = (approvals: DestructionApproval[]) => approvals.some((a) => a.decision === 'reject');
export const isApproved = (approvals: DestructionApproval[]) => !isRejected(approvals) && approvalsWanted(approvals).length === 0;

/**
 * The role in which this person may decide on the list, or why they may not: nobody decides on a list they
 * proposed, nobody decides twice (so the two witnesses and the head are three different people), and only an
 * open place counts.
 */
export function approvalRoleFor(
  request: ApprovalRequest,
  approvals: DestructionApproval[],
  proposedBy: string,
): { role: ApprovalRole } | { refusal: string } {
  if (isRejected(approvals)) return { refusal: 'the list has been rejected; propose a new one' };
  if (isApproved(approvals)) return { refusal: 'the list is already approved' };
  if (request.username === proposedBy) return { refusal: `${request.username} proposed this list and cannot also approve it` };
  const earlier = approvals.find((a) => a.username === request.username);
  if (earlier) return { refusal: `${request.username} has already decided on this list (as ${earlier.role})` };
  const open = approvalsWanted(approvals).find((role) => request.roles.includes(ROLE_FOR[role]));
  if (open) return { role: open };
  const wanted = [...new Set(approvalsWanted(approvals))].map((r) =>
    r === 'witness' ? 'a compliance officer as witness' : 'the agency head',
  );
  return { refusal: `the list still needs ${wanted.join(' and ')}; ${request.username} (${request.roles.join(', ')}) is neither` };
}
