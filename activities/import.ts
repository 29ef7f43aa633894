import fs from 'node:fs/promises';
import path from 'node:path';
import { ApplicationFailure, Context } from '@temporalio/activity';
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import type { Logger } from 'pino';
import { ItemRegistration, registerCase } from '../catalogue/registration';
import { fondsCodeOf, itemWithFonds, recordCaptureMode } from '../catalogue/captures';
import {
  failImportBatch,
  finishImportBatch,
  importBatchOrThrow,
  importRowCounts,
  indexLoaded,
  loadIndexRows,
  pendingRows,
  rowFailed,
  rowImported,
} from '../catalogue/imports';
import { nextPageNumber, pageFromSource } from '../catalogue/pages';
import type { Config } from '../config';
import type { Db } from '../prisma/client';
import { VERIFY_WORKFLOW, verifyWorkflowId, type VerifyWorkflow } from '../contracts/verification';
import { ImportError, ROW_FAILURES, type ImportProgress } from '../contracts/import';
import { decodesWhole, openImage, PAGE_FORMATS } from '../imaging';
import type { PageFixer } from './page-fixer';
import { parseImportIndex, type ImportRowInput } from './import-index';
import { inFonds } from '../contracts/search-attributes';

export interface ImportDeps {
  db: Db;
  temporal: Client;
  log: Logger;
  config: Config;
  fixPage: PageFixer;
  moveItem: (input: { itemId: string; to: 'captured'; actor: string; reason?: string }) => Promise<void>;
}

export function createImportActivities({ db, temporal, log, config, fixPage, moveItem }: ImportDeps) {
  return {
    /** Reads the batch's CSV or JSON index into rows, once; a row with bad index data is failed with the reason. */
    async loadImportIndex({ batchId }: { batchId: string }): Promise<ImportProgress> {
      const batch = await importBatchOrThrow(db, batchId);
      if (!(await indexLoaded(db, batchId))) {
        let rows: ImportRowInput[];
        try {
          rows = parseImportIndex(await fs.readFile(path.join(batch.sourceDir, batch.indexFile), 'utf8'), batch.indexFile);
        } catch (err) {
          await failImportBatch(db, batchId, (err as Error).message);
          throw ApplicationFailure.nonRetryable(`import index ${batch.indexFile}: ${(err as Error).message}`, ImportError.IndexUnreadable);
        }
        await loadIndexRows(db, batchId, rows);
      }
      return importRowCounts(db, batchId);
    },

    /** Imports the next `size` unfinished rows; each row is idempotent, so one cut short by a crash is simply done again. */
    async importChunk({ batchId, size }: { batchId: string; size: number }): Promise<ImportProgress> {
      const batch = await pendingRows(db, batchId, size);
      const fondsCode = await fondsCodeOf(db, batch.fondsId);
      for (const row of batch.rows) {
        Context.current().heartbeat({ row: row.rowNumber });
        try {
          const itemId = await importRow(row.data as unknown as ImportRowInput['data'], fondsCode, batch.sourceDir, `import:${batchId}`);
          await rowImported(db, batchId, row.rowNumber, itemId);
        } catch (err) {
          if (!ROW_FAILURES.includes((err as Error).name)) throw err;
          await rowFailed(db, batchId, row.rowNumber, (err as Error).message);
        }
      }
      return importRowCounts(db, batchId);
    },

    async finishImport({ batchId }: { batchId: string }): Promise<ImportProgress> {
      const progress = await importRowCounts(db, batchId);
      await finishImportBatch(db, batchId);
      log.info({ batchId, ...progress }, 'import finished');
      return progress;
    },
  };

  async function importRow(data: ImportRowInput['data'], fondsCode: string, sourceDir: string, source: string): Promise<string> {
    const registration = ItemRegistration.parse({ ...data.index, fonds: fondsCode });
    // Every image is read and checked before the case is registered, so a row refused for an image leaves no item.
    const pages: { image: string; raw: Buffer }[] = [];
    for (const image of data.images) pages.push({ image, raw: await readPageImage(sourceDir, image) });
    const { item } = await registerCase(db, registration, { name: source });
    await recordCaptureMode(db, item.id, 'historical');
    const withFonds = await itemWithFonds(db, item.id);
    for (const { image, raw } of pages) {
      const pageSource = `${source} ${image}`;
      if (await pageFromSource(db, item.id, pageSource)) continue;
      await fixPage({ item: withFonds, raw, source: pageSource, pageNumber: await nextPageNumber(db, item.id) });
    }
    await moveItem({ itemId: item.id, to: 'captured', actor: source });
    try {
      await temporal.workflow.start<VerifyWorkflow>(VERIFY_WORKFLOW, {
        workflowId: verifyWorkflowId(item.id),
        taskQueue: config.temporal.taskQueue,
        args: [{ itemId: item.id }],
        typedSearchAttributes: inFonds(fondsCode),
      });
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    }
    return item.id;
  }
}

class RowError extends Error {
  override name = ImportError.RowRefused;
}

/** The row's page image, read whole and checked to be a page image (JPEG, PNG, TIFF or PNM) that decodes to its end. */
async function readPageImage(sourceDir: string, relative: string): Promise<Buffer> {
  const file = path.resolve(sourceDir, relative);
  if (!file.startsWith(path.resolve(sourceDir) + path.sep)) throw new RowError(`image ${relative} lies outside the batch folder`);
  let raw: Buffer;
  try {
    raw = await fs.readFile(file);
  } catch {
    throw new RowError(`image ${relative} was not found in the batch folder`);
  }
  try {
    const image = await openImage(raw);
    if (!(PAGE_FORMATS as readonly string[]).includes(image.format))
      throw new Error(`it is ${image.format.toUpperCase()}, not a page image (JPEG, PNG, TIFF or PNM)`);
    await decodesWhole(image);
  } catch (err) {
    throw new RowError(`image ${relative} cannot be read: ${(err as Error).message}`);
  }
  return raw;
}
