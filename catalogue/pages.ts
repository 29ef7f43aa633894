import type { Db, Prisma } from '../prisma/client';

/** A page as fixed at capture, ready to be recorded. */
export interface FixedPage {
  itemId: string;
  pageNumber: number;
  bucket: string;
  key: string;
  versionId?: string;
  size: number;
  format: string;
  dpi: number | null;
  sha256: string;
  sm3: string;
  signature: string;
  signingKeyId: string;
  source: string;
  analysis: Prisma.InputJsonObject;
}

/** The page already recorded from this staged object or image, so a retried capture stores nothing twice. */
export function pageFromSource(db: Db, itemId: string, source: string): Promise<{ pageNumber: number } | null> {
  return db.page.findFirst({ where: { itemId, source }, select: { pageNumber: true } });
}

/** The number the item's next new page takes: one past every number it ever had, replaced pages included. */
export async function nextPageNumber(db: Db, itemId: string): Promise<number> {
  const last = await db.page.aggregate({ where: { itemId }, _max: { pageNumber: true } });
  return (last._max.pageNumber ?? 0) + 1;
}

/** Whether a current page other than the one being replaced already shows the case's slip barcode. */
export async function slipAlreadyRead(db: Db, item: { id: string; caseNumber: string }, replacing: number): Promise<boolean> {
  const pages = await db.page.findMany({
    where: { itemId: item.id, supersededAt: null, pageNumber: { not: replacing } },
    select: { analysis: true },
  });
  return pages.some((p) =>
    ((p.analysis as { barcodes?: { text: string }[] } | null)?.barcodes ?? []).some((b) => b.text.includes(item.caseNumber)),
  );
}

/**
 * Records a fixed page; a current page of the same number is superseded and stays in the item's history. The text
 * recognised on the page it replaces goes (search finds what the item's pages say now); the new page waits for its own.
 */
export async function recordFixedPage(db: Db, page: FixedPage): Promise<void> {
  await db.$transaction(async (tx) => {
    await tx.pageText.deleteMany({ where: { itemId: page.itemId, page: { pageNumber: page.pageNumber, supersededAt: null } } });
    await tx.page.updateMany({
      where: { itemId: page.itemId, pageNumber: page.pageNumber, supersededAt: null },
      data: { supersededAt: new Date() },
    });
    await tx.page.create({ data: page });
  });
}

/** The item's current pages, in page order. */
export function currentPages(db: Db, itemId: string) {
  return db.page.findMany({ where: { itemId, supersededAt: null }, orderBy: { pageNumber: 'asc' } });
}

/** Every page the item ever had, current and replaced, in page order and then as they were captured. */
export function pageHistory(db: Db, itemId: string) {
  return db.page.findMany({ where: { itemId }, orderBy: [{ pageNumber: 'asc' }, { createdAt: 'asc' }] });
}

/** The SM2 public key that signed pages, by its id. */
export function signingKey(db: Db, id: string) {
  return db.signingKey.findUnique({ where: { id } });
}

/** Every known signing key's public key (PEM), by id: pages signed by an earlier key still verify. */
export async function signingKeyPems(db: Db): Promise<Map<string, string>> {
  return new Map((await db.signingKey.findMany()).map((k) => [k.id, k.publicKeyPem]));
}

/** Bytes of the page versions the catalogue records as stored (not destroyed), by bucket: a scan of every page row. */
export async function storedBytesByBucket(db: Db): Promise<{ bucket: string; bytes: number }[]> {
  return db.$queryRaw<{ bucket: string; bytes: number }[]>`
    SELECT bucket, coalesce(sum(size), 0)::float8 AS bytes FROM page WHERE destroyed_at IS NULL GROUP BY bucket`;
}
