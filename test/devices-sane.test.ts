import { mkdir, readdir } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { createPageSource, listSaneDevices, type PageSource, type ScannedPage, type ScanRequest } from '../devices';
import { loggingScanimage, processesMentioning, saneSandbox } from './fixtures/sane';

let sandbox: Awaited<ReturnType<typeof saneSandbox>>;

beforeAll(async () => {
  sandbox = await saneSandbox();
});

afterAll(async () => {
  await sandbox.close();
});

const FAST_RETRY = { attempts: 3, initialDelayMs: 20, maxDelayMs: 50 };
const SMALL_ADF: ScanRequest = { source: 'adf', resolution: 75, mode: 'grey', area: { widthMm: 50, heightMm: 50 } };

function scanner(extra: Record<string, unknown> = {}): PageSource {
  return createPageSource({ kind: 'sane', device: 'test:0', saneConfigDir: sandbox.configDir, retry: FAST_RETRY, ...extra });
}

/** An onPage that keeps the pages it is handed. */
function into(pages: ScannedPage[]) {
  return (page: ScannedPage) => {
    pages.push(page);
    return Promise.resolve();
  };
}

async function collect(source: PageSource, request: ScanRequest, signal?: AbortSignal) {
  const pages: ScannedPage[] = [];
  const outcome = await source.scanBatch(request, into(pages), signal);
  return { pages, outcome };
}

function thrown(fn: () => unknown): Record<string, unknown> & Error {
  try {
    fn();
  } catch (err) {
    return err as Record<string, unknown> & Error;
  }
  throw new Error('expected an error');
}

async function failure(promise: Promise<unknown>): Promise<Record<string, unknown> & Error> {
  try {
    await promise;
  } catch (err) {
    return err as Record<string, unknown> & Error;
  }
  throw new Error('expected the scan to fail');
}

describe('SANE scanner through scanimage', () => {
  test('lists the test device and reads what it offers', async () => {
    const devices = await listSaneDevices({ saneConfigDir: sandbox.configDir });
    expect(devices.map((d) => d.device)).toEqual(expect.arrayContaining(['test:0', 'pnm:0']));

    const description = await scanner().describe();

    expect(description).toMatchObject({
      id: 'test:0',
      kind: 'sane',
      resolutions: { range: { min: 1, max: 1200, step: 1 } },
      modes: ['colour', 'grey'],
      sources: ['flatbed', 'adf'],
      duplex: false,
      defaults: { source: 'flatbed', mode: 'grey' },
    });
  });

  test.each([
    [{ mode: 'lineart' }, 'colour mode', /lineart.*colour modes (grey, colour|colour, grey)/],
    [{ resolution: 5000 }, 'resolution', /5000.*1–1200 dpi/],
    [{ duplex: true }, 'duplex', /single-sided/],
    [{ extraOptions: { 'no-such-option': '1' } }, 'option', /no-such-option/],
    [{ extraOptions: { 'test-picture': 'Kittens' } }, 'option --test-picture', /Kittens.*Solid black/],
  ] as [ScanRequest, string, RegExp][])('rejects %j naming the option it cannot honour', async (request, option, message) => {
    const pages: ScannedPage[] = [];

    const err = await failure(scanner().scanBatch({ ...SMALL_ADF, ...request }, into(pages)));

    expect(err.name).toBe('UnsupportedScanRequestError');
    expect(err.option).toBe(option);
    expect(err.message).toMatch(message);
    expect(pages).toHaveLength(0);
  });

  test('rejects a device configuration naming the bad field', () => {
    const emptyDevice = thrown(() => createPageSource({ kind: 'sane', device: '' }));
    expect(emptyDevice.name).toBe('DeviceConfigError');
    expect(emptyDevice.message).toMatch(/device: Too small/);
    const unknownKind = thrown(() => createPageSource({ kind: 'tape-drive' } as never));
    expect(unknownKind.name).toBe('DeviceConfigError');
    expect(unknownKind.message).toMatch(/kind: /);
  });

  test('scans a full feeder of 10 pages in order, each an image at the requested resolution', async () => {
    const { pages, outcome } = await collect(scanner(), SMALL_ADF);

    expect(pages.map((p) => p.index)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(outcome).toEqual({ pagesDelivered: 10, firstIndex: 1, nextIndex: 11, end: 'feeder-empty', transientFaults: [] });
    for (const page of pages) {
      const meta = await sharp(page.image).metadata();
      expect(meta).toMatchObject({ format: 'png', density: 75, width: page.width, height: page.height });
      expect(Math.abs(page.width - (50 / 25.4) * 75)).toBeLessThan(1.5);
      expect(page).toMatchObject({
        format: 'png',
        contentType: 'image/png',
        resolution: 75,
        mode: 'grey',
        source: 'adf',
        side: undefined,
        deviceId: 'test:0',
      });
    }
  });

  test('a paper jam stops the batch for the operator, and the resumed batch completes it with no page lost or repeated', async () => {
    const source = scanner();
    const first = await collect(source, { ...SMALL_ADF, maxPages: 4 });
    expect(first.outcome).toMatchObject({ pagesDelivered: 4, nextIndex: 5, end: 'page-limit' });

    const jammedPages: ScannedPage[] = [];
    const jam = await failure(
      source.scanBatch({ ...SMALL_ADF, startIndex: 5, extraOptions: { 'read-return-value': 'SANE_STATUS_JAMMED' } }, into(jammedPages)),
    );
    expect(jam).toMatchObject({
      name: 'PaperJamError',
      needsOperator: true,
      retryable: false,
      pagesDelivered: 0,
      nextIndex: 5,
      attempts: 1,
    });
    expect(jam.message).toMatch(/jam.*resume from page 5/i);
    expect(jammedPages).toHaveLength(0);

    // The test backend refills its feeder for every run, so the six sheets left on the stack are a page limit.
    const resumed = await collect(source, { ...SMALL_ADF, startIndex: jam.nextIndex as number, maxPages: 6 });

    const indexes = [...first.pages, ...resumed.pages].map((p) => p.index);
    expect(indexes).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(resumed.outcome).toMatchObject({ firstIndex: 5, pagesDelivered: 6, nextIndex: 11 });
  });

  test.each([
    ['SANE_STATUS_COVER_OPEN', 'CoverOpenError', /cover.*open/i],
    ['SANE_STATUS_NO_DOCS', 'FeederEmptyError', /feeder.*empty/i],
  ])('%s stops at once for the operator as %s', async (status, name, message) => {
    const err = await failure(collect(scanner(), { ...SMALL_ADF, extraOptions: { 'read-return-value': status } }));

    expect(err).toMatchObject({ name, needsOperator: true, retryable: false, pagesDelivered: 0, nextIndex: 1, attempts: 1 });
    expect(err.message).toMatch(message);
  });

  test.each([
    ['SANE_STATUS_IO_ERROR', 'DeviceIoError'],
    ['SANE_STATUS_DEVICE_BUSY', 'DeviceBusyError'],
  ])('%s is retried a bounded number of times, then fails as the retryable %s', async (status, name) => {
    const scanimage = await loggingScanimage(await freshDir(`retry-${status}`));
    const started = Date.now();

    const err = await failure(
      collect(scanner({ scanimagePath: scanimage.path }), { ...SMALL_ADF, extraOptions: { 'read-return-value': status } }),
    );

    expect(err).toMatchObject({ name, retryable: true, needsOperator: false, pagesDelivered: 0, nextIndex: 1, attempts: 3 });
    expect((await scanimage.runs()).filter((run) => run.includes('--batch='))).toHaveLength(3);
    expect(Date.now() - started).toBeGreaterThanOrEqual(20 + 40);
  });

  test('after an I/O error mid-stack the driver scans on from the next page and reports the fault', async () => {
    const scanimage = await loggingScanimage(await freshDir('io-mid-stack'));
    await scanimage.faultAfter(3, 'scanimage: sane_read: Error during device I/O', 9);

    const { pages, outcome } = await collect(scanner({ scanimagePath: scanimage.path }), { ...SMALL_ADF, maxPages: 8 });

    expect(pages.map((p) => p.index)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(outcome).toMatchObject({ pagesDelivered: 8, nextIndex: 9, end: 'page-limit' });
    expect(outcome.transientFaults).toHaveLength(1);
    expect(outcome.transientFaults[0]).toMatchObject({ errorName: 'DeviceIoError', attempt: 1, pagesDelivered: 3 });
    const batches = (await scanimage.runs()).filter((run) => run.includes('--batch='));
    expect(batches.map((run) => /--batch-start=(\d+)/.exec(run)?.[1])).toEqual(['1', '4']);
  });

  test('when storing a page fails, the scan stops and the caller gets its own error back', async () => {
    const workDir = await freshDir('store-fails');
    const stored: number[] = [];

    const err = await failure(
      scanner({ workDir }).scanBatch(SMALL_ADF, async (page) => {
        await new Promise((resolve) => setTimeout(resolve, 10));
        if (page.index === 3) throw new Error('object store unavailable');
        stored.push(page.index);
      }),
    );

    expect(err.message).toBe('object store unavailable');
    expect(stored).toEqual([1, 2]);
    expect(await processesMentioning(workDir)).toEqual([]);
    expect(await readdir(workDir)).toEqual([]);
  });

  describe('cancellation', () => {
    // A 200 mm square page with the backend's read delay takes over a second, long enough to cancel mid-page.
    const SLOW: ScanRequest = {
      ...SMALL_ADF,
      area: { widthMm: 200, heightMm: 200 },
      extraOptions: { 'read-delay': 'yes', 'read-delay-duration': '200000' },
    };

    test('stops scanimage promptly and delivers no partial page', async () => {
      const workDir = await freshDir('cancel');
      const controller = new AbortController();
      const pages: ScannedPage[] = [];
      let abortedAt = 0;
      setTimeout(() => {
        abortedAt = Date.now();
        controller.abort();
      }, 400);

      const err = await failure(scanner({ workDir }).scanBatch(SLOW, into(pages), controller.signal));

      expect(err).toMatchObject({ name: 'ScanCancelledError', pagesDelivered: 0, nextIndex: 1 });
      expect(Date.now() - abortedAt).toBeLessThan(500);
      expect(pages).toHaveLength(0);
      expect(await processesMentioning(workDir)).toEqual([]);
      expect(await readdir(workDir)).toEqual([]);
    });

    test('cancelling while a page is being stored keeps that page and delivers nothing after it', async () => {
      const workDir = await freshDir('cancel-after-page');
      const controller = new AbortController();
      const pages: ScannedPage[] = [];
      let abortedAt = 0;

      const err = await failure(
        scanner({ workDir }).scanBatch(
          SLOW,
          async (page) => {
            pages.push(page);
            controller.abort();
            abortedAt = Date.now();
            await new Promise((resolve) => setTimeout(resolve, 100));
          },
          controller.signal,
        ),
      );

      expect(err).toMatchObject({ name: 'ScanCancelledError', pagesDelivered: 1, nextIndex: 2 });
      expect(pages.map((p) => p.index)).toEqual([1]);
      expect(Date.now() - abortedAt).toBeLessThan(1500);
      expect(await processesMentioning(workDir)).toEqual([]);
    });

    test('a device that produces no page within the page timeout is stopped for the operator', async () => {
      const workDir = await freshDir('stall');

      const err = await failure(scanner({ workDir, pageTimeoutMs: 300 }).scanBatch(SLOW, into([])));

      expect(err).toMatchObject({ name: 'ScanStalledError', needsOperator: true, pagesDelivered: 0, nextIndex: 1 });
      expect(await processesMentioning(workDir)).toEqual([]);
    });
  });
});

let dirs = 0;
async function freshDir(name: string): Promise<string> {
  const dir = path.join(sandbox.dir, `${name}-${++dirs}`);
  await mkdir(dir);
  return dir;
}
