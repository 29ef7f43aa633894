import { ApplicationFailure, Context } from '@temporalio/activity';
import type { Logger } from 'pino';
import type { Config } from '../config';
import type { StagedPage } from '../domain/capture';
import type { OperatorFaultDetails, ScanPagesInput } from '../contracts/scanning';
import type { PageSource } from '../devices/types';
import type { ObjectStore } from '../store/object-store';

export interface DeviceDeps {
  store: ObjectStore;
  config: Config;
  log: Logger;
  pageSourceFor: (device: string) => PageSource;
}

interface ScanProgress {
  staged: StagedPage[];
}

/** Activities that run on a scanning workstation's own worker (task queue `workstation-<name>`). */
export function createDeviceActivities({ store, config, log, pageSourceFor }: DeviceDeps) {
  return {
    /**
     * Scans a batch page by page into the staging area. Each staged page is reported in a heartbeat, so a
     * retry after a crash continues after the last page it kept; a fault the operator must clear ends the
     * activity with the pages kept so far, so none is lost or staged twice.
     */
    async scanPages({ itemId, order, startIndex }: ScanPagesInput): Promise<StagedPage[]> {
      const ctx = Context.current();
      const staged = [...((ctx.info.heartbeatDetails as ScanProgress | undefined)?.staged ?? [])];
      const source = pageSourceFor(order.device);
      const origin = `device:${order.workstation}/${order.device}`;
      try {
        await source.scanBatch(
          {
            resolution: order.resolution,
            mode: order.colour,
            source: order.source,
            duplex: order.duplex,
            startIndex: startIndex + staged.length,
            // The order's page limit counts pages of earlier attempts too (startIndex - 1 of them).
            maxPages: order.maxPages === undefined ? undefined : order.maxPages - (startIndex - 1) - staged.length,
            area: order.area,
            extraOptions: order.extraOptions,
          },
          async (page) => {
            const key = `staging/${itemId}/${ctx.info.workflowExecution?.runId ?? ctx.info.activityId}/${String(page.index).padStart(4, '0')}.${page.format}`;
            const stored = await store.put({ bucket: config.s3.buckets.images, key, body: page.image, contentType: page.contentType });
            staged.push({
              bucket: stored.bucket,
              key: stored.key,
              versionId: stored.versionId,
              source: origin,
              dpi: page.resolution,
              sourceIndex: page.index,
            });
            ctx.heartbeat({ staged } satisfies ScanProgress);
          },
          ctx.cancellationSignal,
        );
        log.info({ itemId, device: order.device, pages: staged.length }, 'scan batch staged');
        return staged;
      } catch (err) {
        const e = err as Error & { needsOperator?: boolean; retryable?: boolean; nextIndex?: number };
        if (e.needsOperator) {
          // With duplex a sheet's front may be kept without its back: the driver's nextIndex says where the rescan starts.
          const nextIndex = e.nextIndex ?? startIndex + staged.length;
          const kept = staged.filter((p) => (p.sourceIndex ?? 0) < nextIndex);
          throw ApplicationFailure.nonRetryable(e.message, e.name, { pages: kept, nextIndex } satisfies OperatorFaultDetails);
        }
        if (e.retryable === false) throw ApplicationFailure.nonRetryable(e.message, e.name);
        throw err;
      }
    },
  };
}
