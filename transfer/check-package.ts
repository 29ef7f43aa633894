import { manifestFailures, structureFailures, tagManifestFailures } from './bag-rules';
import { packageIdOf, parseDocuments, readCarrier, type Found } from './carrier';
import { catalogueFailures } from './catalogue-rules';
import type { PackageSource } from './package-io';
import { contentFailures, recordFileFailures } from './record-file-rules';
import { checkRecordSet } from './record-rules';
import { registerFailures } from './register-rules';
import { actualTotals, totalsFailures } from './totals-rules';
import { PACKAGE_LAYOUT, recordPath, type CheckOptions, type PackageFailure, type PackageReport } from './types';
import { child, children } from './xml';

export async function checkPackage(source: PackageSource, options: CheckOptions = {}): Promise<PackageReport> {
  const checkedAt = new Date().toISOString();
  const failures: PackageFailure[] = [];
  const found = await readCarrier(source, options, failures);
  if (!found) return { passed: false, records: 0, files: 0, bytes: 0, failures, checkedAt };
  parseDocuments(found, failures);
  const rules = [
    structureFailures,
    manifestFailures,
    tagManifestFailures,
    recordFileFailures,
    recordSetFailures,
    contentFailures,
    catalogueFailures,
    totalsFailures,
    registerFailures,
  ];
  for (const rule of rules) failures.push(...rule(found));
  return { packageId: packageIdOf(found), passed: failures.length === 0, ...actualTotals(found), failures, checkedAt };
}

function recordSetFailures(found: Found): PackageFailure[] {
  const scheme = found.docs.get(PACKAGE_LAYOUT.scheme);
  const businessTypeCodes =
    scheme && new Set(children(child(scheme, 'businessTypes') ?? scheme, 'businessType').map((b) => b.attrs.code ?? ''));
  const dirOf = new Map(found.records.flatMap((r) => (r.record ? [[r.record, r.dir] as const] : [])));
  return checkRecordSet([...dirOf.keys()], {
    template: found.template,
    businessTypeCodes,
    fileOf: (r) => recordPath(dirOf.get(r) ?? '', 'metadata.xml'),
  });
}
