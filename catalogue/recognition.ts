import type { Db } from '../prisma/client';
import type { PageReading, RecognitionOutcome } from '../contracts/recognition';

/** 全文识别 in the catalogue: the pages waiting for their text, the text kept, how far the archive has got. */

export interface WaitingPage {
  pageId: string;
  bucket: string;
  key: string;
  versionId: string | null;
}

/** The newest current pages still waiting (through the partial index of waiting pages). */
export async function waitingPages(db: Db, limit: number): Promise<WaitingPage[]> {
  return db.$queryRaw<WaitingPage[]>`
    SELECT id AS "pageId", bucket, key, version_id AS "versionId" FROM page
    WHERE recognition = 'pending' AND superseded_at IS NULL AND destroyed_at IS NULL
    ORDER BY created_at DESC, id DESC LIMIT ${limit}`;
}

/**
 * Keeps a round's outcomes in one transaction: the readings as page text (replacing an older reading of the same
 * page), failures with their reason. A page destroyed or replaced while it was being read keeps no text: its row is
 * locked first, so a destruction running at the same time either comes before (and the page is skipped) or after
 * (and deletes the text with the page).
 */
export async function keepOutcomes(db: Db, outcomes: RecognitionOutcome[]): Promise<{ kept: number; failed: number; skipped: number }> {
  const readings = outcomes.filter((o): o is { pageId: string; reading: PageReading } => 'reading' in o);
  const failures = outcomes.filter((o): o is { pageId: string; failure: string } => 'failure' in o);
  const ids = [...readings, ...failures].map((o) => o.pageId);
  if (ids.length === 0) return { kept: 0, failed: 0, skipped: 0 };
  return db.$transaction(async (tx) => {
    const live = new Set(
      (
        await tx.$queryRaw<{ id: string }[]>`
          SELECT id FROM page WHERE id = ANY(${ids}::uuid[]) AND destroyed_at IS NULL AND superseded_at IS NULL
          ORDER BY id FOR UPDATE`
      ).map((r) => r.id),
    );
    const kept = readings.filter((r) => live.has(r.pageId));
    if (kept.length) {
      const rows = kept.map((r) => ({
        page_id: r.pageId,
        engine: r.reading.engine,
        text: r.reading.text,
        lines: r.reading.lines,
        confidence: r.reading.confidence,
        milliseconds: r.reading.milliseconds,
      }));
      await tx.$executeRaw`
        INSERT INTO page_text (page_id, item_id, engine, text, lines, confidence, milliseconds, recognised_at)
        SELECT p.id, p.item_id, r.engine, r.text, r.lines, r.confidence, r.milliseconds, now()
        FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
          AS r(page_id uuid, engine text, text text, lines jsonb, confidence real, milliseconds int)
        JOIN page p ON p.id = r.page_id
        ON CONFLICT (page_id) DO UPDATE SET engine = excluded.engine, text = excluded.text, lines = excluded.lines,
          confidence = excluded.confidence, milliseconds = excluded.milliseconds, recognised_at = excluded.recognised_at`;
      await tx.page.updateMany({
        where: { id: { in: kept.map((r) => r.pageId) } },
        data: { recognition: 'recognised', recognitionError: null },
      });
    }
    const failed = failures.filter((f) => live.has(f.pageId));
    for (const f of failed)
      await tx.page.update({ where: { id: f.pageId }, data: { recognition: 'failed', recognitionError: f.failure.slice(0, 2000) } });
    return { kept: kept.length, failed: failed.length, skipped: ids.length - kept.length - failed.length };
  });
}

export interface RecognitionCounts {
  waiting: number;
  recognised: number;
  failed: number;
  /** Pages recognised in the last ten minutes. */
  lastTenMinutes: number;
  /** The newest page still waiting was stored then (null: none waiting). */
  oldestWaitingSince: Date | null;
}

export async function recognitionCounts(db: Db): Promise<RecognitionCounts> {
  const [c] = await db.$queryRaw<{ waiting: number; recognised: number; failed: number; recent: number; oldest: Date | null }[]>`
    SELECT
      (SELECT count(*)::int FROM page WHERE recognition = 'pending' AND superseded_at IS NULL AND destroyed_at IS NULL) AS waiting,
      (SELECT count(*)::int FROM page_text) AS recognised,
      (SELECT count(*)::int FROM page WHERE recognition = 'failed') AS failed,
      (SELECT count(*)::int FROM page_text WHERE recognised_at > now() - interval '10 minutes') AS recent,
      (SELECT min(created_at) FROM page WHERE recognition = 'pending' AND superseded_at IS NULL AND destroyed_at IS NULL) AS oldest`;
  return { waiting: c!.waiting, recognised: c!.recognised, failed: c!.failed, lastTenMinutes: c!.recent, oldestWaitingSince: c!.oldest };
}

/** The failed pages, newest first, with why. */
export async function failedPages(db: Db, limit: number) {
  return db.page.findMany({
    where: { recognition: 'failed' },
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    take: limit,
    select: {
      id: true,
      itemId: true,
      pageNumber: true,
      recognitionError: true,
      item: { select: { archivalCode: true, caseNumber: true } },
    },
  });
}

/** Puts failed pages back to wait (all of them, or those of one item); returns how many. */
export async function retryFailed(db: Db, itemId?: string): Promise<number> {
  const r = await db.page.updateMany({
    where: { recognition: 'failed', destroyedAt: null, ...(itemId ? { itemId } : {}) },
    data: { recognition: 'pending', recognitionError: null },
  });
  return r.count;
}

/** A current page's text, with its state when it has none yet. */
export async function pageTextOf(db: Db, itemId: string, pageNumber: number) {
  return db.page.findFirst({
    where: { itemId, pageNumber, supersededAt: null },
    select: { id: true, pageNumber: true, recognition: true, recognitionError: true, destroyedAt: true, text: true },
  });
}

/** Where a page's image is stored, and its format, for the OCR workers' link to it. */
export function pageImageRef(db: Db, pageId: string) {
  return db.page.findUnique({ where: { id: pageId }, select: { bucket: true, key: true, versionId: true, format: true } });
}
