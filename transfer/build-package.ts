import { createHash } from 'node:crypto';
import { parseTemplate } from '../domain/reference-code';
import { TransferError } from '../contracts/transfer';
import { digestsOf, type Digests } from '../store/digest';
import { SIGNATURE_ALGORITHM, type Signer } from '../store/signing';
import {
  BAGIT_TXT,
  DIGEST_ALGORITHMS,
  bagSize,
  isSafeBagPath,
  manifestName,
  payloadOxum,
  renderBagInfo,
  renderManifest,
  tagManifestName,
  type BagInfo,
} from './bagit';
import { PROPERTY_OF } from './failure';
import { detectFormat } from './formats';
import type { PackageTarget } from './package-io';
import { checkRecordSet } from './record-rules';
import {
  PACKAGE_LAYOUT,
  RECORD_METADATA_FIELDS,
  recordPath,
  type ClassificationScheme,
  type NamingRules,
  type PackageFailure,
  type PackageFile,
  type PackageRecord,
  type PackageRule,
  type PackageSpec,
  type PackageSummary,
} from './types';
import { el, optional, renderXml, type XmlElement } from './xml';

/** The spec cannot be laid out as a package: a code or file name that is no plain path segment, or is used twice. */
export class PackageLayoutError extends Error {
  override name = TransferError.PackageLayout;
}

/** A page no longer matches the digests fixed at capture: it must not be handed over as if it were the original. */
export class PageFixityError extends Error {
  override name = TransferError.PageFixity;
}

interface Totals {
  records: number;
  files: number;
  bytes: number;
}

interface RegisterEntry {
  archivalCode: string;
  itemId: string;
  files: number;
  bytes: number;
  metadataSm3: string;
}

/** The rules the sender runs on its records before handing them over; their outcome goes into description.xml. */
const CHECKS_BEFORE_SENDING: PackageRule[] = [
  'content-metadata',
  'mandatory-metadata',
  'metadata-value',
  'code-format',
  'duplicate-code',
  'item-number-gap',
];

/**
 * Writes a transfer package (移交) that is also a BagIt bag. Records are streamed one at a time, so only one
 * record's pages are ever in memory. Archival-rule failures (a gap in item numbers, say) do not stop the build:
 * they are recorded in description.xml, and whether to hand over is for the caller to decide with checkPackage.
 */
export async function buildPackage(
  spec: PackageSpec,
  target: PackageTarget,
  signer: Signer,
  onProgress?: (done: number, total: number) => void,
): Promise<PackageSummary> {
  assertLayout(spec);
  const checked = checkRecordSet(spec.records, {
    template: spec.namingRules.referenceCodeTemplate,
    businessTypeCodes: new Set(spec.scheme.businessTypes.map((b) => b.code)),
  });
  const payload = new PayloadLedger(target);
  const registered: RegisterEntry[] = [];
  for (const [i, record] of spec.records.entries()) {
    registered.push(await writeRecord(record, payload));
    onProgress?.(i + 1, spec.records.length);
  }
  const totals: Totals = {
    records: registered.length,
    files: sum(registered.map((r) => r.files)),
    bytes: sum(registered.map((r) => r.bytes)),
  };
  await payload.write(PACKAGE_LAYOUT.description, renderXml(descriptionXml(spec, totals, checked)));
  await payload.write(PACKAGE_LAYOUT.catalogue, renderXml(catalogueXml(spec), spec.encoding));
  await payload.write(PACKAGE_LAYOUT.scheme, renderXml(schemeXml(spec.scheme)));
  await payload.write(PACKAGE_LAYOUT.namingRules, renderXml(namingRulesXml(spec.namingRules)));
  const register = renderXml(registerXml(spec, totals, registered, signer));
  await payload.write(PACKAGE_LAYOUT.register, register);
  await payload.write(PACKAGE_LAYOUT.registerSignature, signer.signBytes(register));
  await payload.write(PACKAGE_LAYOUT.signingKey, Buffer.from(signer.publicKeyPem, 'utf8'));
  const oxum = payloadOxum(payload.bytes, payload.entries.length);
  await writeTagFiles(target, payload, bagInfo(spec, totals, payload.bytes, oxum));
  return { packageId: spec.packageId, ...totals, payloadOxum: oxum, registerSm3: createHash('sm3').update(register).digest('hex') };
}

class PayloadLedger {
  readonly entries: ({ path: string; size: number } & Digests)[] = [];
  constructor(private readonly target: PackageTarget) {}

  async write(path: string, body: Buffer): Promise<void> {
    await this.target.write(path, body);
    this.entries.push({ path, size: body.length, ...digestsOf(body) });
  }

  get bytes(): number {
    return sum(this.entries.map((e) => e.size));
  }
}

function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

function isPlainName(name: string): boolean {
  return isSafeBagPath(name) && !name.includes('/') && ![...name].some((c) => c.charCodeAt(0) < 0x20);
}

function assertLayout(spec: PackageSpec): void {
  parseTemplate(spec.namingRules.referenceCodeTemplate);
  const codes = new Set<string>();
  for (const record of spec.records) {
    if (!isPlainName(record.archivalCode))
      throw new PackageLayoutError(`item ${record.itemId}: archival code "${record.archivalCode}" cannot name a directory in the package`);
    if (codes.has(record.archivalCode))
      throw new PackageLayoutError(`two records carry archival code ${record.archivalCode}; each record needs its own`);
    codes.add(record.archivalCode);
    const names = new Set<string>(['metadata.xml']);
    for (const file of record.files) {
      if (!isPlainName(file.fileName) || names.has(file.fileName))
        throw new PackageLayoutError(`${record.archivalCode}: file name "${file.fileName}" is not a plain, unique file name`);
      names.add(file.fileName);
    }
  }
}

async function writeRecord(record: PackageRecord, payload: PayloadLedger): Promise<RegisterEntry> {
  let bytes = 0;
  for (const file of record.files) {
    const body = await file.read();
    assertAsCaptured(record, file, body);
    await payload.write(recordPath(record.archivalCode, file.fileName), body);
    bytes += body.length;
  }
  const metadata = renderXml(recordMetadataXml(record));
  await payload.write(recordPath(record.archivalCode, 'metadata.xml'), metadata);
  return {
    archivalCode: record.archivalCode,
    itemId: record.itemId,
    files: record.files.length,
    bytes,
    metadataSm3: createHash('sm3').update(metadata).digest('hex'),
  };
}

function assertAsCaptured(record: PackageRecord, file: PackageFile, body: Buffer): void {
  const actual = digestsOf(body);
  const where = `${record.archivalCode} page ${file.pageNumber} (${file.fileName})`;
  if (body.length !== file.size || actual.sha256 !== file.sha256 || actual.sm3 !== file.sm3) {
    throw new PageFixityError(
      `${where} no longer matches its capture digests: ${body.length} bytes, SHA-256 ${actual.sha256}, SM3 ${actual.sm3}`,
    );
  }
  const format = detectFormat(body);
  if (format !== file.format) throw new PageFixityError(`${where} is ${format} by its content, its record says ${file.format}`);
}

function recordMetadataXml(record: PackageRecord): XmlElement {
  return el('record', [
    ...RECORD_METADATA_FIELDS.flatMap((field) => optional(field, record[field])),
    el(
      'files',
      record.files.map((f) =>
        el('file', undefined, {
          pageNumber: f.pageNumber,
          name: f.fileName,
          format: f.format,
          size: f.size,
          sha256: f.sha256,
          sm3: f.sm3,
          captureSignature: f.captureSignature,
          signatureAlgorithm: f.captureSignature === undefined ? undefined : SIGNATURE_ALGORITHM,
          signingKeyId: f.signingKeyId,
        }),
      ),
    ),
  ]);
}

function senderXml(sender: PackageSpec['sender']): XmlElement {
  return el('sender', [
    el('agencyCode', sender.agencyCode),
    el('agencyName', sender.agencyName),
    el('fondsCode', sender.fondsCode),
    el('fondsName', sender.fondsName),
    ...optional('address', sender.address),
  ]);
}

function totalsXml(totals: Totals): XmlElement {
  return el('totals', undefined, { records: totals.records, files: totals.files, bytes: totals.bytes });
}

function descriptionXml(spec: PackageSpec, totals: Totals, checked: PackageFailure[]): XmlElement {
  const checks = CHECKS_BEFORE_SENDING.map((rule) => {
    const failed = checked.filter((f) => f.rule === rule);
    const attrs = { property: PROPERTY_OF[rule], rule, result: failed.length === 0 ? 'passed' : 'failed' };
    return el(
      'check',
      failed.map((f) => el('failure', f.message, { archivalCode: f.archivalCode })),
      attrs,
    );
  });
  return el('description', [
    el('packageId', spec.packageId),
    senderXml(spec.sender),
    el('receiver', [el('name', spec.receiver.name)]),
    el('createdAt', spec.createdAt),
    totalsXml(totals),
    el('catalogueEncoding', spec.encoding),
    el('checksBeforeSending', checks),
  ]);
}

/** 归档文件目录: 序号, 档号, 文号, 责任者, 题名, 日期, 密级, 页数, 备注 (here the box number). */
function catalogueXml(spec: PackageSpec): XmlElement {
  const entries = spec.records.map((r, i) =>
    el('record', [
      el('sequence', i + 1),
      el('archivalCode', r.archivalCode),
      el('documentNumber', r.caseNumber),
      el('responsibleParty', r.handlingOffice),
      el('title', r.title),
      el('date', r.handledOn),
      el('securityLevel', r.securityLevel),
      el('pages', r.files.length),
      ...optional('boxNumber', r.boxNumber),
    ]),
  );
  return el('catalogue', entries, { packageId: spec.packageId, fondsCode: spec.sender.fondsCode, fondsName: spec.sender.fondsName });
}

function schemeXml(scheme: ClassificationScheme): XmlElement {
  return el(
    'classificationScheme',
    [
      el(
        'nodes',
        scheme.nodes.map((n) => el('node', n.name, { code: n.code, path: n.path })),
      ),
      el(
        'businessTypes',
        scheme.businessTypes.map((b) =>
          el('businessType', b.name, { code: b.code, nodePath: b.nodePath, defaultRetention: b.defaultRetention }),
        ),
      ),
    ],
    { name: scheme.name, category: scheme.category },
  );
}

function namingRulesXml(rules: NamingRules): XmlElement {
  return el('namingRules', [el('referenceCodeTemplate', rules.referenceCodeTemplate), el('fileNaming', rules.fileNaming)]);
}

/** 移交登记表: what was handed over, record by record, bound to each record's metadata by its SM3. */
function registerXml(spec: PackageSpec, totals: Totals, entries: RegisterEntry[], signer: Signer): XmlElement {
  return el('handoverRegister', [
    el('packageId', spec.packageId),
    el('createdAt', spec.createdAt),
    senderXml(spec.sender),
    el('receiver', [el('name', spec.receiver.name)]),
    el('handedOverBy', spec.handedOverBy),
    totalsXml(totals),
    el(
      'records',
      entries.map((e) =>
        el('record', undefined, {
          archivalCode: e.archivalCode,
          itemId: e.itemId,
          files: e.files,
          bytes: e.bytes,
          metadataSm3: e.metadataSm3,
        }),
      ),
    ),
    el('signature', undefined, {
      algorithm: SIGNATURE_ALGORITHM,
      keyId: signer.keyId,
      file: 'handover-register.sig',
      publicKey: 'signing-key.pem',
    }),
  ]);
}

function bagInfo(spec: PackageSpec, totals: Totals, payloadBytes: number, oxum: string): BagInfo {
  const { sender } = spec;
  return [
    ['Source-Organization', sender.agencyName],
    ...(sender.address ? [['Organization-Address', sender.address] as [string, string]] : []),
    ['External-Identifier', spec.packageId],
    ['Bagging-Date', baggingDate(spec.createdAt)],
    ['Payload-Oxum', oxum],
    ['Bag-Size', bagSize(payloadBytes)],
    [
      'Internal-Sender-Description',
      `移交 of ${totals.records} records (${totals.files} files) of fonds ${sender.fondsCode} ${sender.fondsName} to ${spec.receiver.name}`,
    ],
    ['Lantai-Records', String(totals.records)],
    ['Lantai-Catalogue-Encoding', spec.encoding],
  ];
}

/** The calendar date in China (UTC+8), where the package is made and received. */
function baggingDate(createdAt: string): string {
  const time = Date.parse(createdAt);
  if (Number.isNaN(time)) throw new PackageLayoutError(`createdAt "${createdAt}" is not a date and time`);
  return new Date(time + 8 * 3600_000).toISOString().slice(0, 10);
}

async function writeTagFiles(target: PackageTarget, payload: PayloadLedger, info: BagInfo): Promise<void> {
  const tagFiles: [string, Buffer][] = [
    ['bagit.txt', Buffer.from(BAGIT_TXT, 'utf8')],
    ['bag-info.txt', renderBagInfo(info)],
    ...DIGEST_ALGORITHMS.map((a): [string, Buffer] => [
      manifestName(a),
      renderManifest(payload.entries.map((e) => ({ path: e.path, digest: e[a] }))),
    ]),
  ];
  for (const [path, body] of tagFiles) await target.write(path, body);
  const digested = tagFiles.map(([path, body]) => ({ path, ...digestsOf(body) }));
  for (const a of DIGEST_ALGORITHMS)
    await target.write(tagManifestName(a), renderManifest(digested.map((d) => ({ path: d.path, digest: d[a] }))));
}
