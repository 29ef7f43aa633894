export const ROLES = [
  'clerk',
  'archivist',
  'archive_manager',
  'appraisal_member',
  'compliance_officer',
  'agency_head',
  'auditor',
  'insured_person',
  'employer',
  'administrator',
] as const;
export type Role = (typeof ROLES)[number];

/**
 * Roles that decide (approve, hold and lift, destroy) or administer: a user holding one signs in with a second
 * factor (TOTP) before those abilities are theirs.
 */
export const SECOND_FACTOR_ROLES: readonly Role[] = ['agency_head', 'compliance_officer', 'archive_manager', 'administrator'];

/**
 * Where a sign-in stands with the second factor: not needed (no such role, not enrolled), passed, awaited from an
 * enrolled user, or awaited from a user who must enrol first.
 */
export type SecondFactorState = 'not_required' | 'verified' | 'required' | 'enrolment_required';

export function secondFactorState(roles: readonly Role[], enrolled: boolean, passed: boolean): SecondFactorState {
  if (passed) return 'verified';
  if (enrolled) return 'required';
  return roles.some((r) => SECOND_FACTOR_ROLES.includes(r)) ? 'enrolment_required' : 'not_required';
}
