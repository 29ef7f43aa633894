import { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import type { Config } from '../config';
import type { StagedPage } from '../domain/capture';
import type { ImagingPool } from '../imaging';
import type { Db } from '../prisma/client';
import { itemWithFonds } from '../catalogue/captures';
import { nextPageNumber, pageFromSource } from '../catalogue/pages';
import type { ObjectStore } from '../store/object-store';
import type { Signer } from '../store/signing';
import type { PageFixer } from './page-fixer';
import { createStackSortingActivities } from './stack-sorting';

export interface CaptureDeps {
  db: Db;
  store: ObjectStore;
  signer: Signer;
  temporal: Client;
  log: Logger;
  config: Config;
  imaging: ImagingPool;
  fixPage: PageFixer;
}

/** Collect (采集): staged pages prepared, stored and fixed; a scanned stack sorted into its cases by their slips. */
export function createCaptureActivities({ db, store, temporal, log, config, imaging, fixPage }: CaptureDeps) {
  return {
    /**
     * Prepares staged pages (deskew, crop), stores them under the item's code and page number, fixes them with
     * SHA-256, SM3 and an SM2 signature, and records them. A replacement page supersedes the old one, which stays
     * in the item's history. Idempotent per staged object, so a retry stores nothing twice.
     */
    async storePages({ itemId, pages }: { itemId: string; pages: StagedPage[] }): Promise<{ pageNumbers: number[] }> {
      const item = await itemWithFonds(db, itemId);
      const pageNumbers: number[] = [];
      for (const [i, staged] of pages.entries()) {
        Context.current().heartbeat({ done: i, of: pages.length });
        const source = `${staged.source} ${staged.bucket}/${staged.key}${staged.versionId ? `@${staged.versionId}` : ''}`;
        const already = await pageFromSource(db, itemId, source);
        if (already) {
          pageNumbers.push(already.pageNumber);
          continue;
        }
        const pageNumber = staged.replaces ?? (await nextPageNumber(db, itemId));
        await fixPage({ item, raw: await store.get(staged), source, pageNumber, deviceDpi: staged.dpi });
        pageNumbers.push(pageNumber);
      }
      log.info({ itemId, pages: pageNumbers.length }, 'pages stored and fixed');
      return { pageNumbers };
    },
    ...createStackSortingActivities({ db, store, temporal, log, config, imaging }),
  };
}
