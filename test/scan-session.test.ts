import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { createPageSource } from '../devices';
import { renderPage } from './fixtures/imaging/pages';
import { saneSandbox } from './fixtures/sane';
import { apiHarness, caseFor, eventually, type apiClient, type Harness } from './helpers';

let t: Awaited<ReturnType<typeof apiHarness>>;
let h: Harness;
let client: ReturnType<typeof apiClient>;
let sandbox: Awaited<ReturnType<typeof saneSandbox>>;
let clerk: string;

beforeAll(async () => {
  sandbox = await saneSandbox();
  t = await apiHarness({
    users: ['clerk'],
    worker: {
      workstation: 'back-office',
      pageSourceFor: (device) => createPageSource({ kind: 'sane', device, saneConfigDir: sandbox.configDir }),
    },
  });
  ({ h, client } = t);
  clerk = t.tokens.clerk!;
});

afterAll(async () => {
  await t.close();
  await sandbox.close();
});

type Session = {
  sessionId: string;
  status: string;
  stagedPages: number;
  report: {
    cases: { caseNumber: string; itemId: string; pages: number }[];
    unlinked: { caseNumber: string | null; pages: number; reason: string }[];
  } | null;
};

async function register(): Promise<{ id: string; caseNumber: string }> {
  const r = await client.call<{ id: string; caseNumber: string }>('POST', '/items', {
    token: clerk,
    body: caseFor({ businessType: 'GL03' }),
  });
  expect(r.status).toBe(201);
  return r.body;
}

const slip = (caseNumber: string, seed: number) =>
  renderPage({ lines: 10, seed, barcode: { symbology: 'code128', text: caseNumber, at: 'bottom-right' } });
const page = (seed: number) => renderPage({ seed });

async function openSession(): Promise<string> {
  const r = await client.call<Session>('POST', '/scan-sessions', { token: clerk });
  expect(r.status).toBe(201);
  return r.body.sessionId;
}

async function addPage(sessionId: string, image: Buffer) {
  expect(
    (
      await client.call('POST', `/scan-sessions/${sessionId}/pages`, {
        token: clerk,
        body: image,
        headers: { 'content-type': 'image/png' },
      })
    ).status,
  ).toBe(202);
}

async function sorted(sessionId: string): Promise<Session> {
  expect((await client.call('POST', `/scan-sessions/${sessionId}/finish`, { token: clerk })).status).toBe(200);
  return eventually(
    async () => {
      const s = (await client.call<Session>('GET', `/scan-sessions/${sessionId}`, { token: clerk })).body;
      return s.status === 'COMPLETED' ? s : undefined;
    },
    { what: 'the stack to be sorted' },
  );
}

describe('batch scanning afterwards (事后扫描)', () => {
  it('sorts a stack of several cases by their slips and reports pages under an unknown slip', async () => {
    const a = await register();
    const b = await register();
    const sessionId = await openSession();
    for (const image of [
      await slip(a.caseNumber, 1),
      await page(2),
      await page(3),
      await slip(b.caseNumber, 4),
      await page(5),
      await slip('NOBODY-0001', 6),
      await page(7),
    ]) {
      await addPage(sessionId, image);
    }
    const session = await sorted(sessionId);
    expect(session.report!.cases).toEqual([
      { caseNumber: a.caseNumber, itemId: a.id, pages: 3 },
      { caseNumber: b.caseNumber, itemId: b.id, pages: 2 },
    ]);
    expect(session.report!.unlinked.map((u) => [u.caseNumber, u.pages])).toEqual([['NOBODY-0001', 2]]);
    expect(session.report!.unlinked[0]!.reason).toMatch(/NOBODY-0001, which is no business case/);
    for (const [item, count] of [
      [a, 3],
      [b, 2],
    ] as const) {
      await eventually(async () => ((await h.db.page.count({ where: { itemId: item.id } })) === count ? true : undefined), {
        what: `${count} pages for ${item.caseNumber}`,
      });
      expect((await h.db.item.findUniqueOrThrow({ where: { id: item.id } })).captureMode).toBe('batch');
    }
  });

  it('takes a slip scanned on a real SANE scanner (pnm backend) and links the pages after it', async () => {
    const a = await register();
    const { data, info } = await sharp(await slip(a.caseNumber, 8))
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    const file = path.join(sandbox.dir, `slip-${a.caseNumber}.ppm`);
    await writeFile(file, Buffer.concat([Buffer.from(`P6\n${info.width} ${info.height}\n255\n`), data]));
    const sessionId = await openSession();
    const scan = await client.call('POST', `/scan-sessions/${sessionId}/scan`, {
      token: clerk,
      body: { workstation: 'back-office', device: 'pnm:0', resolution: 200, extraOptions: { filename: file } },
    });
    expect(scan.status).toBe(202);
    await eventually(
      async () =>
        (await client.call<Session>('GET', `/scan-sessions/${sessionId}`, { token: clerk })).body.stagedPages === 1 ? true : undefined,
      { what: 'the scanned slip' },
    );
    await addPage(sessionId, await page(9));
    const session = await sorted(sessionId);
    expect(session.report!.cases).toEqual([{ caseNumber: a.caseNumber, itemId: a.id, pages: 2 }]);
    const pages = await eventually(
      async () => {
        const p = await h.db.page.findMany({ where: { itemId: a.id }, orderBy: { pageNumber: 'asc' } });
        return p.length === 2 ? p : undefined;
      },
      { what: 'the two pages' },
    );
    expect(pages[0]!.source).toMatch(/^device:back-office\/pnm:0 /);
    expect(pages[0]!.dpi).toBe(200);
  });

  it('refuses to finish a session with no pages', async () => {
    const sessionId = await openSession();
    const r = await client.call<{ error: { message: string } }>('POST', `/scan-sessions/${sessionId}/finish`, { token: clerk });
    expect(r.status).toBe(409);
    expect(r.body.error.message).toMatch(/no pages have arrived/);
  });
});
