import type { LifecycleState } from './lifecycle';
import type { SecurityLevel } from './security';

/** An item's index data (著录项) as callers are shown it: codes in place of references, the handled day as YYYY-MM-DD. */
export interface ItemIndex {
  id: string;
  fonds: string;
  archivalCode: string | null;
  caseNumber: string;
  businessType: string;
  lifecycleState: LifecycleState;
  securityLevel: SecurityLevel;
  retentionPeriod: string;
  year: number;
  citizenId: string;
  personName: string;
  employerName: string | null;
  handledOn: string;
  title: string;
}
