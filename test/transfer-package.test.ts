import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import iconv from 'iconv-lite';
import sharp from 'sharp';
import { citizenIdCheckChar } from '../domain/citizen-id';
import { DEFAULT_REFERENCE_CODE_TEMPLATE, formatReferenceCode } from '../domain/reference-code';
import { digestsOf, type ObjectStore } from '../store/object-store';
import { loadOrCreateSigner, type Signer } from '../store/signing';
import {
  buildPackage,
  checkPackage,
  directorySource,
  directoryTarget,
  PackageLayoutError,
  PageFixityError,
  readPackageRecords,
  s3Source,
  s3Target,
  type PackageFile,
  type PackageRecord,
  type PackageReport,
  type PackageSpec,
} from '../transfer';

let work: string;
let sender: Signer;
let stranger: Signer;
let jpeg: Buffer;
let png: Buffer;

beforeAll(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'lantai-transfer-'));
  sender = loadOrCreateSigner(path.join(work, 'keys', 'sender.pem'));
  stranger = loadOrCreateSigner(path.join(work, 'keys', 'stranger.pem'));
  const page = { width: 120, height: 90, channels: 3 as const, background: { r: 235, g: 230, b: 220 } };
  const seal = Buffer.from('<svg width="120" height="90"><circle cx="80" cy="50" r="25" fill="none" stroke="red" stroke-width="4"/></svg>');
  jpeg = await sharp({ create: page })
    .composite([{ input: seal }])
    .jpeg({ quality: 80 })
    .toBuffer();
  png = await sharp({ create: page })
    .composite([{ input: seal }])
    .png()
    .toBuffer();
});

afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

const TITLES = ['张三参保人员登记', '李四养老保险待遇核定', '刘䶮失业保险金申领'];

function citizenId(serial: number): string {
  const first17 = `1101051985030${String(100 + serial).padStart(3, '0')}1`;
  return first17 + citizenIdCheckChar(first17);
}

function pageFile(pageNumber: number, body: Buffer, format: 'jpeg' | 'png'): PackageFile {
  const digests = { sha256: createHash('sha256').update(body).digest('hex'), sm3: createHash('sm3').update(body).digest('hex') };
  const fileName = `${String(pageNumber).padStart(4, '0')}.${format === 'jpeg' ? 'jpg' : 'png'}`;
  return {
    pageNumber,
    fileName,
    format,
    size: body.length,
    ...digests,
    captureSignature: sender.sign(digests.sm3),
    signingKeyId: sender.keyId,
    read: () => Promise.resolve(body),
  };
}

function record(itemNumber: number, title = TITLES[itemNumber - 1] ?? `参保人员登记 ${itemNumber}`): PackageRecord {
  const parts = { fonds: 'J001', category: 'SB', year: 2024, retention: 'D30', org: 'YL', item: itemNumber };
  return {
    itemId: `item-${itemNumber}`,
    archivalCode: formatReferenceCode(DEFAULT_REFERENCE_CODE_TEMPLATE, parts),
    fondsCode: parts.fonds,
    category: parts.category,
    year: parts.year,
    retentionPeriod: parts.retention,
    orgCode: parts.org,
    itemNumber,
    title,
    caseNumber: `YL2024${String(itemNumber).padStart(6, '0')}`,
    citizenId: citizenId(itemNumber),
    personName: title.slice(0, 2),
    employerName: '成都市某某机械有限公司',
    businessTypeCode: 'YL-DYHD',
    businessTypeName: '待遇核定',
    handledOn: `2024-03-${String(10 + itemNumber).padStart(2, '0')}`,
    handlingOffice: '市社会保险事业管理局养老保险科',
    clerkName: '王经办',
    securityLevel: '内部',
    boxNumber: 1,
    files: itemNumber === 1 ? [pageFile(1, jpeg, 'jpeg'), pageFile(2, png, 'png')] : [pageFile(1, jpeg, 'jpeg')],
  };
}

function specOf(records: PackageRecord[], encoding: PackageSpec['encoding'] = 'UTF-8'): PackageSpec {
  return {
    packageId: 'YJ-J001-2024-0001',
    createdAt: '2025-01-15T09:30:00+08:00',
    sender: {
      agencyCode: '510100',
      agencyName: '成都市社会保险事业管理局',
      fondsCode: 'J001',
      fondsName: '成都市社会保险事业管理局',
      address: '成都市青羊区',
    },
    receiver: { name: '成都市档案馆' },
    handedOverBy: '李档案',
    encoding,
    scheme: {
      name: '社会保险业务档案分类方案',
      category: 'SB',
      nodes: [
        { code: 'SB', name: '社会保险业务档案', path: 'SB' },
        { code: 'YL', name: '养老保险待遇类', path: 'SB/YL' },
      ],
      businessTypes: [{ code: 'YL-DYHD', name: '待遇核定', nodePath: 'SB/YL', defaultRetention: 'D30' }],
    },
    namingRules: { referenceCodeTemplate: DEFAULT_REFERENCE_CODE_TEMPLATE, fileNaming: '{page:4}.{ext}' },
    records,
  };
}

let packages = 0;
async function built(spec: PackageSpec, signer = sender): Promise<string> {
  const dir = path.join(work, `package-${++packages}`, spec.packageId);
  await buildPackage(spec, directoryTarget(dir), signer);
  return dir;
}

const codeOf = (item: number) => record(item).archivalCode;
const fileIn = (dir: string, rel: string) => path.join(dir, rel);

function bagitValidate(dir: string): { status: number | null; output: string } {
  const pythonPath = path.join(process.env.LANTAI_TOOLS ?? path.join(os.homedir(), '.cache', 'lantai'), 'python');
  const env = { ...process.env, PYTHONPATH: pythonPath };
  if (spawnSync('python3', ['-c', 'import bagit'], { env }).status !== 0) {
    throw new Error(`bagit-python is not installed in ${pythonPath}: \`./lantai install\` installs it`);
  }
  const run = spawnSync('python3', ['-m', 'bagit', '--validate', dir], { env, encoding: 'utf8' });
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

function failuresOf(report: PackageReport, rule: string) {
  return report.failures.filter((f) => f.rule === rule);
}

describe('transfer package (移交)', () => {
  test('a built package passes every four-property check', async () => {
    const spec = specOf([record(1), record(2), record(3)]);
    const dir = path.join(work, 'whole', spec.packageId);
    const progress: number[] = [];
    const summary = await buildPackage(spec, directoryTarget(dir), sender, (done) => progress.push(done));

    const report = await checkPackage(directorySource(dir), { trustedKeyPems: [sender.publicKeyPem] });

    expect(report.failures).toEqual([]);
    expect(report).toMatchObject({ packageId: spec.packageId, passed: true, records: 3, files: 4, bytes: 3 * jpeg.length + png.length });
    expect(summary).toMatchObject({ packageId: spec.packageId, records: 3, files: 4, bytes: report.bytes });
    expect(progress).toEqual([1, 2, 3]);
    const info = fs.readFileSync(fileIn(dir, 'bag-info.txt'), 'utf8');
    expect(info).toContain(`Payload-Oxum: ${summary.payloadOxum}\n`);
    expect(info).toContain('Lantai-Records: 3\n');
    expect(info).toContain('Bagging-Date: 2025-01-15\n');
    const description = fs.readFileSync(fileIn(dir, 'data/description.xml'), 'utf8');
    expect(description).toContain('<totals records="3" files="4"');
    expect(description).not.toContain('result="failed"');
  });

  test('the Library of Congress BagIt validator accepts the package', async () => {
    const dir = await built(specOf([record(1), record(2), record(3)]));

    const { status, output } = bagitValidate(dir);

    expect(output).toContain('is valid');
    expect(status).toBe(0);
  });

  test('openssl verifies the hand-over register signature with the included SM2 key', async () => {
    const dir = await built(specOf([record(1), record(2)]));
    const register = fileIn(dir, 'data/register');

    const run = spawnSync(
      'openssl',
      [
        'pkeyutl',
        '-verify',
        '-rawin',
        '-digest',
        'sm3',
        '-pubin',
        '-inkey',
        path.join(register, 'signing-key.pem'),
        '-in',
        path.join(register, 'handover-register.xml'),
        '-sigfile',
        path.join(register, 'handover-register.sig'),
      ],
      { encoding: 'utf8' },
    );

    expect(run.stdout + run.stderr).toContain('Signature Verified Successfully');
    expect(run.status).toBe(0);
  });

  test('a GB18030 catalogue decodes to the same Chinese titles and the package still passes', async () => {
    const dir = await built(specOf([record(1), record(2), record(3)], 'GB18030'));
    const bytes = fs.readFileSync(fileIn(dir, 'data/catalogue.xml'));

    expect(() => new TextDecoder('utf-8', { fatal: true }).decode(bytes)).toThrow();
    const text = iconv.decode(bytes, 'gb18030');
    expect(text.startsWith('<?xml version="1.0" encoding="GB18030"?>')).toBe(true);
    expect([...text.matchAll(/<title>([^<]*)<\/title>/g)].map((m) => m[1])).toEqual(TITLES);
    expect(fs.readFileSync(fileIn(dir, 'bag-info.txt'), 'utf8')).toContain('Lantai-Catalogue-Encoding: GB18030\n');
    expect((await checkPackage(directorySource(dir))).failures).toEqual([]);
    expect(bagitValidate(dir).status).toBe(0);
  });

  test('the receiver reads back each record it accepts: archival code, item id, title and files', async () => {
    const dir = await built(specOf([record(1), record(2)]));

    const records = await readPackageRecords(directorySource(dir));

    expect(records.map((r) => [r.archivalCode, r.itemId, r.title, r.files.map((f) => f.fileName)])).toEqual([
      [codeOf(1), 'item-1', TITLES[0], ['0001.jpg', '0002.png']],
      [codeOf(2), 'item-2', TITLES[1], ['0001.jpg']],
    ]);
    expect(records[0]?.files[1]).toMatchObject({
      format: 'png',
      size: png.length,
      sm3: createHash('sm3').update(png).digest('hex'),
      signingKeyId: sender.keyId,
    });
  });

  test('a package written to the object store under a prefix is read back and passes', async () => {
    const objects = new Map<string, Buffer>();
    const store: Pick<ObjectStore, 'put' | 'get' | 'list'> = {
      put: (input) => {
        objects.set(`${input.bucket}/${input.key}`, input.body);
        return Promise.resolve({
          bucket: input.bucket,
          key: input.key,
          versionId: 'v1',
          size: input.body.length,
          ...digestsOf(input.body),
        });
      },
      get: (ref) => Promise.resolve(objects.get(`${ref.bucket}/${ref.key}`) ?? Buffer.alloc(0)),
      list: (bucket, prefix) =>
        Promise.resolve(
          [...objects]
            .filter(([k]) => k.startsWith(`${bucket}/${prefix}`))
            .map(([k, body]) => ({ key: k.slice(bucket.length + 1), size: body.length })),
        ),
    };
    await buildPackage(specOf([record(1), record(2)]), s3Target(store, 'packages', 'transfers/YJ-J001-2024-0001'), sender);

    const report = await checkPackage(s3Source(store, 'packages', 'transfers/YJ-J001-2024-0001/'));

    expect(objects.has('packages/transfers/YJ-J001-2024-0001/bagit.txt')).toBe(true);
    expect(report).toMatchObject({ passed: true, records: 2, files: 3 });
  });

  test('rejects a package with a missing page image, naming the record and the file', async () => {
    const dir = await built(specOf([record(1), record(2)]));
    const missing = `data/records/${codeOf(1)}/0002.png`;
    fs.rmSync(fileIn(dir, missing));

    const report = await checkPackage(directorySource(dir));

    expect(report.passed).toBe(false);
    expect(report.failures).toContainEqual(
      expect.objectContaining({ property: 'integrity', rule: 'missing-file', archivalCode: codeOf(1), file: missing }),
    );
    expect(failuresOf(report, 'totals').length).toBeGreaterThan(0);
    expect(failuresOf(report, 'register-mismatch')).toContainEqual(expect.objectContaining({ archivalCode: codeOf(1) }));
  });

  test('rejects one changed byte in an image, and so does the BagIt validator', async () => {
    const dir = await built(specOf([record(1), record(2)]));
    const page = `data/records/${codeOf(2)}/0001.jpg`;
    const body = fs.readFileSync(fileIn(dir, page));
    body[body.length >> 1] = (body[body.length >> 1] ?? 0) ^ 0x01;
    fs.writeFileSync(fileIn(dir, page), body);

    const report = await checkPackage(directorySource(dir));

    expect(report.passed).toBe(false);
    expect(failuresOf(report, 'digest-mismatch').map((f) => [f.property, f.archivalCode, f.file])).toEqual([
      ['authenticity', codeOf(2), page],
      ['authenticity', codeOf(2), page],
    ]);
    expect(report.failures).toContainEqual(expect.objectContaining({ rule: 'content-metadata', archivalCode: codeOf(2), file: page }));
    const bagit = bagitValidate(dir);
    expect(bagit.status).not.toBe(0);
    expect(bagit.output).toContain('0001.jpg');
  });

  test("refuses to build two records under one archival code, and rejects a package where a record claims another record's code", async () => {
    const twin = { ...record(2), archivalCode: codeOf(1) };
    await expect(buildPackage(specOf([record(1), twin]), directoryTarget(path.join(work, 'twin')), sender)).rejects.toThrow(
      PackageLayoutError,
    );

    const dir = await built(specOf([record(1), record(2), record(3)]));
    const metadata = fileIn(dir, `data/records/${codeOf(2)}/metadata.xml`);
    fs.writeFileSync(
      metadata,
      fs.readFileSync(metadata, 'utf8').replace(`<archivalCode>${codeOf(2)}</archivalCode>`, `<archivalCode>${codeOf(1)}</archivalCode>`),
    );

    const report = await checkPackage(directorySource(dir));

    const duplicates = failuresOf(report, 'duplicate-code');
    expect(duplicates.map((f) => [f.property, f.archivalCode])).toEqual([['authenticity', codeOf(1)]]);
    expect(duplicates[0]?.message).toContain('items item-1, item-2');
    expect(report.failures).toContainEqual(expect.objectContaining({ rule: 'register-mismatch', archivalCode: codeOf(2) }));
  });

  test('rejects a gap in item numbers, naming the record after the gap, though everything else is sound', async () => {
    const dir = await built(specOf([record(1), record(2), record(4)]));

    const report = await checkPackage(directorySource(dir));

    expect(report.failures).toEqual([
      {
        property: 'integrity',
        rule: 'item-number-gap',
        archivalCode: codeOf(4),
        message: 'item numbers in J001/SB/2024/D30/YL skip 3 before 4',
      },
    ]);
    expect(fs.readFileSync(fileIn(dir, 'data/description.xml'), 'utf8')).toContain('rule="item-number-gap" result="failed"');
  });

  test('rejects a hand-over register altered after it was signed', async () => {
    const dir = await built(specOf([record(1), record(2)]));
    const register = fileIn(dir, 'data/register/handover-register.xml');
    fs.writeFileSync(
      register,
      fs.readFileSync(register, 'utf8').replace('<handedOverBy>李档案</handedOverBy>', '<handedOverBy>冒名者</handedOverBy>'),
    );

    const report = await checkPackage(directorySource(dir));

    expect(failuresOf(report, 'register-signature')).toEqual([
      expect.objectContaining({ property: 'authenticity', file: 'data/register/handover-register.sig' }),
    ]);
  });

  test('rejects a register signed by a key the receiver does not trust, though it verifies with the key inside', async () => {
    const dir = await built(specOf([record(1), record(2)]), stranger);

    const untrusted = await checkPackage(directorySource(dir), { trustedKeyPems: [sender.publicKeyPem] });
    const anyKey = await checkPackage(directorySource(dir));

    expect(untrusted.failures.map((f) => [f.property, f.rule])).toEqual([['authenticity', 'register-signature']]);
    expect(untrusted.failures[0]?.message).toContain(stranger.keyId);
    expect(anyKey.passed).toBe(true);
  });

  test('flags an executable hidden under a page name and a metadata file that is not XML', async () => {
    const dir = await built(specOf([record(1), record(2)]));
    const smuggled = `data/records/${codeOf(1)}/0003.jpg`;
    fs.writeFileSync(fileIn(dir, smuggled), Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]), Buffer.alloc(64)]));
    const metadata = `data/records/${codeOf(2)}/metadata.xml`;
    fs.writeFileSync(fileIn(dir, metadata), fs.readFileSync(fileIn(dir, metadata), 'utf8').replace('</record>', ''));

    const report = await checkPackage(directorySource(dir));

    expect(report.failures).toContainEqual(
      expect.objectContaining({ property: 'security', rule: 'malware', archivalCode: codeOf(1), file: smuggled }),
    );
    expect(report.failures).toContainEqual(expect.objectContaining({ property: 'integrity', rule: 'unlisted-file', file: smuggled }));
    expect(report.failures).toContainEqual(
      expect.objectContaining({ property: 'usability', rule: 'metadata-readable', archivalCode: codeOf(2), file: metadata }),
    );
  });

  test('refuses to package a page whose bytes no longer match the digests fixed at capture', async () => {
    const tampered = record(1);
    const original = tampered.files[0]!;
    tampered.files[0] = { ...original, read: () => Promise.resolve(Buffer.concat([jpeg, Buffer.from([0])])) };

    await expect(buildPackage(specOf([tampered]), directoryTarget(path.join(work, 'tampered')), sender)).rejects.toThrow(PageFixityError);
  });
});
