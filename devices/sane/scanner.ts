import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { ScanCancelledError, ScanStalledError, UnsupportedScanRequestError, type BatchProgress } from '../errors';
import { pause, retryDelay, retryPolicySchema } from '../retry';
import { parseSpec } from '../spec';
import type { BatchOutcome, PageSource, ScannedPage, ScanRequest, TransientFault } from '../types';
import { runAttempt } from './batch';
import type { SaneCapabilities } from './capabilities';
import { faultError } from './faults';
import { takePage } from './page';
import { checkPageCounts, planScan } from './plan';
import { readCapabilities, SaneCommandError, type ScanimageConfig } from './scanimage';

export const saneScannerSpecSchema = z.object({
  kind: z.literal('sane'),
  /** As `scanimage -L` names it, e.g. `fujitsu:fi-7160:1234` or `test:0`. */
  device: z.string().min(1),
  id: z.string().min(1).optional(),
  saneConfigDir: z.string().min(1).optional(),
  scanimagePath: z.string().min(1).default('scanimage'),
  /** Where pages wait between scanimage writing them and `onPage` taking them; the system temp dir by default. */
  workDir: z.string().min(1).optional(),
  /** Backend options set on every scan, e.g. `{ filename: '/path/page.pnm' }` for the pnm backend. */
  options: z.record(z.string(), z.string()).default({}),
  pageTimeoutMs: z.number().int().min(100).default(120_000),
  commandTimeoutMs: z.number().int().min(100).default(30_000),
  retry: retryPolicySchema.prefault({}),
});

export type SaneScannerSpec = z.input<typeof saneScannerSpecSchema>;

export function createSaneScanner(input: SaneScannerSpec): PageSource {
  const spec = parseSpec(saneScannerSpecSchema, input);
  const id = spec.id ?? spec.device;
  const config: ScanimageConfig = {
    scanimagePath: spec.scanimagePath,
    saneConfigDir: spec.saneConfigDir,
    commandTimeoutMs: spec.commandTimeoutMs,
  };
  let known: Promise<SaneCapabilities> | undefined;

  function capabilities(): Promise<SaneCapabilities> {
    known ??= readCapabilities(config, spec.device).catch((err: unknown) => {
      known = undefined;
      throw err;
    });
    return known;
  }

  /** scanimage's own failures become typed device errors, knowing how far the batch got. */
  function deviceError(err: unknown, progress: BatchProgress): Error {
    if (err instanceof SaneCommandError) return faultError(id, err.fault, progress);
    return err instanceof Error ? err : new Error(String(err));
  }

  async function describe() {
    try {
      return { ...(await capabilities()).description, id };
    } catch (err) {
      throw deviceError(err, { pagesDelivered: 0, nextIndex: 1, attempts: 1 });
    }
  }

  async function scanBatch(
    request: ScanRequest,
    onPage: (page: ScannedPage) => Promise<void>,
    signal?: AbortSignal,
  ): Promise<BatchOutcome> {
    const firstIndex = checkPageCounts(id, request);
    const transientFaults: TransientFault[] = [];
    let delivered = 0;
    let attempts = 0;
    let duplex = false;
    // A duplex sheet is resumed from its front, so a front delivered without its back is delivered again.
    const progress = (): BatchProgress => ({
      pagesDelivered: delivered,
      nextIndex: firstIndex + delivered - (duplex && delivered % 2 === 1 ? 1 : 0),
      attempts,
    });
    const outcome = (end: BatchOutcome['end']): BatchOutcome => ({
      pagesDelivered: delivered,
      firstIndex,
      nextIndex: firstIndex + delivered,
      end,
      transientFaults,
    });

    for (;;) {
      attempts++;
      try {
        return outcome(await attempt());
      } catch (err) {
        const retryable = (err as { retryable?: unknown }).retryable === true && !(duplex && delivered % 2 === 1);
        if (!retryable || attempts >= spec.retry.attempts) throw err;
        const { name, message } = err as Error;
        transientFaults.push({ errorName: name, message, attempt: attempts, pagesDelivered: delivered });
        if (!(await pause(retryDelay(spec.retry, attempts), signal))) throw new ScanCancelledError(id, progress());
      }
    }

    async function attempt(): Promise<BatchOutcome['end']> {
      if (signal?.aborted) throw new ScanCancelledError(id, progress());
      const caps = await capabilities().catch((err: unknown) => Promise.reject(deviceError(err, progress())));
      const plan = planScan(caps, request, spec.options);
      duplex = plan.duplex;
      if (duplex && firstIndex % 2 === 0)
        throw new UnsupportedScanRequestError(
          id,
          'duplex start index',
          firstIndex,
          'duplex batches that start on the front of a sheet (an odd index)',
        );
      const limit = request.maxPages ?? (plan.source === 'flatbed' ? 1 : undefined);
      if (limit !== undefined && delivered >= limit) return 'page-limit';

      const dir = await mkdtemp(path.join(spec.workDir ?? os.tmpdir(), 'lantai-scan-'));
      try {
        const result = await runAttempt({
          config,
          deviceId: spec.device,
          args: plan.args,
          format: plan.format,
          dir,
          firstIndex: firstIndex + delivered,
          maxPages: limit === undefined ? undefined : limit - delivered,
          pageTimeoutMs: spec.pageTimeoutMs,
          signal,
          deliver: async (file, index) => {
            const page = await takePage(file, index, plan, id).catch((err: unknown) => Promise.reject(deviceError(err, progress())));
            await onPage(page);
            delivered++;
          },
        });
        if (result.stopped === 'cancelled') throw new ScanCancelledError(id, progress());
        if (result.stopped === 'stalled') throw new ScanStalledError(id, spec.pageTimeoutMs, progress());
        if (!result.fault) return 'page-limit';
        if (result.fault.status === 'no-docs' && delivered > 0) return 'feeder-empty';
        throw faultError(id, result.fault, progress());
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    }
  }

  return { id, kind: 'sane', describe, scanBatch };
}
