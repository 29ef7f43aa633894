import path from 'node:path';
import { createInterface } from 'node:readline';
import type { ImageFormat } from '../types';
import { findFault, type SaneFault } from './faults';
import { exited, spawnScanimage, stop, type ScanimageConfig } from './scanimage';

export interface AttemptInput {
  config: ScanimageConfig;
  deviceId: string;
  /** Device settings from the scan plan. */
  args: string[];
  format: ImageFormat;
  /** An empty directory of this attempt's own. */
  dir: string;
  firstIndex: number;
  maxPages?: number;
  pageTimeoutMs: number;
  signal?: AbortSignal;
  deliver(file: string, index: number): Promise<void>;
}

export interface AttemptResult {
  pages: number;
  fault?: SaneFault;
  stopped?: 'cancelled' | 'stalled';
}

const EXTENSION: Record<ImageFormat, string> = { png: 'png', tiff: 'tif', jpeg: 'jpg' };
const STDERR_LIMIT = 64 * 1024;
const FAULT_EXIT_GRACE_MS = 3000;

export function pageFile(dir: string, index: number, format: ImageFormat): string {
  return path.join(dir, `p${String(index).padStart(4, '0')}.${EXTENSION[format]}`);
}

/**
 * One run of `scanimage --batch`. scanimage writes each page to a `.part` file, renames it when complete and only
 * then prints its name, so a printed name is a whole page; pages are delivered in the order printed.
 */
export async function runAttempt(input: AttemptInput): Promise<AttemptResult> {
  const child = spawnScanimage(input.config, [
    '-d',
    input.deviceId,
    ...input.args,
    `--format=${input.format}`,
    `--batch=${path.join(input.dir, `p%04d.${EXTENSION[input.format]}`)}`,
    `--batch-start=${input.firstIndex}`,
    ...(input.maxPages === undefined ? [] : [`--batch-count=${input.maxPages}`]),
    '--batch-print',
  ]);
  const done = exited(child, input.deviceId, input.config);
  let stderr = '';
  let stopped: AttemptResult['stopped'];
  let unexpected: string | undefined;
  const halt = (why?: AttemptResult['stopped']) => {
    stopped ??= why;
    void stop(child, done);
  };
  // Once scanimage has reported a fault it only cleans up; some backends hang there (the test backend cancels its
  // reader thread while it holds a malloc lock, about 1 run in 40 measured here), so it gets a grace period, no more.
  let faultGrace: NodeJS.Timeout | undefined;
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    stderr = (stderr + d).slice(-STDERR_LIMIT);
    if (!faultGrace && findFault(stderr, 0)) faultGrace = setTimeout(() => halt(), FAULT_EXIT_GRACE_MS);
  });
  const onAbort = () => halt('cancelled');
  input.signal?.addEventListener('abort', onAbort, { once: true });
  if (input.signal?.aborted) halt('cancelled');
  let stall = setTimeout(() => halt('stalled'), input.pageTimeoutMs);

  let pages = 0;
  try {
    for await (const line of createInterface({ input: child.stdout, crlfDelay: Infinity })) {
      if (stopped) break;
      clearTimeout(stall);
      const index = input.firstIndex + pages;
      const file = pageFile(input.dir, index, input.format);
      if (line.trim() !== file) {
        unexpected = `scanimage reported page ${JSON.stringify(line)} where ${file} was expected`;
        halt();
        break;
      }
      await input.deliver(file, index);
      pages++;
      stall = setTimeout(() => halt('stalled'), input.pageTimeoutMs);
    }
  } catch (err) {
    halt();
    await done.catch(() => undefined);
    throw err;
  } finally {
    clearTimeout(stall);
    input.signal?.removeEventListener('abort', onAbort);
  }
  const code = await done;
  clearTimeout(faultGrace);
  if (stopped) return { pages, stopped };
  if (unexpected) return { pages, fault: { status: undefined, detail: unexpected, atOpen: false } };
  return { pages, fault: findFault(stderr, code) };
}
