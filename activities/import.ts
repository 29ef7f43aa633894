import fs from 'node:fs/promises';
import path from 'node:path';
import { ApplicationFailure, Context } from '@temporalio/activity';
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import type { Logger } from 'pino';
import { ItemRegistration, registerCase } from '../catalogue/registration';
import type { Config } from '../config';
import type { Db } from '../prisma/client';
import { verifyItem } from '../workflows/verify';
import type { ImportProgress } from '../workflows/import';
import { nextPageNumber, type PageFixer } from './page-fixer';
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
      const batch = await db.importBatch.findUniqueOrThrow({ where: { id: batchId } });
      if ((await db.importRow.count({ where: { batchId } })) === 0) {
        let rows: ImportRowInput[];
        try {
          rows = parseImportIndex(await fs.readFile(path.join(batch.sourceDir, batch.indexFile), 'utf8'), batch.indexFile);
        } catch (err) {
          await db.importBatch.update({
            where: { id: batchId },
            data: { status: 'failed', error: (err as Error).message, finishedAt: new Date() },
          });
          throw ApplicationFailure.nonRetryable(`import index ${batch.indexFile}: ${(err as Error).message}`, 'ImportIndexError');
        }
        await db.importRow.createMany({
          data: rows.map((r) => ({
            batchId,
            rowNumber: r.rowNumber,
            caseNumber: r.caseNumber,
            data: r.data,
            status: r.problem ? 'failed' : 'pending',
            error: r.problem,
          })),
          skipDuplicates: true,
        });
        await db.importBatch.update({ where: { id: batchId }, data: { total: rows.length, status: 'running' } });
      }
      return progressOf(db, batchId);
    },

    /** Imports the next `size` unfinished rows; each row is idempotent, so one cut short by a crash is simply done again. */
    async importChunk({ batchId, size }: { batchId: string; size: number }): Promise<ImportProgress> {
      const batch = await db.importBatch.findUniqueOrThrow({
        where: { id: batchId },
        include: { rows: { where: { status: 'pending' }, orderBy: { rowNumber: 'asc' }, take: size } },
      });
      const fonds = await db.fonds.findUniqueOrThrow({ where: { id: batch.fondsId } });
      for (const row of batch.rows) {
        Context.current().heartbeat({ row: row.rowNumber });
        try {
          const itemId = await importRow(row.data as unknown as ImportRowInput['data'], fonds.code, batch.sourceDir, `import:${batchId}`);
          await db.importRow.update({
            where: { batchId_rowNumber: { batchId, rowNumber: row.rowNumber } },
            data: { status: 'done', itemId, error: null },
          });
        } catch (err) {
          if (
            (err as Error).name !== 'RowError' &&
            (err as Error).name !== 'UnreadableImageError' &&
            (err as Error).name !== 'RegistrationError'
          )
            throw err;
          await db.importRow.update({
            where: { batchId_rowNumber: { batchId, rowNumber: row.rowNumber } },
            data: { status: 'failed', error: (err as Error).message },
          });
        }
      }
      return progressOf(db, batchId);
    },

    async finishImport({ batchId }: { batchId: string }): Promise<ImportProgress> {
      const progress = await progressOf(db, batchId);
      await db.importBatch.update({ where: { id: batchId }, data: { status: 'done', finishedAt: new Date() } });
      log.info({ batchId, ...progress }, 'import finished');
      return progress;
    },
  };

  async function importRow(data: ImportRowInput['data'], fondsCode: string, sourceDir: string, source: string): Promise<string> {
    const registration = ItemRegistration.parse({ ...data.index, fonds: fondsCode });
    const { item } = await registerCase(db, registration, { name: source });
    await db.item.update({ where: { id: item.id }, data: { captureMode: 'historical' } });
    const withFonds = await db.item.findUniqueOrThrow({ where: { id: item.id }, include: { fonds: { include: { scheme: true } } } });
    for (const image of data.images) {
      const pageSource = `${source} ${image}`;
      if (await db.page.findFirst({ where: { itemId: item.id, source: pageSource } })) continue;
      const raw = await readImage(sourceDir, image);
      await fixPage({ item: withFonds, raw, source: pageSource, pageNumber: await nextPageNumber(db, item.id) });
    }
    await moveItem({ itemId: item.id, to: 'captured', actor: source });
    try {
      await temporal.workflow.start(verifyItem, {
        workflowId: `verify-${item.id}`,
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
  override name = 'RowError';
}

async function readImage(sourceDir: string, relative: string): Promise<Buffer> {
  const file = path.resolve(sourceDir, relative);
  if (!file.startsWith(path.resolve(sourceDir) + path.sep)) throw new RowError(`image ${relative} lies outside the batch folder`);
  try {
    return await fs.readFile(file);
  } catch {
    throw new RowError(`image ${relative} was not found in the batch folder`);
  }
}

async function progressOf(db: Db, batchId: string): Promise<ImportProgress> {
  const counts = await db.importRow.groupBy({ by: ['status'], where: { batchId }, _count: { _all: true } });
  const n = (s: string) => counts.find((c) => c.status === s)?._count._all ?? 0;
  return { total: n('pending') + n('done') + n('failed'), done: n('done'), failed: n('failed'), remaining: n('pending') };
}
