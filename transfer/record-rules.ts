import { SECURITY_LEVEL_LABELS } from '../domain/security';
import { citizenIdProblem, maskCitizenId } from '../domain/citizen-id';
import { formatReferenceCode, numberingGroupOf, parseReferenceCode } from '../domain/reference-code';
import { RETENTION_PERIODS } from '../domain/retention';
import { SECURITY_LEVELS } from '../domain/security';
import { failure } from './failure';
import type { PackageFailure, ReceivedRecord } from './types';
import { groupBy } from '../domain/collections';

// Rules over a set of records: run by the sender before building and by the receiver on what it got.

export interface RecordRules {
  template?: string;
  businessTypeCodes?: Set<string>;
  /** Where a record's metadata lies in a received package, so a failure can point at it. */
  fileOf?: (record: ReceivedRecord) => string;
}

export function checkRecordSet(records: ReceivedRecord[], rules: RecordRules): PackageFailure[] {
  const perRecord = records.flatMap((r) => {
    const found = [...mandatoryMetadataFailures(r), ...metadataValueFailures(r, rules), ...codeFormatFailures(r, rules.template)];
    const file = rules.fileOf?.(r);
    return file === undefined ? found : found.map((f) => ({ ...f, file }));
  });
  return [...perRecord, ...duplicateCodeFailures(records), ...itemNumberFailures(records)];
}

const MANDATORY_FIELDS: [keyof ReceivedRecord, string][] = [
  ['archivalCode', 'archival code (档号)'],
  ['title', 'title (题名)'],
  ['year', 'year (年度)'],
  ['retentionPeriod', 'retention period (保管期限)'],
  ['itemNumber', 'item number (件号)'],
  ['fondsCode', 'fonds code (全宗号)'],
  ['handledOn', 'date (日期)'],
];

function isBlank(value: unknown): boolean {
  return (
    value === undefined || (typeof value === 'string' && value.trim() === '') || (typeof value === 'number' && !Number.isFinite(value))
  );
}

function mandatoryMetadataFailures(r: ReceivedRecord): PackageFailure[] {
  const where = { archivalCode: r.archivalCode || r.itemId };
  const missing = MANDATORY_FIELDS.filter(([field]) => isBlank(r[field])).map(([, label]) =>
    failure('mandatory-metadata', `the record lacks its ${label}`, where),
  );
  if (r.files.length === 0) missing.push(failure('mandatory-metadata', 'the record has no files', where));
  return missing;
}

const SECURITY_LEVEL_NAMES = Object.values(SECURITY_LEVEL_LABELS);

function metadataValueFailures(r: ReceivedRecord, rules: RecordRules): PackageFailure[] {
  const problems: string[] = [];
  if (r.retentionPeriod && !(RETENTION_PERIODS as readonly string[]).includes(r.retentionPeriod))
    problems.push(`retention period "${r.retentionPeriod}" is not one of ${RETENTION_PERIODS.join(', ')}`);
  if (!(SECURITY_LEVELS as readonly string[]).includes(r.securityLevel) && !SECURITY_LEVEL_NAMES.includes(r.securityLevel))
    problems.push(`security level "${r.securityLevel}" is not one of ${SECURITY_LEVEL_NAMES.join(', ')}`);
  if (r.handledOn && !isCalendarDate(r.handledOn)) problems.push(`date "${r.handledOn}" is not a calendar date YYYY-MM-DD`);
  if (Number.isFinite(r.year) && (!Number.isInteger(r.year) || r.year < 1900 || r.year > new Date().getFullYear() + 1))
    problems.push(`year ${r.year} is not plausible`);
  if (Number.isFinite(r.itemNumber) && (!Number.isInteger(r.itemNumber) || r.itemNumber < 1))
    problems.push(`item number ${r.itemNumber} is not a positive whole number`);
  const idProblem = citizenIdProblem(r.citizenId);
  if (idProblem) problems.push(`citizen ID ${maskCitizenId(r.citizenId)} ${idProblem}`);
  if (rules.businessTypeCodes && !rules.businessTypeCodes.has(r.businessTypeCode))
    problems.push(`business type ${r.businessTypeCode} is not in the classification scheme`);
  const pages = r.files.map((f) => f.pageNumber).sort((a, b) => a - b);
  if (pages.some((p, i) => p !== i + 1)) problems.push(`page numbers run ${pages.join(', ')} instead of 1 to ${pages.length}`);
  return problems.map((p) => failure('metadata-value', p, { archivalCode: r.archivalCode || r.itemId }));
}

function isCalendarDate(value: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const date = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().startsWith(value);
}

function codeFormatFailures(r: ReceivedRecord, template: string | undefined): PackageFailure[] {
  if (!template || !r.archivalCode) return [];
  const where = { archivalCode: r.archivalCode };
  const parts = parseReferenceCode(template, r.archivalCode);
  if (!parts) return [failure('code-format', `archival code "${r.archivalCode}" does not follow the naming rule ${template}`, where)];
  const expected: [string, string | number, string | number][] = [
    ['fonds code', parts.fonds, r.fondsCode],
    ['category', parts.category, r.category],
    ['year', parts.year, r.year],
    ['retention period', parts.retention, r.retentionPeriod],
    ['organisation code', parts.org, r.orgCode],
    ['item number', parts.item, r.itemNumber],
  ];
  const disagreements = expected
    .filter(([, inCode, inMetadata]) => inCode !== inMetadata)
    .map(([label, inCode, inMetadata]) =>
      failure('code-format', `archival code says ${label} ${inCode}, the metadata says ${inMetadata}`, where),
    );
  const canonical = formatReferenceCode(template, parts);
  if (canonical !== r.archivalCode)
    disagreements.push(failure('code-format', `archival code "${r.archivalCode}" should be written "${canonical}"`, where));
  return disagreements;
}

function duplicateCodeFailures(records: ReceivedRecord[]): PackageFailure[] {
  const byCode = groupBy(
    records.filter((r) => r.archivalCode),
    (r) => r.archivalCode,
  );
  return [...byCode]
    .filter(([, same]) => same.length > 1)
    .map(([code, same]) =>
      failure('duplicate-code', `${same.length} records carry archival code ${code} (items ${same.map((r) => r.itemId).join(', ')})`, {
        archivalCode: code,
      }),
    );
}

/** Item numbers run 1..n without gaps or repeats inside each numbering group (DA/T 22-2015). */
function itemNumberFailures(records: ReceivedRecord[]): PackageFailure[] {
  const numbered = records.filter((r) => Number.isInteger(r.itemNumber) && r.itemNumber > 0);
  const groups = groupBy(numbered, (r) =>
    numberingGroupOf({ fonds: r.fondsCode, category: r.category, year: r.year, retention: r.retentionPeriod, org: r.orgCode }),
  );
  const failures: PackageFailure[] = [];
  for (const [group, members] of groups) {
    const byNumber = groupBy(members, (r) => r.itemNumber);
    let expected = 1;
    for (const n of [...byNumber.keys()].sort((a, b) => a - b)) {
      const holders = byNumber.get(n) ?? [];
      if (n > expected) {
        const missing = n - 1 === expected ? `${expected}` : `${expected} to ${n - 1}`;
        failures.push(
          failure('item-number-gap', `item numbers in ${group} skip ${missing} before ${n}`, { archivalCode: holders[0]?.archivalCode }),
        );
      }
      if (holders.length > 1) {
        for (const r of holders)
          failures.push(
            failure('item-number-gap', `item number ${n} in ${group} is used by ${holders.length} records`, {
              archivalCode: r.archivalCode,
            }),
          );
      }
      expected = n + 1;
    }
  }
  return failures;
}
