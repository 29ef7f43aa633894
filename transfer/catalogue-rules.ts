import { parseBagInfo } from './bagit';
import type { Found } from './carrier';
import { failure } from './failure';
import { PACKAGE_LAYOUT, type PackageFailure } from './types';
import { children, textOf } from './xml';

/** The catalogue lists exactly the records present, in 序号 order, and agrees with their metadata. */
export function catalogueFailures(found: Found): PackageFailure[] {
  const catalogue = found.docs.get(PACKAGE_LAYOUT.catalogue);
  if (!catalogue) return [];
  const failures: PackageFailure[] = [];
  const where = { file: PACKAGE_LAYOUT.catalogue };
  const entries = children(catalogue, 'record');
  const present = new Map(found.records.map((r) => [r.dir, r]));
  const seen = new Set<string>();
  entries.forEach((entry, i) => {
    const code = textOf(entry, 'archivalCode') ?? '';
    const codeWhere = { ...where, archivalCode: code };
    if (textOf(entry, 'sequence') !== String(i + 1))
      failures.push(failure('package-structure', `catalogue entry ${i + 1} has 序号 ${textOf(entry, 'sequence') ?? '(none)'}`, codeWhere));
    if (seen.has(code)) failures.push(failure('duplicate-code', `the catalogue lists ${code} more than once`, codeWhere));
    seen.add(code);
    const record = present.get(code)?.record;
    if (!present.has(code))
      failures.push(failure('package-structure', `the catalogue lists ${code}, which is not in the package`, codeWhere));
    else if (record) {
      if (textOf(entry, 'title') !== record.title)
        failures.push(failure('package-structure', `the catalogue's title for ${code} differs from its metadata`, codeWhere));
      if (textOf(entry, 'pages') !== String(record.files.length))
        failures.push(
          failure(
            'package-structure',
            `the catalogue gives ${code} ${textOf(entry, 'pages') ?? 'no'} pages, its metadata ${record.files.length}`,
            codeWhere,
          ),
        );
    }
  });
  for (const dir of present.keys())
    if (!seen.has(dir))
      failures.push(failure('package-structure', `${dir} is in the package but not in the catalogue`, { ...where, archivalCode: dir }));
  const info = found.bodies.get('bag-info.txt');
  const description = found.docs.get(PACKAGE_LAYOUT.description);
  const declared = [
    ['bag-info.txt', info && parseBagInfo(info.toString('utf8')).get('Lantai-Catalogue-Encoding')?.[0]],
    [PACKAGE_LAYOUT.description, description && textOf(description, 'catalogueEncoding')],
  ] as const;
  for (const [file, encoding] of declared) {
    if (encoding !== undefined && encoding !== found.catalogueEncoding)
      failures.push(
        failure('metadata-readable', `${file} says the catalogue is ${encoding}, the catalogue declares ${found.catalogueEncoding}`, {
          file,
        }),
      );
  }
  return failures;
}
