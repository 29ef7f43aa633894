import { TextDecoder } from 'node:util';
import { SerialPort } from 'serialport';
import { z } from 'zod';
import { ReaderUnavailableError } from './errors';
import { FrameSplitter, frameText } from './frames';
import { parseSpec } from './spec';
import type { BarcodeReader, BarcodeScan, ReaderStatus } from './types';

export const serialReaderSpecSchema = z.object({
  kind: z.literal('serial'),
  /** e.g. `/dev/ttyUSB0`, `/dev/serial/by-id/usb-…`, `COM3`. */
  path: z.string().min(1),
  id: z.string().min(1).optional(),
  baudRate: z.number().int().positive().default(9600),
  dataBits: z.literal([5, 6, 7, 8]).default(8),
  parity: z.enum(['none', 'even', 'odd', 'mark', 'space']).default('none'),
  stopBits: z.literal([1, 1.5, 2]).default(1),
  /** What the reader sends after each code; most are factory-set to CR. */
  suffix: z.string().min(1).max(4).default('\r'),
  /** Text encoding of the codes; QR codes from Chinese systems may carry GB 18030. */
  encoding: z.enum(['utf-8', 'gb18030', 'latin1']).default('utf-8'),
  maxFrameBytes: z.number().int().min(16).max(65_536).default(4096),
  reconnectDelayMs: z.number().int().min(50).default(2000),
});

export type SerialReaderSpec = z.input<typeof serialReaderSpecSchema>;

export function createSerialBarcodeReader(input: SerialReaderSpec): BarcodeReader {
  const spec = parseSpec(serialReaderSpecSchema, input);
  const id = spec.id ?? spec.path;
  const decoder = new TextDecoder(spec.encoding);
  let running = false;
  let port: SerialPort | undefined;
  let reconnect: NodeJS.Timeout | undefined;

  function open(): Promise<SerialPort> {
    const { path, baudRate, dataBits, parity, stopBits } = spec;
    const candidate = new SerialPort({ path, baudRate, dataBits, parity, stopBits, autoOpen: false });
    return new Promise((resolve, reject) => candidate.open((err) => (err ? reject(err) : resolve(candidate))));
  }

  async function connect(onScan: (scan: BarcodeScan) => void, onStatus: (status: ReaderStatus) => void): Promise<void> {
    const opened = await open();
    if (!running) {
      opened.close();
      return;
    }
    // A fresh splitter per connection: a frame cut by a disconnect is incomplete and must not prefix the next code.
    const splitter = new FrameSplitter(Buffer.from(spec.suffix, 'latin1'), spec.maxFrameBytes);
    opened.on('data', (chunk: Buffer) => {
      const { frames, overflowed } = splitter.push(chunk);
      for (const frame of frames) {
        const text = frameText(frame, decoder);
        if (text) onScan({ text, readerId: id, at: new Date() });
      }
      if (overflowed)
        onStatus({
          state: 'discarded',
          readerId: id,
          reason: `more than ${spec.maxFrameBytes} bytes without the suffix ${JSON.stringify(spec.suffix)}: check the reader's suffix setting`,
        });
    });
    opened.on('error', (err) => onStatus({ state: 'error', readerId: id, reason: err.message }));
    opened.on('close', (err: Error | null) => {
      if (port === opened) port = undefined;
      if (!running) return;
      onStatus({ state: 'disconnected', readerId: id, reason: err?.message ?? 'port closed' });
      retryLater(onScan, onStatus);
    });
    port = opened;
    onStatus({ state: 'connected', readerId: id });
  }

  function retryLater(onScan: (scan: BarcodeScan) => void, onStatus: (status: ReaderStatus) => void): void {
    clearTimeout(reconnect);
    reconnect = setTimeout(() => {
      if (running) connect(onScan, onStatus).catch(() => retryLater(onScan, onStatus));
    }, spec.reconnectDelayMs);
  }

  return {
    id,
    kind: 'serial',
    async start(onScan, onStatus = () => undefined) {
      if (running) return;
      running = true;
      try {
        await connect(onScan, onStatus);
      } catch (err) {
        running = false;
        throw new ReaderUnavailableError(id, `Cannot open the barcode reader ${id} on ${spec.path}: ${(err as Error).message}`, {
          cause: err,
        });
      }
    },
    async stop() {
      running = false;
      clearTimeout(reconnect);
      const current = port;
      port = undefined;
      if (current?.isOpen) await new Promise<void>((resolve) => current.close(() => resolve()));
    },
  };
}
