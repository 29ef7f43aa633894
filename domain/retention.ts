/** 保管期限 codes: permanent, or a minimum number of years. */
export const RETENTION_PERIODS = ['Y', 'D100', 'D50', 'D30', 'D10', 'D5'] as const;
export type RetentionPeriod = (typeof RETENTION_PERIODS)[number];

export function retentionYears(period: RetentionPeriod): number | null {
  return period === 'Y' ? null : Number(period.slice(1));
}
