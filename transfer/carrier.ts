import { createHash } from 'node:crypto';
import { parseTemplate } from '../domain/reference-code';
import { isSafeBagPath, parseBagInfo } from './bagit';
import { failure, messageOf } from './failure';
import { detectFormat, tiffCompression, type ContentKind } from './formats';
import type { PackageSource } from './package-io';
import { at, codeOfPath, isPagePath, segmentsOf } from './package-paths';
import { readRecordMetadata } from './record-metadata';
import { PACKAGE_LAYOUT, recordPath, type CheckOptions, type PackageFailure, type ReceivedRecord } from './types';
import { parseXml, textOf, type XmlNode } from './xml';

interface FileFacts {
  size: number;
  sha256: string;
  sm3: string;
  kind: ContentKind;
  tiffCompression?: number;
}

interface FoundRecord {
  dir: string;
  record?: ReceivedRecord;
  pages: string[];
}

/** The package as found on its carrier. */
export interface Found {
  listed: Map<string, number>;
  facts: Map<string, FileFacts>;
  bodies: Map<string, Buffer>;
  docs: Map<string, XmlNode>;
  catalogueEncoding?: string;
  records: FoundRecord[];
  template?: string;
  options: CheckOptions;
}

/** Reads every file once, one at a time; page images are reduced to their digests and kind, never held together. */
export async function readCarrier(source: PackageSource, options: CheckOptions, failures: PackageFailure[]): Promise<Found | undefined> {
  let listing: { path: string; size: number }[];
  try {
    listing = [...(await source.list())].sort((a, b) => (a.path < b.path ? -1 : 1));
  } catch (err) {
    failures.push(failure('carrier-readable', `the package cannot be listed: ${messageOf(err)}`));
    return undefined;
  }
  const found: Found = { listed: new Map(), facts: new Map(), bodies: new Map(), docs: new Map(), records: [], options };
  for (const [i, { path, size }] of listing.entries()) {
    options.onProgress?.(i, listing.length);
    if (!isSafeBagPath(path)) {
      failures.push(failure('package-structure', `"${path}" is not a plain path inside the package`));
      continue;
    }
    found.listed.set(path, size);
    let body: Buffer;
    try {
      body = await source.read(path);
    } catch (err) {
      failures.push(failure('carrier-readable', `${path} cannot be read: ${messageOf(err)}`, at(path)));
      continue;
    }
    if (body.length !== size)
      failures.push(failure('carrier-readable', `${path} gave ${body.length} bytes where the carrier lists ${size}`, at(path)));
    const kind = detectFormat(body);
    found.facts.set(path, {
      size: body.length,
      sha256: createHash('sha256').update(body).digest('hex'),
      sm3: createHash('sm3').update(body).digest('hex'),
      kind,
      ...(kind === 'tiff' && { tiffCompression: tiffCompression(body) }),
    });
    if (!isPagePath(path)) found.bodies.set(path, body);
  }
  options.onProgress?.(listing.length, listing.length);
  return found;
}

export function parseDocuments(found: Found, failures: PackageFailure[]): void {
  for (const [path, body] of found.bodies) {
    if (!path.startsWith('data/') || !path.endsWith('.xml')) continue;
    try {
      const doc = parseXml(body);
      found.docs.set(path, doc.root);
      if (path === PACKAGE_LAYOUT.catalogue) found.catalogueEncoding = doc.encoding;
    } catch (err) {
      failures.push(failure('metadata-readable', `${path} is not readable XML: ${messageOf(err)}`, at(path)));
    }
  }
  const rules = found.docs.get(PACKAGE_LAYOUT.namingRules);
  const template = rules && textOf(rules, 'referenceCodeTemplate');
  if (template !== undefined) {
    try {
      parseTemplate(template);
      found.template = template;
    } catch (err) {
      failures.push(
        failure('metadata-readable', `the naming rule's reference code template is unusable: ${messageOf(err)}`, {
          file: PACKAGE_LAYOUT.namingRules,
        }),
      );
    }
  } else if (rules)
    failures.push(failure('metadata-readable', 'the naming rules give no <referenceCodeTemplate>', { file: PACKAGE_LAYOUT.namingRules }));
  found.records = findRecords(found, failures);
}

function findRecords(found: Found, failures: PackageFailure[]): FoundRecord[] {
  const dirs = new Map<string, FoundRecord>();
  for (const path of found.listed.keys()) {
    const code = codeOfPath(path);
    if (code === undefined) continue;
    const entry = dirs.get(code) ?? { dir: code, pages: [] };
    dirs.set(code, entry);
    if (segmentsOf(path).length !== 4)
      failures.push(failure('package-structure', `${path} is nested below a record's directory`, at(path)));
    else if (isPagePath(path)) entry.pages.push(path);
  }
  for (const entry of dirs.values()) {
    const metadataPath = recordPath(entry.dir, 'metadata.xml');
    const root = found.docs.get(metadataPath);
    if (!root) {
      if (!found.listed.has(metadataPath)) failures.push(failure('missing-file', 'the record has no metadata.xml', at(metadataPath)));
      continue;
    }
    const { record, problems } = readRecordMetadata(root);
    entry.record = record;
    for (const p of problems) failures.push(failure('metadata-readable', `metadata.xml: ${p}`, at(metadataPath)));
    if (record.archivalCode && record.archivalCode !== entry.dir) {
      failures.push(
        failure(
          'code-format',
          `the record's directory is ${entry.dir} but its metadata gives archival code ${record.archivalCode}`,
          at(metadataPath),
        ),
      );
    }
  }
  return [...dirs.values()].sort((a, b) => (a.dir < b.dir ? -1 : 1));
}

export function packageIdOf(found: Found): string | undefined {
  const info = found.bodies.get('bag-info.txt');
  const fromBagInfo = info && parseBagInfo(info.toString('utf8')).get('External-Identifier')?.[0];
  const description = found.docs.get(PACKAGE_LAYOUT.description);
  return fromBagInfo ?? (description && textOf(description, 'packageId'));
}
