import type { FourProperty, PackageFailure, PackageRule } from './types';

/** Which of the four properties (DA/T 70-2018) each rule tests. */
export const PROPERTY_OF: Record<PackageRule, FourProperty> = {
  'digest-mismatch': 'authenticity',
  'register-signature': 'authenticity',
  'register-mismatch': 'authenticity',
  'code-format': 'authenticity',
  'duplicate-code': 'authenticity',
  'content-metadata': 'authenticity',
  'metadata-value': 'authenticity',
  totals: 'integrity',
  'mandatory-metadata': 'integrity',
  'item-number-gap': 'integrity',
  'missing-file': 'integrity',
  'unlisted-file': 'integrity',
  'package-structure': 'integrity',
  'metadata-readable': 'usability',
  'format-allowed': 'usability',
  malware: 'security',
  'carrier-readable': 'security',
};

export interface Where {
  archivalCode?: string;
  file?: string;
}

export function failure(rule: PackageRule, message: string, where: Where = {}): PackageFailure {
  return {
    property: PROPERTY_OF[rule],
    rule,
    ...(where.archivalCode !== undefined && { archivalCode: where.archivalCode }),
    ...(where.file !== undefined && { file: where.file }),
    message,
  };
}

export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
