import type { Logger } from 'pino';
import type { Config } from '../config';
import { keepOutcomes, waitingPages } from '../catalogue/recognition';
import type { RecognitionClaim, RecognitionOutcome } from '../contracts/recognition';
import type { Db } from '../prisma/client';
import type { ObjectStore } from '../store/object-store';
import { pageLink, pageLinkUrl } from '../store/page-links';

export interface RecognitionDeps {
  db: Db;
  log: Logger;
  store: ObjectStore;
  config: Config;
}

// Long enough for a round's pages to reach a worker; an expired link only sends its page round again.
const URL_SECONDS = 15 * 60;

/**
 * 全文识别: hands out the pages waiting, as short-lived signed links to their plaintext image at the API (a presigned
 * URL of the store would give sealed bytes), and keeps what the OCR workers read.
 */
export function createRecognitionActivities({ db, log, store, config }: RecognitionDeps) {
  return {
    async claimPagesToRecognise(): Promise<RecognitionClaim> {
      const keyring = store.keyring;
      if (!keyring) throw new Error('recognition needs the keyring: its page links are signed with a key derived from the current KEK');
      const pages = await waitingPages(db, config.ocr.batch);
      return {
        taskQueue: config.ocr.taskQueue,
        idleMs: config.ocr.idleMs,
        pages: pages.map((p) => ({ pageId: p.pageId, url: pageLinkUrl(config.api.url, pageLink(keyring, p.pageId, URL_SECONDS)) })),
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
