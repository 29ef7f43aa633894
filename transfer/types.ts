/** One page image of a record as it goes into a transfer package (移交). */
export interface PackageFile {
  pageNumber: number;
  fileName: string;
  format: string;
  size: number;
  sha256: string;
  sm3: string;
  captureSignature?: string;
  signingKeyId?: string;
  read(): Promise<Buffer>;
}

/** One item (件) with the metadata the receiving archive keeps. */
export interface PackageRecord {
  itemId: string;
  archivalCode: string;
  fondsCode: string;
  category: string;
  year: number;
  retentionPeriod: string;
  orgCode: string;
  itemNumber: number;
  title: string;
  caseNumber: string;
  citizenId: string;
  personName: string;
  employerName?: string;
  businessTypeCode: string;
  businessTypeName: string;
  handledOn: string;
  handlingOffice: string;
  clerkName: string;
  securityLevel: string;
  boxNumber?: number;
  files: PackageFile[];
}

/** Where each part of a package lives, relative to the bag root. */
export const PACKAGE_LAYOUT = {
  description: 'data/description.xml',
  catalogue: 'data/catalogue.xml',
  scheme: 'data/scheme/classification-scheme.xml',
  namingRules: 'data/scheme/naming-rules.xml',
  register: 'data/register/handover-register.xml',
  registerSignature: 'data/register/handover-register.sig',
  signingKey: 'data/register/signing-key.pem',
  records: 'data/records/',
} as const;

export const recordPath = (archivalCode: string, fileName: string): string => `${PACKAGE_LAYOUT.records}${archivalCode}/${fileName}`;

/** The metadata elements of a record's metadata.xml, in the order they are written. */
export const RECORD_METADATA_FIELDS = [
  'itemId',
  'archivalCode',
  'fondsCode',
  'category',
  'year',
  'retentionPeriod',
  'orgCode',
  'itemNumber',
  'title',
  'caseNumber',
  'citizenId',
  'personName',
  'employerName',
  'businessTypeCode',
  'businessTypeName',
  'handledOn',
  'handlingOffice',
  'clerkName',
  'securityLevel',
  'boxNumber',
] as const satisfies readonly (keyof Omit<PackageRecord, 'files'>)[];

export const NUMERIC_RECORD_FIELDS = new Set<string>(['year', 'itemNumber', 'boxNumber']);
export const OPTIONAL_RECORD_FIELDS = new Set<string>(['employerName', 'boxNumber']);

export type CatalogueEncoding = 'UTF-8' | 'GB18030';

export interface ClassificationScheme {
  name: string;
  category: string;
  nodes: { code: string; name: string; path: string }[];
  businessTypes: { code: string; name: string; nodePath: string; defaultRetention: string }[];
}

export interface NamingRules {
  referenceCodeTemplate: string;
  fileNaming: string;
}

export interface PackageSpec {
  packageId: string;
  createdAt: string;
  sender: { agencyCode: string; agencyName: string; fondsCode: string; fondsName: string; address?: string };
  receiver: { name: string };
  handedOverBy: string;
  encoding: CatalogueEncoding;
  scheme: ClassificationScheme;
  namingRules: NamingRules;
  records: PackageRecord[];
}

export interface PackageSummary {
  packageId: string;
  records: number;
  files: number;
  bytes: number;
  payloadOxum: string;
  registerSm3: string;
}

/** A record as the receiver reads it back from its metadata.xml. */
export type ReceivedFile = Omit<PackageFile, 'read'>;
export type ReceivedRecord = Omit<PackageRecord, 'files'> & { files: ReceivedFile[] };

/** The four properties of DA/T 70-2018 (四性). */
export type FourProperty = 'authenticity' | 'integrity' | 'usability' | 'security';

export type PackageRule =
  | 'digest-mismatch'
  | 'register-signature'
  | 'register-mismatch'
  | 'code-format'
  | 'duplicate-code'
  | 'content-metadata'
  | 'metadata-value'
  | 'totals'
  | 'mandatory-metadata'
  | 'item-number-gap'
  | 'missing-file'
  | 'unlisted-file'
  | 'package-structure'
  | 'metadata-readable'
  | 'format-allowed'
  | 'malware'
  | 'carrier-readable';

export interface PackageFailure {
  property: FourProperty;
  rule: PackageRule;
  archivalCode?: string;
  file?: string;
  message: string;
}

export interface PackageReport {
  packageId?: string;
  passed: boolean;
  records: number;
  files: number;
  bytes: number;
  failures: PackageFailure[];
  checkedAt: string;
}

export interface CheckOptions {
  /** SPKI PEMs of the sender keys the receiver trusts; without them any key inside the package is accepted. */
  trustedKeyPems?: string[];
  allowedFormats?: string[];
  onProgress?: (done: number, total: number) => void;
}
