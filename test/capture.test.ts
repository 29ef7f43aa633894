import { execFileSync } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import sharp from 'sharp';
import { createS3Client } from '../store/object-store';
import { renderPage, rotatePage } from './fixtures/imaging/pages';
import { apiHarness, caseFor, eventually, itemState, type apiClient, type Harness } from './helpers';

let t: Awaited<ReturnType<typeof apiHarness>>;
let h: Harness;
let client: ReturnType<typeof apiClient>;
let tokens: Record<string, string>;

beforeAll(async () => {
  t = await apiHarness({ users: ['clerk', 'archivist', 'manager', 'employer'], quality: { maxUploadBytes: 3 * 1024 * 1024 } });
  ({ h, client, tokens } = t);
});

afterAll(() => t.close());

/** A business case of 参保人员登记 (GL02): slip, ID copy, and the registration form with its red seal. */
async function registerCase(overrides: Record<string, unknown> = {}) {
  const body = caseFor({ businessType: 'GL02', ...overrides });
  const r = await client.call<{ id: string; caseNumber: string }>('POST', '/items', { token: tokens.clerk, body });
  expect(r.status).toBe(201);
  return r.body;
}

const slip = (caseNumber: string) =>
  renderPage({ lines: 12, barcode: { symbology: 'code128', text: caseNumber, at: 'top-right' }, seed: 1 });
const textPage = (seed = 2) => renderPage({ lines: 28, seed });
const sealedPage = (seed = 3) => renderPage({ lines: 20, seal: true, seed });

async function upload(
  itemId: string,
  image: Buffer,
  { token = tokens.clerk, replaces, type = 'image/png' }: { token?: string; replaces?: number; type?: string } = {},
) {
  return client.call<Record<string, unknown>>('POST', `/items/${itemId}/pages${replaces ? `?replaces=${replaces}` : ''}`, {
    token,
    body: image,
    headers: { 'content-type': type },
  });
}

/** Whether a capture workflow was started for the item: its status, or the name of the error saying there is none. */
const captureWorkflowOf = (itemId: string) =>
  h.temporal.workflow
    .getHandle(`capture-${itemId}`)
    .describe()
    .then((d) => d.status.name)
    .catch((e: Error) => e.name);

async function captureAll(itemId: string, pages: Buffer[], token = tokens.clerk) {
  for (const p of pages) expect((await upload(itemId, p, { token })).status).toBe(202);
  const finished = await client.call('POST', `/items/${itemId}/capture/finish`, { token });
  expect(finished.status).toBe(200);
}

/** The SM2 signature of each page verifies with OpenSSL, outside Lantai, against the published key and statement. */
async function expectOpenSslAccepts(itemId: string) {
  const pages = (
    await client.call<{ signature: string; signingKeyId: string; fixityStatement: string }[]>('GET', `/items/${itemId}/pages`, {
      token: tokens.manager,
    })
  ).body;
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'lantai-sig-'));
  const key = (await client.call<{ publicKeyPem: string }>('GET', `/signing-keys/${pages[0]!.signingKeyId}`, { token: tokens.manager }))
    .body;
  await fs.writeFile(path.join(dir, 'key.pem'), key.publicKeyPem);
  for (const [i, p] of pages.entries()) {
    await fs.writeFile(path.join(dir, `${i}.txt`), p.fixityStatement);
    await fs.writeFile(path.join(dir, `${i}.sig`), Buffer.from(p.signature, 'base64'));
    const out = execFileSync(
      'openssl',
      ['pkeyutl', '-verify', '-rawin', '-digest', 'sm3', '-pubin', '-inkey', 'key.pem', '-in', `${i}.txt`, '-sigfile', `${i}.sig`],
      { cwd: dir, encoding: 'utf8' },
    );
    expect(out).toMatch(/Signature Verified Successfully/);
  }
  await fs.writeFile(
    path.join(dir, 'forged.txt'),
    pages[0]!.fixityStatement.replace(/sha256:(\w)/, (_m, c: string) => `sha256:${c === '0' ? '1' : '0'}`),
  );
  expect(() =>
    execFileSync(
      'openssl',
      ['pkeyutl', '-verify', '-rawin', '-digest', 'sm3', '-pubin', '-inkey', 'key.pem', '-in', 'forged.txt', '-sigfile', '0.sig'],
      { cwd: dir, stdio: 'pipe' },
    ),
  ).toThrow();
  await fs.rm(dir, { recursive: true });
}

async function status(itemId: string) {
  return (
    await client.call<{
      defects: { type: string; pageNumber: number | null; resolution: string | null; resolutionReason: string | null }[];
      verification: { waitingOn: string } | null;
    }>('GET', `/items/${itemId}/capture`, { token: tokens.manager })
  ).body;
}

describe('capture and verification through the API', () => {
  it('captures uploaded pages, fixes each with SHA-256, SM3 and an SM2 signature, and verifies a clean item', async () => {
    const item = await registerCase();
    await captureAll(item.id, [await slip(item.caseNumber), await textPage(), await sealedPage()]);
    await itemState(h.db, item.id, 'verified');
    const pages = (
      await client.call<{ pageNumber: number; current: boolean; sha256: string; sm3: string; signed: boolean; key: string; dpi: number }[]>(
        'GET',
        `/items/${item.id}/pages`,
        { token: tokens.manager },
      )
    ).body;
    expect(pages.map((p) => [p.pageNumber, p.current, p.signed])).toEqual([
      [1, true, true],
      [2, true, true],
      [3, true, true],
    ]);
    expect(pages[0]!.key).toMatch(new RegExp(`^J001-SB·2024-D100-YL/${item.caseNumber}/0001\\.`));
    expect(pages.every((p) => p.dpi === 200)).toBe(true);
    const fixity = (await client.call<{ ok: boolean }>('GET', `/items/${item.id}/fixity`, { token: tokens.manager })).body;
    expect(fixity.ok).toBe(true);
    await expectOpenSslAccepts(item.id);
    const history = (await client.call<{ events: { to: string }[] }>('GET', `/items/${item.id}/history`, { token: tokens.manager })).body;
    expect(history.events.map((e) => e.to)).toEqual(['registered', 'captured', 'verified']);
  });

  it('detects a stored image altered behind its back by digest and signature checks', async () => {
    const item = await registerCase();
    await captureAll(item.id, [await slip(item.caseNumber), await textPage(4), await sealedPage(5)]);
    await itemState(h.db, item.id, 'verified');
    const page2 = await h.db.page.findFirstOrThrow({ where: { itemId: item.id, pageNumber: 2 } });
    const tampered = await sharp(await textPage(9))
      .jpeg()
      .toBuffer();
    await createS3Client(h.config.s3).send(new PutObjectCommand({ Bucket: page2.bucket, Key: page2.key, Body: tampered }));
    const afterOverwrite = (
      await client.call<{ ok: boolean; pages: { pageNumber: number; ok: boolean; problems: string[] }[] }>(
        'GET',
        `/items/${item.id}/fixity`,
        { token: tokens.manager },
      )
    ).body;
    expect(afterOverwrite.ok).toBe(false);
    expect(afterOverwrite.pages.filter((p) => !p.ok).map((p) => p.pageNumber)).toEqual([2]);
    expect(afterOverwrite.pages[1]!.problems.join(' ')).toMatch(/current version: .*SHA-256/i);

    // A digest rewritten in the catalogue to match no longer matches its signature.
    const page3 = await h.db.page.findFirstOrThrow({ where: { itemId: item.id, pageNumber: 3 } });
    await h.db.page.update({ where: { id: page3.id }, data: { sha256: 'f'.repeat(64) } });
    const afterRewrite = (
      await client.call<{ pages: { pageNumber: number; problems: string[] }[] }>('GET', `/items/${item.id}/fixity`, {
        token: tokens.manager,
      })
    ).body;
    expect(afterRewrite.pages[2]!.problems).toEqual(expect.arrayContaining(['the SM2 signature does not match the recorded digests']));
  });

  it('rejects a blurred and a skewed page, blocks volume assembly, and verifies after a rescan', async () => {
    // A year of its own: the assembly below could take only this item, not items other test files left verified.
    const item = await registerCase({ handledOn: '2002-06-01' });
    const blurred = await sharp(await textPage(6))
      .blur(6)
      .withDensity(200)
      .png()
      .toBuffer();
    const skewed = await rotatePage(await sealedPage(7), 12);
    await captureAll(item.id, [await slip(item.caseNumber), blurred, skewed]);
    await itemState(h.db, item.id, 'verification_failed');
    const failed = await status(item.id);
    expect(failed.defects.map((d) => [d.type, d.pageNumber]).sort()).toEqual([
      ['image_blurred', 2],
      ['image_skewed', 3],
    ]);
    // The work queue is read from Temporal's visibility store, which may lag the catalogue by a moment.
    const waiting = await eventually(
      async () => {
        const list = (
          await client.call<{ itemId: string; waitingOn: string }[]>('GET', '/waiting?on=quality_decision', { token: tokens.manager })
        ).body;
        return list.find((w) => w.itemId === item.id);
      },
      { what: 'the item in the quality decision queue' },
    );
    expect(waiting.waitingOn).toBe('quality_decision');

    const assembly = await client.call<{ id: string }>('POST', '/volume-assemblies', {
      token: tokens.archivist,
      body: { fonds: 'J001', years: [2002] },
    });
    expect(assembly.status).toBe(202);
    await eventually(
      async () => {
        const s = (await client.call<{ status: string }>('GET', `/volume-assemblies/${assembly.body.id}`, { token: tokens.archivist })).body
          .status;
        return ['assembled', 'failed'].includes(s) ? s : undefined;
      },
      { what: 'the assembly to finish' },
    );
    expect(await h.db.item.findUniqueOrThrow({ where: { id: item.id } })).toMatchObject({
      lifecycleState: 'verification_failed',
      boxId: null,
      archivalCode: null,
    });

    expect((await upload(item.id, await textPage(6), { replaces: 2 })).status).toBe(202);
    await eventually(async () => ((await status(item.id)).verification?.waitingOn === 'quality_decision' ? true : undefined), {
      what: 'the next decision',
    });
    expect((await upload(item.id, await sealedPage(7), { replaces: 3 })).status).toBe(202);
    await itemState(h.db, item.id, 'verified');
    const pages = await h.db.page.findMany({ where: { itemId: item.id }, orderBy: [{ pageNumber: 'asc' }, { createdAt: 'asc' }] });
    expect(pages.map((p) => [p.pageNumber, p.supersededAt === null])).toEqual([
      [1, true],
      [2, false],
      [2, true],
      [3, false],
      [3, true],
    ]);
    expect((await status(item.id)).defects.every((d) => d.resolution === 'rescanned')).toBe(true);
  });

  it('lets an archivist, and only an archivist, override a failure with a recorded reason', async () => {
    const item = await registerCase();
    await captureAll(item.id, [await slip(item.caseNumber), await textPage(10), await textPage(11)]);
    await itemState(h.db, item.id, 'verification_failed');
    expect((await status(item.id)).defects.map((d) => d.type)).toEqual(['seal_or_signature_missing']);
    expect(
      (await client.call('POST', `/items/${item.id}/quality/override`, { token: tokens.clerk, body: { reason: 'fine' } })).status,
    ).toBe(403);
    const noReason = await client.call<{ error: { details: { field: string }[] } }>('POST', `/items/${item.id}/quality/override`, {
      token: tokens.archivist,
      body: { reason: '  ' },
    });
    expect(noReason.status).toBe(400);
    expect(noReason.body.error.details[0]!.field).toBe('reason');
    const ok = await client.call('POST', `/items/${item.id}/quality/override`, {
      token: tokens.archivist,
      body: { reason: '原件为复印件，无公章，经核实无误' },
    });
    expect(ok.status).toBe(200);
    await itemState(h.db, item.id, 'verified');
    const defects = (await status(item.id)).defects;
    expect(defects.map((d) => [d.resolution, d.resolutionReason])).toEqual([['overridden', '原件为复印件，无公章，经核实无误']]);
    expect(
      await h.db.auditEvent.count({ where: { subject: `item:${item.id}`, action: 'verification.override', actor: 'archivist' } }),
    ).toBe(1);
  });

  it('flags a processing slip that names another case', async () => {
    const item = await registerCase();
    await captureAll(item.id, [await slip('SOMEONE-ELSES-CASE'), await textPage(12), await sealedPage(13)]);
    await itemState(h.db, item.id, 'verification_failed');
    expect((await status(item.id)).defects.map((d) => d.type)).toEqual(['slip_field_missing']);
  });

  it('holds an employer upload for a clerk’s initial review before verification', async () => {
    const item = await registerCase({ employerCreditCode: '91110000600037341L', employerName: '示范科技有限公司' });
    await captureAll(item.id, [await slip(item.caseNumber), await textPage(14), await sealedPage(15)], tokens.employer);
    await itemState(h.db, item.id, 'pending_initial_review');
    // The work queue is read from Temporal's visibility store, which may lag the catalogue by a moment.
    const waiting = await eventually(
      async () => {
        const list = (await client.call<{ itemId: string }[]>('GET', '/waiting?on=initial_review', { token: tokens.clerk })).body;
        return list.some((w) => w.itemId === item.id) ? list : undefined;
      },
      { what: 'the upload in the initial review queue' },
    );
    expect(waiting.map((w) => w.itemId)).toContain(item.id);
    const noReason = await client.call<{ error: { message: string } }>('POST', `/items/${item.id}/initial-review`, {
      token: tokens.clerk,
      body: { approved: false },
    });
    expect(noReason.status).toBe(409);
    expect(noReason.body.error.message).toMatch(/rejection needs a reason/);
    expect(
      (await client.call('POST', `/items/${item.id}/initial-review`, { token: tokens.employer, body: { approved: true } })).status,
    ).toBe(403);
    expect((await client.call('POST', `/items/${item.id}/initial-review`, { token: tokens.clerk, body: { approved: true } })).status).toBe(
      200,
    );
    await itemState(h.db, item.id, 'verified');
    expect((await h.db.item.findUniqueOrThrow({ where: { id: item.id } })).captureMode).toBe('employer_upload');
  });

  it('shows a capture that failed, with its reason, and restarts it with the pages still staged', async () => {
    const item = await registerCase();
    const pages = [await slip(item.caseNumber), await textPage(), await sealedPage()];
    for (const p of pages) expect((await upload(item.id, p)).status).toBe(202);
    // The staged copy of one page is lost from the store before the capture stores it.
    const store = h.store;
    const staged = (await store.listVersions(h.config.s3.buckets.images, `staging/${item.id}/`)).filter((v) => !v.deleteMarker);
    expect(staged).toHaveLength(3);
    // The last page (the sealed form) is the one lost, so that sent again it comes last as before.
    const bytes = await Promise.all(
      staged.map((v) => store.get({ bucket: h.config.s3.buckets.images, key: v.key, versionId: v.versionId })),
    );
    const lost = staged[bytes.findIndex((b) => b.equals(pages[2]!))]!;
    await store.deleteVersion({ bucket: h.config.s3.buckets.images, key: lost.key, versionId: lost.versionId });
    expect((await client.call('POST', `/items/${item.id}/capture/finish`, { token: tokens.clerk })).status).toBe(200);

    type Status = { lifecycleState: string; captureRun: { status: string; failure: string | null } | null };
    const failed = await eventually(
      async () => {
        const r = await client.call<Status>('GET', `/items/${item.id}/capture`, { token: tokens.clerk });
        return r.body.captureRun?.status === 'FAILED' ? r.body : undefined;
      },
      { what: 'the capture to fail', timeoutMs: 30_000 },
    );
    expect(failed.lifecycleState).toBe('registered');
    expect(failed.captureRun!.failure).toMatch(new RegExp(`${lost.key}.*not found`));

    const restarted = await client.call<{ pages: number; missing: { staged: string }[] }>('POST', `/items/${item.id}/capture/restart`, {
      token: tokens.clerk,
    });
    expect(restarted.status).toBe(202);
    expect(restarted.body.pages).toBe(2);
    expect(restarted.body.missing).toEqual([expect.objectContaining({ staged: `${h.config.s3.buckets.images}/${lost.key}` })]);
    // The restarted run is not failed: a second restart is refused until it is.
    expect((await client.call('POST', `/items/${item.id}/capture/restart`, { token: tokens.clerk })).status).toBe(409);

    // The lost page is sent again; the capture finishes and the case is verified with all three pages.
    expect((await upload(item.id, pages[2]!)).status).toBe(202);
    expect((await client.call('POST', `/items/${item.id}/capture/finish`, { token: tokens.clerk })).status).toBe(200);
    await itemState(h.db, item.id, 'verified');
    expect(await h.db.page.count({ where: { itemId: item.id } })).toBe(3);
  });

  describe('rejects bad input with a clear error and stores nothing', () => {
    it('an unreadable image', async () => {
      const item = await registerCase();
      const r = await upload(item.id, Buffer.from('this is not an image at all'), { type: 'image/jpeg' });
      expect(r.status).toBe(400);
      expect(JSON.stringify(r.body)).toMatch(/cannot be read/);
      expect(await captureWorkflowOf(item.id)).toBe('WorkflowNotFoundError');
    });

    it('a PNG cut off half way, whose header still reads', async () => {
      const item = await registerCase();
      const whole = await textPage(11);
      const r = await upload(item.id, whole.subarray(0, Math.floor(whole.length / 2)));
      expect(r.status).toBe(400);
      expect(JSON.stringify(r.body)).toMatch(/cannot be read/);
      expect(await captureWorkflowOf(item.id)).toBe('WorkflowNotFoundError');
    });

    it('an SVG sent as image/png', async () => {
      const item = await registerCase();
      const svg = Buffer.from(
        '<svg xmlns="http://www.w3.org/2000/svg" width="800" height="1100"><rect width="800" height="1100" fill="white"/></svg>',
      );
      const r = await upload(item.id, svg, { type: 'image/png' });
      expect(r.status).toBe(415);
      expect(JSON.stringify(r.body)).toMatch(/the body is SVG, not a page image/);
      expect(await captureWorkflowOf(item.id)).toBe('WorkflowNotFoundError');
    });

    it('an oversized upload', async () => {
      const item = await registerCase();
      const big = await sharp({
        create: { width: 3000, height: 3000, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma: 60 } },
      })
        .png({ compressionLevel: 0 })
        .toBuffer();
      expect(big.length).toBeGreaterThan(h.config.quality.maxUploadBytes);
      const r = await upload(item.id, big);
      expect(r.status).toBe(413);
      expect(await captureWorkflowOf(item.id)).toBe('WorkflowNotFoundError');
    });

    it('a barcode that names no known case', async () => {
      const item = await registerCase();
      const known = await client.call<{ item: { id: string } }[]>('POST', '/barcodes/wedge', {
        token: tokens.clerk,
        body: { workstation: 'window-1', text: `${item.caseNumber}\r\n` },
      });
      expect(known.status).toBe(200);
      expect(known.body[0]!.item.id).toBe(item.id);
      const unknown = await client.call<{ error: { code: string; message: string } }>('POST', '/barcodes/wedge', {
        token: tokens.clerk,
        body: { workstation: 'window-1', text: 'NO-SUCH-CASE\r\n' },
      });
      expect(unknown.status).toBe(422);
      expect(unknown.body.error).toMatchObject({ code: 'unknown_barcode' });
      expect(unknown.body.error.message).toMatch(/NO-SUCH-CASE/);
    });

    it('a rescan of an item that did not fail', async () => {
      const item = await registerCase();
      const r = await upload(item.id, await textPage(), { replaces: 1 });
      expect(r.status).toBe(409);
    });
  });
});
