import { isSafeBagPath } from './bagit';
import type { Found } from './carrier';
import { failure } from './failure';
import { CONTAINERS, DEFAULT_ALLOWED_FORMATS, EXECUTABLE, extensionOf, FORMAT_EXTENSIONS, OPEN_TIFF_COMPRESSIONS } from './formats';
import { at, isPagePath, segmentsOf } from './package-paths';
import { recordPath, type PackageFailure } from './types';

/** Each record's files as its metadata describes them: present, same size, digests and format, named by the rule. */
export function recordFileFailures(found: Found): PackageFailure[] {
  const failures: PackageFailure[] = [];
  const allowed = found.options.allowedFormats ?? DEFAULT_ALLOWED_FORMATS;
  for (const { dir, record, pages } of found.records) {
    if (!record) continue;
    const listedNames = new Set(record.files.map((f) => f.fileName));
    for (const file of record.files) {
      const path = recordPath(dir, file.fileName);
      const where = { archivalCode: dir, file: path };
      if (!isSafeBagPath(path) || segmentsOf(path).length !== 4) {
        failures.push(
          failure('content-metadata', `metadata.xml names file "${file.fileName}", which is not a plain file name`, { archivalCode: dir }),
        );
        continue;
      }
      if (!allowed.includes(file.format))
        failures.push(failure('format-allowed', `format ${file.format} is not allowed (allowed: ${allowed.join(', ')})`, where));
      const expectedName = `${String(file.pageNumber).padStart(4, '0')}.${extensionOf(file.fileName)}`;
      if (file.fileName !== expectedName)
        failures.push(
          failure('content-metadata', `page ${file.pageNumber} is named ${file.fileName}, the naming rule gives ${expectedName}`, where),
        );
      const facts = found.facts.get(path);
      if (!found.listed.has(path)) {
        failures.push(failure('missing-file', `${file.fileName} is listed in the record's metadata but absent`, where));
        continue;
      }
      if (!facts) continue;
      if (facts.size !== file.size)
        failures.push(failure('content-metadata', `${file.fileName} has ${facts.size} bytes, the metadata says ${file.size}`, where));
      if (facts.sha256 !== file.sha256)
        failures.push(failure('content-metadata', `${file.fileName}: SHA-256 differs from the metadata`, where));
      if (facts.sm3 !== file.sm3) failures.push(failure('content-metadata', `${file.fileName}: SM3 differs from the metadata`, where));
      if (facts.kind !== file.format)
        failures.push(
          failure('content-metadata', `${file.fileName} is ${facts.kind} by its content, the metadata says ${file.format}`, where),
        );
    }
    for (const page of pages) {
      const name = segmentsOf(page)[3] ?? '';
      if (!listedNames.has(name))
        failures.push(failure('unlisted-file', `${name} is in the record's directory but not in its metadata.xml`, at(page)));
    }
  }
  return failures;
}

/** What every payload file is by its magic bytes: no executables, no extension that hides another format. */
export function contentFailures(found: Found): PackageFailure[] {
  const failures: PackageFailure[] = [];
  const allowed = found.options.allowedFormats ?? DEFAULT_ALLOWED_FORMATS;
  for (const [path, facts] of found.facts) {
    if (!path.startsWith('data/')) continue;
    const extension = extensionOf(path);
    const claimed = Object.keys(FORMAT_EXTENSIONS).find((kind) => FORMAT_EXTENSIONS[kind]?.includes(extension));
    if (EXECUTABLE.has(facts.kind)) failures.push(failure('malware', `${path} holds executable content (${facts.kind})`, at(path)));
    else if (claimed && claimed !== facts.kind)
      failures.push(failure('malware', `${path} is named .${extension} but its content is ${facts.kind}`, at(path)));
    if (!isPagePath(path)) continue;
    if (CONTAINERS.has(facts.kind))
      failures.push(
        failure('format-allowed', `${path} is a ${facts.kind} container, which may hide compressed or encrypted content`, at(path)),
      );
    else if (!allowed.includes(facts.kind))
      failures.push(failure('format-allowed', `${path} is ${facts.kind}, not an allowed format`, at(path)));
    if (facts.tiffCompression !== undefined && !OPEN_TIFF_COMPRESSIONS.has(facts.tiffCompression)) {
      failures.push(
        failure('format-allowed', `${path} uses TIFF compression ${facts.tiffCompression}, which is not an open scheme`, at(path)),
      );
    }
  }
  return failures;
}
