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
