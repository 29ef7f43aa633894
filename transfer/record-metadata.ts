import type { PackageSource } from './package-io';
import { isRecordMetadataPath } from './package-paths';
import { NUMERIC_RECORD_FIELDS, OPTIONAL_RECORD_FIELDS, RECORD_METADATA_FIELDS, type ReceivedFile, type ReceivedRecord } from './types';
import { child, children, parseXml, textOf, type XmlNode } from './xml';

/** A record from its metadata.xml; fields that are absent or not numbers come back empty, for the rules to report. */
export function readRecordMetadata(root: XmlNode): { record: ReceivedRecord; problems: string[] } {
  const problems: string[] = [];
  if (root.name !== 'record') problems.push(`the root element is <${root.name}>, not <record>`);
  const values: Record<string, string | number | undefined> = {};
  for (const field of RECORD_METADATA_FIELDS) {
    const text = textOf(root, field);
    if (text === undefined) values[field] = OPTIONAL_RECORD_FIELDS.has(field) ? undefined : NUMERIC_RECORD_FIELDS.has(field) ? NaN : '';
    else if (NUMERIC_RECORD_FIELDS.has(field)) values[field] = wholeNumber(text, `<${field}>`, problems);
    else values[field] = text;
  }
  const files = children(child(root, 'files') ?? root, 'file').map((f) => readFileEntry(f, problems));
  return { record: { ...(values as unknown as Omit<ReceivedRecord, 'files'>), files }, problems };
}

function readFileEntry(f: XmlNode, problems: string[]): ReceivedFile {
  const a = f.attrs;
  return {
    pageNumber: wholeNumber(a.pageNumber ?? '', 'pageNumber', problems),
    fileName: a.name ?? '',
    format: a.format ?? '',
    size: wholeNumber(a.size ?? '', 'size', problems),
    sha256: a.sha256 ?? '',
    sm3: a.sm3 ?? '',
    ...(a.captureSignature !== undefined && { captureSignature: a.captureSignature }),
    ...(a.signingKeyId !== undefined && { signingKeyId: a.signingKeyId }),
  };
}

function wholeNumber(text: string, label: string, problems: string[]): number {
  if (/^\d+$/.test(text.trim())) return Number(text.trim());
  problems.push(`${label} "${text}" is not a whole number`);
  return NaN;
}

/** What the receiver accepts: each record's metadata, in archival-code order. Throws XmlError on unreadable metadata. */
export async function readPackageRecords(source: PackageSource): Promise<ReceivedRecord[]> {
  const paths = (await source.list())
    .map((f) => f.path)
    .filter(isRecordMetadataPath)
    .sort();
  const records: ReceivedRecord[] = [];
  for (const path of paths) records.push(readRecordMetadata(parseXml(await source.read(path)).root).record);
  return records;
}
