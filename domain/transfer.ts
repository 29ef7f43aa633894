/** Where a transfer package is written, and where a received one is read from. */
export type PackageLocation = { kind: 's3'; bucket: string; prefix: string } | { kind: 'directory'; path: string };

export function describeLocation(l: PackageLocation): string {
  return l.kind === 's3' ? `s3://${l.bucket}/${l.prefix}` : l.path;
}

/** Which records a transfer takes: years and retention periods of one fonds, whole numbering groups. */
export interface TransferSelection {
  years: number[];
  retentionPeriods: string[];
  location: PackageLocation;
}

/** The receiver's answer to a transfer package, as its receipt states it. */
export interface TransferReceipt {
  accessionId: string;
  packageId: string;
  accepted: boolean;
  receivedBy: string;
  receivedAt: string;
  records: number;
  failures: { property: string; rule: string; archivalCode?: string; file?: string; message: string }[];
}

export type TransferStage = 'selecting' | 'building' | 'checking' | 'refused' | 'sent' | 'accepted' | 'rejected';
