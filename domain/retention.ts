/** 保管期限 codes: permanent, or a minimum number of years. */
export const RETENTION_PERIODS = ['Y', 'D100', 'D50', 'D30', 'D10', 'D5'] as const;
export type RetentionPeriod = (typeof RETENTION_PERIODS)[number];

export function retentionYears(period: RetentionPeriod): number | null {
  return period === 'Y' ? null : Number(period.slice(1));
}

/**
 * The first day the item may be appraised for destruction, or null when permanent.
 * A fixed period is a minimum counted from 1 January of the year after formation.
 */
export function retentionExpiresOn(period: RetentionPeriod, formationYear: number): string | null {
  const years = retentionYears(period);
  return years === null ? null : `${formationYear + 1 + years}-01-01`;
}
