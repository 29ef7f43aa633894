import type { Logger } from 'pino';
import type { Config } from '../config';
import { keepOutcomes, waitingPages } from '../catalogue/recognition';
import type { RecognitionClaim, RecognitionOutcome } from '../contracts/recognition';
import type { Db } from '../prisma/client';
import type { ObjectStore } from '../store/object-store';

export interface RecognitionDeps {
  db: Db;
  log: Logger;
  store: ObjectStore;
  config: Config;
}

// Long enough for a round's pages to reach a worker; an expired URL only sends its page round again.
const URL_SECONDS = 15 * 60;

/** 全文识别: hands out the pages waiting, as presigned URLs of their stored images, and keeps what the OCR workers read. */
export function createRecognitionActivities({ db, log, store, config }: RecognitionDeps) {
  return {
    async claimPagesToRecognise(): Promise<RecognitionClaim> {
      const pages = await waitingPages(db, config.ocr.batch);
      return {
        taskQueue: config.ocr.taskQueue,
        idleMs: config.ocr.idleMs,
        pages: await Promise.all(
          pages.map(async (p) => ({
            pageId: p.pageId,
            url: await store.presignGet({ bucket: p.bucket, key: p.key, versionId: p.versionId ?? undefined }, URL_SECONDS),
          })),
        ),
      };
    },

    async keepPageReadings(outcomes: RecognitionOutcome[]): Promise<void> {
      const r = await keepOutcomes(db, outcomes);
      const again = outcomes.filter((o) => 'again' in o).length;
      for (const o of outcomes) if ('failure' in o) log.warn({ pageId: o.pageId, reason: o.failure }, 'page text not recognised');
      log.info({ ...r, again }, 'page text kept');
    },
  };
}
