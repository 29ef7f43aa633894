import { closeSync, openSync, writeSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createBarcodeReader, type BarcodeReader, type BarcodeReaderSpec, type BarcodeScan, type ReaderStatus } from '../devices';
import { ptyPair, type PtyPair } from './fixtures/pty';

let dir: string;
let pty: PtyPair;
let reader: BarcodeReader | undefined;
let scans: BarcodeScan[];
let statuses: ReaderStatus[];

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'lantai-serial-'));
  pty = await ptyPair(dir);
  scans = [];
  statuses = [];
});

afterEach(async () => {
  await reader?.stop();
  reader = undefined;
  await pty.stop();
  await rm(dir, { recursive: true, force: true });
});

async function startReader(spec: Partial<Extract<BarcodeReaderSpec, { kind: 'serial' }>> = {}): Promise<BarcodeReader> {
  reader = createBarcodeReader({ kind: 'serial', path: pty.port, id: 'window-3', reconnectDelayMs: 100, ...spec });
  await reader.start(
    (scan) => scans.push(scan),
    (status) => statuses.push(status),
  );
  return reader;
}

/** Writes as a reader does, in the chunks given, with a pause between them so they arrive separately. */
async function type(...chunks: (string | Buffer)[]): Promise<void> {
  const fd = openSync(pty.device, 'w');
  try {
    for (const chunk of chunks) {
      writeSync(fd, Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk, 'utf8'));
      await new Promise((resolve) => setTimeout(resolve, 30));
    }
  } finally {
    closeSync(fd);
  }
}

async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 150; i++) {
    if (condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(
    `timed out waiting for ${what}; scans: ${JSON.stringify(scans.map((s) => s.text))}, statuses: ${JSON.stringify(statuses)}`,
  );
}

const texts = () => scans.map((s) => s.text);

describe('serial barcode reader', () => {
  test('joins a code written in pieces and splits several codes written at once, at the configured suffix', async () => {
    await startReader({ baudRate: 19200, suffix: '\r\n' });
    const before = new Date();

    await type('SB2024', '-00', '0123\r', '\n');
    await type('J001-SB·2024-D30-YL-0123\r\n  A-1 \r\n\r\nA-2\r\n');
    await until(() => scans.length === 4, 'four scans');

    expect(texts()).toEqual(['SB2024-000123', 'J001-SB·2024-D30-YL-0123', 'A-1', 'A-2']);
    for (const scan of scans) {
      expect(scan.readerId).toBe('window-3');
      expect(scan.at.getTime()).toBeGreaterThanOrEqual(before.getTime());
    }
    expect(statuses).toEqual([{ state: 'connected', readerId: 'window-3' }]);
  });

  test('honours line settings and a tab suffix, and strips framing noise', async () => {
    await startReader({ baudRate: 2400, dataBits: 7, parity: 'even', stopBits: 2, suffix: '\t' });

    await type('\x02BOX-0001\x03\t\0\0SHELF-12\t');
    await until(() => scans.length === 2, 'two scans');

    expect(texts()).toEqual(['BOX-0001', 'SHELF-12']);
  });

  test('decodes GB 18030 text from a QR code when configured', async () => {
    await startReader({ encoding: 'gb18030' });

    await type(Buffer.concat([Buffer.from([0xd5, 0xc5, 0xc8, 0xfd]), Buffer.from('|110101199003077777\r')]));
    await until(() => scans.length === 1, 'one scan');

    expect(texts()).toEqual(['张三|110101199003077777']);
  });

  test('throws away a run of bytes that never ends in the suffix and carries on', async () => {
    await startReader({ suffix: '\r', maxFrameBytes: 64 });

    await type('x'.repeat(100), 'OK-1\r');
    await until(() => scans.length === 1, 'one scan');

    expect(texts()).toEqual(['OK-1']);
    const discarded = statuses.find((s) => s.state === 'discarded');
    expect(discarded?.reason).toMatch(/more than 64 bytes without the suffix "\\r"/);
  });

  test('reconnects when the port goes away and comes back', async () => {
    await startReader();
    await type('BEFORE\r');
    await until(() => scans.length === 1, 'the first scan');

    await pty.stop();
    await until(() => statuses.some((s) => s.state === 'disconnected'), 'the disconnect');
    pty = await ptyPair(dir);
    await until(() => statuses.filter((s) => s.state === 'connected').length === 2, 'the reconnect');
    await type('AFTER\r');
    await until(() => scans.length === 2, 'the second scan');

    expect(texts()).toEqual(['BEFORE', 'AFTER']);
  });

  test('stops cleanly: nothing is delivered after stop, and the port is free again', async () => {
    const first = await startReader();
    await first.stop();
    await type('IGNORED\r');
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(scans).toEqual([]);

    await startReader();
    await type('SECOND\r');
    await until(() => scans.length === 1, 'a scan after restarting');
    expect(texts()).toEqual(['SECOND']);
  });

  test('a port that cannot be opened is reported as unavailable', async () => {
    const missing = createBarcodeReader({ kind: 'serial', path: path.join(dir, 'no-such-port') });

    const err = await missing.start(() => undefined).catch((e: Error) => e);
    expect(err).toMatchObject({ name: 'ReaderUnavailableError', retryable: true });
    expect((err as Error).message).toContain('no-such-port');
  });

  test('rejects line settings a serial port cannot have', () => {
    let err: unknown;
    try {
      createBarcodeReader({ kind: 'serial', path: pty.port, dataBits: 9 as 8, parity: 'sometimes' as 'none' });
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({
      name: 'DeviceConfigError',
      problems: [expect.stringMatching(/^dataBits: /), expect.stringMatching(/^parity: /)],
    });
  });
});
