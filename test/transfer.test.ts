import { randomUUID } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createObjectStore } from '../store/object-store';
import { verifiedItems } from './fixtures/holdings';
import { apiHarness, eventually, type Harness } from './helpers';

let t: Awaited<ReturnType<typeof apiHarness>>;
let h: Harness;
// Years of their own, so the numbering groups transferred here hold only this file's items.
const base = 1901 + Math.floor(Math.random() * 30) * 3;

beforeAll(async () => {
  t = await apiHarness({ users: ['archivist', 'manager', 'clerk'] });
  h = t.h;
  await h.db.fonds.update({ where: { code: 'J001' }, data: { boxCapacity: 3 } });
});

// Fonds made by a test; the demo users leave them afterwards, so other test files see the demo agency as seeded.
const madeFonds: string[] = [];

afterAll(async () => {
  await h.db.fonds.update({ where: { code: 'J001' }, data: { boxCapacity: 50 } });
  await h.db.userFonds.deleteMany({ where: { fondsId: { in: madeFonds } } });
  await t.close();
});

const call = <T = Record<string, unknown>>(method: string, url: string, user: string, body?: unknown) =>
  t.client.call<T>(method, url, { token: t.tokens[user], body });

interface Failure {
  rule: string;
  archivalCode?: string;
  file?: string;
  message: string;
}

async function until<T extends { status: string }>(url: string, wanted: string[], user = 'manager'): Promise<T> {
  return eventually(
    async () => {
      const v = (await call<T>('GET', url, user)).body;
      return wanted.includes(v.status) ? v : undefined;
    },
    { timeoutMs: 120_000, what: `${url} to become ${wanted.join(' or ')}` },
  );
}

/** Numbers and boxes the year's verified items, then hands the chosen boxes (all, by default) to the archive room. */
async function intoArchiveRoom(year: number, pick: (boxes: string[]) => string[] = (b) => b, fonds = 'J001'): Promise<string[]> {
  const started = await call<{ id: string }>('POST', '/volume-assemblies', 'archivist', { fonds, years: [year] });
  const run = await until<{ status: string; boxes: { id: string; itemCount: number; pageCount: number }[] }>(
    `/volume-assemblies/${started.body.id}`,
    ['assembled', 'failed'],
    'archivist',
  );
  expect(run.status).toBe('assembled');
  const boxes = run.boxes.filter((b) => pick(run.boxes.map((x) => x.id)).includes(b.id));
  const list = {
    fonds,
    boxes: boxes.map((b) => b.id),
    businessUnit: '养老保险科',
    handedOverBy: '王经办',
    receivedBy: '李档案',
    witness: '周见证',
    itemCount: boxes.reduce((n, b) => n + b.itemCount, 0),
    pageCount: boxes.reduce((n, b) => n + b.pageCount, 0),
  };
  const handOver = (await call<{ id: string }>('POST', '/hand-overs', 'archivist', list)).body.id;
  await eventually(async () =>
    (await call<{ stage: string }>('GET', `/hand-overs/${handOver}`, 'manager')).body.stage === 'submitted' ? true : undefined,
  );
  const placements = boxes.map((b, i) => ({ boxId: b.id, room: 'R02', shelf: `T${year}`, position: i + 1 }));
  expect((await call('POST', `/hand-overs/${handOver}/decision`, 'manager', { decision: 'accept', placements })).status).toBe(200);
  await until(`/hand-overs/${handOver}`, ['accepted']);
  return list.boxes;
}

function bagitValidate(dir: string): { ok: boolean; output: string } {
  try {
    const output = execFileSync('python3', ['-m', 'bagit', '--validate', dir], {
      env: { ...process.env, PYTHONPATH: path.join(h.config.toolsDir, 'python') },
      encoding: 'utf8',
      stdio: 'pipe',
    });
    return { ok: true, output };
  } catch (err) {
    return { ok: false, output: String((err as { stderr?: string }).stderr ?? err) };
  }
}

function sm2Verifies(bag: string): boolean {
  const register = path.join(bag, 'data/register');
  try {
    execFileSync(
      'openssl',
      [
        'pkeyutl',
        '-verify',
        '-rawin',
        '-digest',
        'sm3',
        '-pubin',
        '-inkey',
        'signing-key.pem',
        '-in',
        'handover-register.xml',
        '-sigfile',
        'handover-register.sig',
      ],
      { cwd: register, stdio: 'pipe' },
    );
    return true;
  } catch {
    return false;
  }
}

describe('transfer to the city archive', () => {
  it('round-trips a package through the receiving side, which accepts it and takes custody', async () => {
    const year = base;
    const permanent = await verifiedItems(h, { count: 4, year, retention: 'Y', pages: 2 });
    const thirty = await verifiedItems(h, { count: 2, year, retention: 'D30', pages: 1 });
    const ten = await verifiedItems(h, { count: 2, year, retention: 'D10', pages: 1 });
    await intoArchiveRoom(year);

    const started = await call<{ id: string; packageId: string }>('POST', '/transfers', 'manager', {
      fonds: 'J001',
      years: [year],
      encoding: 'GB18030',
    });
    expect(started.status).toBe(202);
    const sent = await until<{ status: string; records: number; location: string; report: { passed: boolean } }>(
      `/transfers/${started.body.id}`,
      ['sent', 'refused'],
    );
    expect(sent).toMatchObject({
      status: 'sent',
      records: 6,
      location: `s3://${h.config.s3.buckets.packages}/transfers/${started.body.packageId}/`,
      report: { passed: true },
    });

    // The package in the bucket is a bag any BagIt validator accepts, and its register verifies with openssl.
    const store = createObjectStore(h.config.s3);
    const prefix = `transfers/${started.body.packageId}/`;
    const copy = fs.mkdtempSync(path.join(os.tmpdir(), 'lantai-package-'));
    for (const o of await store.list(h.config.s3.buckets.packages, prefix)) {
      const file = path.join(copy, o.key.slice(prefix.length));
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, await store.get({ bucket: h.config.s3.buckets.packages, key: o.key }));
    }
    expect(bagitValidate(copy)).toMatchObject({ ok: true });
    expect(sm2Verifies(copy)).toBe(true);
    expect(fs.readFileSync(path.join(copy, 'data/catalogue.xml')).subarray(0, 60).toString('latin1')).toMatch(/encoding="GB18030"/);
    fs.rmSync(copy, { recursive: true, force: true });

    const received = await call<{ id: string }>('POST', '/accessions', 'manager', { source: { kind: 's3', prefix } });
    expect(received.status).toBe(202);
    const accession = await until<{ status: string; recordsAccepted: number; receiptLocation: string }>(`/accessions/${received.body.id}`, [
      'accepted',
      'rejected',
    ]);
    expect(accession).toMatchObject({
      status: 'accepted',
      recordsAccepted: 6,
      receiptLocation: `s3://${h.config.s3.buckets.packages}/receipts/${started.body.packageId}/${received.body.id}.json`,
    });
    const receipt = JSON.parse(
      (
        await store.get({ bucket: h.config.s3.buckets.packages, key: `receipts/${started.body.packageId}/${received.body.id}.json` })
      ).toString(),
    ) as { accepted: boolean; records: number };
    expect(receipt).toMatchObject({ accepted: true, records: 6 });

    await until(`/transfers/${started.body.id}`, ['accepted']);
    const states = async (ids: string[]) => (await h.db.item.findMany({ where: { id: { in: ids } } })).map((i) => i.lifecycleState);
    await eventually(async () => ((await states([...permanent, ...thirty])).every((s) => s === 'transferred') ? true : undefined), {
      what: 'custody to pass',
    });
    expect(await states(ten)).toEqual(['in_archive_room', 'in_archive_room']);
  });

  it('rejects a tampered package on receipt, naming the record and the rule, and accepts it sent again', async () => {
    const year = base + 1;
    await verifiedItems(h, { count: 3, year, retention: 'Y', pages: 2 });
    await intoArchiveRoom(year);
    const out = `out-${year}`;
    const started = await call<{ id: string; packageId: string }>('POST', '/transfers', 'manager', {
      fonds: 'J001',
      years: [year],
      target: { kind: 'directory', path: out },
    });
    expect((await until<{ status: string }>(`/transfers/${started.body.id}`, ['sent', 'refused'])).status).toBe('sent');
    const root = h.config.transfer.directoryRoot;
    const bag = path.join(root, out, started.body.packageId);
    expect(bagitValidate(bag)).toMatchObject({ ok: true });

    const records = fs.readdirSync(path.join(bag, 'data/records')).sort();
    const tampered = (name: string, change: (dir: string) => void) => {
      const dir = path.join(root, 'inbox', `${name}-${year}`);
      fs.cpSync(bag, dir, { recursive: true });
      change(dir);
      return path.relative(root, dir);
    };
    const cases = {
      missing: tampered('missing', (d) => fs.rmSync(path.join(d, 'data/records', records[0]!, '0002.jpg'))),
      changed: tampered('changed', (d) => {
        const file = path.join(d, 'data/records', records[1]!, '0001.jpg');
        const bytes = fs.readFileSync(file);
        bytes.writeUInt8(bytes.readUInt8(bytes.length - 10) ^ 0xff, bytes.length - 10);
        fs.writeFileSync(file, bytes);
      }),
      forged: tampered('forged', (d) => {
        const file = path.join(d, 'data/register/handover-register.xml');
        fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace(/<receiver>[^<]*<\/receiver>|市档案馆/, '别处档案馆'));
      }),
    };
    expect(bagitValidate(path.join(root, cases.changed)).ok).toBe(false);

    const reports: Record<string, Failure[]> = {};
    for (const [name, dir] of Object.entries(cases)) {
      const id = (await call<{ id: string }>('POST', '/accessions', 'manager', { source: { kind: 'directory', path: dir } })).body.id;
      const a = await until<{ status: string; report: { failures: Failure[] }; recordsAccepted: number }>(`/accessions/${id}`, [
        'accepted',
        'rejected',
      ]);
      expect(a.status).toBe('rejected');
      expect(a.recordsAccepted).toBe(0);
      reports[name] = a.report.failures;
    }
    expect(reports.missing).toContainEqual(expect.objectContaining({ rule: 'missing-file', archivalCode: records[0] }));
    expect(reports.changed).toContainEqual(expect.objectContaining({ rule: 'digest-mismatch', archivalCode: records[1] }));
    expect(reports.forged).toContainEqual(expect.objectContaining({ rule: 'register-signature' }));
    // The receiver's rejection reaches the sender: the transfer is rejected and its records are free to go again.
    const rejected = await until<{ status: string; receipt: { accepted: boolean; failures: Failure[] } }>(`/transfers/${started.body.id}`, [
      'rejected',
    ]);
    expect(rejected.receipt.accepted).toBe(false);
    expect(await h.db.item.count({ where: { transferId: started.body.id } })).toBe(0);

    const again = await call<{ id: string; packageId: string }>('POST', '/transfers', 'manager', {
      fonds: 'J001',
      years: [year],
      target: { kind: 'directory', path: out },
    });
    expect((await until<{ status: string }>(`/transfers/${again.body.id}`, ['sent', 'refused'])).status).toBe('sent');
    const resent = path.join(root, out, again.body.packageId);
    const original = (
      await call<{ id: string }>('POST', '/accessions', 'manager', { source: { kind: 'directory', path: path.relative(root, resent) } })
    ).body.id;
    expect((await until<{ status: string }>(`/accessions/${original}`, ['accepted', 'rejected'])).status).toBe('accepted');
    await until(`/transfers/${again.body.id}`, ['accepted']);
    expect(fs.existsSync(path.join(root, out, `${again.body.packageId}.receipt-${original}.json`))).toBe(true);
  });

  it('refuses before sending a package whose item numbers have a gap, and frees its records', async () => {
    const year = base + 2;
    const items = await verifiedItems(h, { count: 5, year, retention: 'Y', pages: 1 });
    // Only the second box reaches the archive room: items 1–3 stay with the business unit.
    await intoArchiveRoom(year, (boxes) => boxes.slice(1));
    const started = await call<{ id: string }>('POST', '/transfers', 'manager', { fonds: 'J001', years: [year] });
    const refused = await until<{ status: string; report: { failures: Failure[] } }>(`/transfers/${started.body.id}`, ['refused', 'sent']);
    expect(refused.status).toBe('refused');
    expect(refused.report.failures).toContainEqual(expect.objectContaining({ rule: 'item-number-gap' }));
    expect(
      (await h.db.item.findMany({ where: { id: { in: items } } })).every(
        (i) => i.transferId === null && i.lifecycleState !== 'transferred',
      ),
    ).toBe(true);
  });

  it('numbers, checks and receives records under a fonds’ own code template', async () => {
    const code = `K${String(base).slice(-3)}`;
    const j001 = await h.db.fonds.findUniqueOrThrow({ where: { code: 'J001' } });
    const fonds = await h.db.fonds.create({
      data: { code, name: '示范市工伤保险科', orgCode: 'GS', agencyId: j001.agencyId, schemeId: j001.schemeId },
    });
    madeFonds.push(fonds.id);
    for (const username of ['archivist', 'manager']) {
      const user = await h.db.user.findUniqueOrThrow({ where: { username } });
      await h.db.userFonds.create({ data: { userId: user.id, fondsId: fonds.id } });
    }
    const template = '{fonds}·{year}·{retention}-{category}-{org}-{item:5}';
    expect((await call('POST', `/fonds/${code}/arrangement`, 'archivist', { referenceCodeTemplate: template })).status).toBe(403);
    expect((await call('POST', `/fonds/${code}/arrangement`, 'manager', { referenceCodeTemplate: '{fonds}-{year}-{item:4}' })).status).toBe(
      400,
    );
    const arranged = await call<{ example: string }>('POST', `/fonds/${code}/arrangement`, 'manager', {
      referenceCodeTemplate: template,
      boxCapacity: 2,
    });
    expect(arranged.status).toBe(200);
    expect(arranged.body.example).toBe(`${code}·2024·D30-SB-GS-00123`);

    const year = base + 3;
    await verifiedItems(h, { fonds: code, count: 3, year, retention: 'Y', pages: 1 });
    await intoArchiveRoom(year, (b) => b, code);
    const items = await h.db.item.findMany({ where: { fondsId: fonds.id }, orderBy: { itemNumber: 'asc' } });
    expect(items.map((i) => i.archivalCode)).toEqual([1, 2, 3].map((n) => `${code}·${year}·Y-SB-GS-0000${n}`));
    expect(
      (
        await call('POST', `/fonds/${code}/arrangement`, 'manager', {
          referenceCodeTemplate: '{fonds}-{category}·{year}-{retention}-{org}-{item:4}',
        })
      ).status,
    ).toBe(409);

    const started = await call<{ id: string; packageId: string }>('POST', '/transfers', 'manager', { fonds: code, years: [year] });
    expect((await until<{ status: string }>(`/transfers/${started.body.id}`, ['sent', 'refused'])).status).toBe('sent');
    const received = (
      await call<{ id: string }>('POST', '/accessions', 'manager', {
        source: { kind: 's3', prefix: `transfers/${started.body.packageId}/` },
      })
    ).body.id;
    expect((await until<{ status: string }>(`/accessions/${received}`, ['accepted', 'rejected'])).status).toBe('accepted');
  });

  it('refuses a transfer of retention periods the city archive does not take, and a folder outside the transfer root', async () => {
    expect((await call('POST', '/transfers', 'manager', { fonds: 'J001', years: [base], retentionPeriods: ['D10'] })).status).toBe(400);
    expect(
      (await call('POST', '/transfers', 'manager', { fonds: 'J001', years: [base], target: { kind: 'directory', path: '../../etc' } }))
        .status,
    ).toBe(400);
    expect((await call('POST', '/transfers', 'archivist', { fonds: 'J001', years: [base] })).status).toBe(403);
    expect((await call('POST', '/accessions', 'archivist', { source: { kind: 's3', prefix: 'transfers/x/' } })).status).toBe(403);
  });

  it('refuses an accession from a folder, prefix or bucket that holds no package, and records nothing', async () => {
    const accessions = await h.db.accession.count();
    const refusals: [unknown, string, RegExp][] = [
      [{ kind: 'directory', path: 'no-such-package' }, 'source.path', /no folder no-such-package under the transfer root/],
      [{ kind: 's3', prefix: `transfers/none-${randomUUID()}/` }, 'source.prefix', /nothing lies under/],
      [{ kind: 's3', bucket: h.config.s3.buckets.images, prefix: 'staging/' }, 'source.bucket', /the archive's own page images/],
      [{ kind: 's3', bucket: 'lantai-no-such-bucket', prefix: 'transfers/x/' }, 'source.bucket', /no bucket lantai-no-such-bucket/],
      // No bucket can have such a name (S3 names are lower case): schemathesis found it a 500.
      [{ kind: 's3', bucket: 'NaN', prefix: 'transfers/x/' }, 'source.bucket', /S3 bucket name/],
      [{ kind: 's3', bucket: 'a..b', prefix: 'transfers/x/' }, 'source.bucket', /S3 bucket name/],
    ];
    for (const [source, field, message] of refusals) {
      const r = await call<{ error: { message: string; details: { field: string }[] } }>('POST', '/accessions', 'manager', { source });
      expect([r.status, r.body.error.details[0]!.field]).toEqual([400, field]);
      expect(r.body.error.message).toMatch(message);
    }
    expect(await h.db.accession.count()).toBe(accessions);
  });
});
