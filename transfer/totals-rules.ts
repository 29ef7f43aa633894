import { parseBagInfo, parsePayloadOxum } from './bagit';
import type { Found } from './carrier';
import { failure } from './failure';
import { PACKAGE_LAYOUT, type PackageFailure, type PackageRule } from './types';
import { child, type XmlNode } from './xml';

export interface Totals {
  records: number;
  files: number;
  bytes: number;
}

export function actualTotals(found: Found): Totals {
  const pages = found.records.flatMap((r) => r.pages);
  return { records: found.records.length, files: pages.length, bytes: pages.reduce((sum, p) => sum + (found.listed.get(p) ?? 0), 0) };
}

export function totalsIn(node: XmlNode | undefined): Partial<Record<keyof Totals, string>> {
  const totals = node && child(node, 'totals');
  return totals ? { records: totals.attrs.records, files: totals.attrs.files, bytes: totals.attrs.bytes } : {};
}

export function compareTotals(
  rule: PackageRule,
  file: string,
  stated: Partial<Record<keyof Totals, string>>,
  actual: Totals,
): PackageFailure[] {
  return (Object.keys(actual) as (keyof Totals)[])
    .filter((k) => stated[k] !== String(actual[k]))
    .map((k) => failure(rule, `${file} gives ${k} ${stated[k] ?? '(none)'}, the package holds ${actual[k]}`, { file }));
}

export function totalsFailures(found: Found): PackageFailure[] {
  const actual = actualTotals(found);
  const failures: PackageFailure[] = [];
  const description = found.docs.get(PACKAGE_LAYOUT.description);
  if (description) failures.push(...compareTotals('totals', PACKAGE_LAYOUT.description, totalsIn(description), actual));
  const info = found.bodies.get('bag-info.txt');
  if (!info) return failures;
  const bagInfo = parseBagInfo(info.toString('utf8'));
  const payload = [...found.listed].filter(([p]) => p.startsWith('data/'));
  const oxum = parsePayloadOxum(bagInfo.get('Payload-Oxum')?.[0] ?? '');
  const payloadBytes = payload.reduce((sum, [, size]) => sum + size, 0);
  if (!oxum) failures.push(failure('totals', 'bag-info.txt has no readable Payload-Oxum', { file: 'bag-info.txt' }));
  else if (oxum.bytes !== payloadBytes || oxum.files !== payload.length) {
    failures.push(
      failure(
        'totals',
        `Payload-Oxum says ${oxum.files} files of ${oxum.bytes} bytes, the payload holds ${payload.length} files of ${payloadBytes} bytes`,
        { file: 'bag-info.txt' },
      ),
    );
  }
  const records = bagInfo.get('Lantai-Records')?.[0];
  if (records !== String(actual.records))
    failures.push(
      failure('totals', `bag-info.txt gives Lantai-Records ${records ?? '(none)'}, the package holds ${actual.records}`, {
        file: 'bag-info.txt',
      }),
    );
  return failures;
}
