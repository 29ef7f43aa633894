import { currentPages, pageHistory, signingKey, signingKeyPems } from '../catalogue/pages';
import type { ApiContext } from '../api/context';
import { notFound } from '../api/errors';
import type { Item } from '../prisma/client';
import { fixityStatement, verifySignature } from '../store/signing';

/** An item's pages as the API shows them, and their fixity checked again against capture. */

type RecordedPage = Awaited<ReturnType<typeof pageHistory>>[number];

function statementOf(itemId: string, p: RecordedPage): string {
  return fixityStatement({
    itemId,
    pageNumber: p.pageNumber,
    bucket: p.bucket,
    key: p.key,
    size: Number(p.size),
    sha256: p.sha256,
    sm3: p.sm3,
  });
}

export async function pagesOf(ctx: ApiContext, item: Item) {
  const pages = await pageHistory(ctx.db, item.id);
  return pages.map((p) => ({
    pageNumber: p.pageNumber,
    current: p.supersededAt === null,
    bucket: p.bucket,
    key: p.key,
    versionId: p.versionId,
    size: Number(p.size),
    format: p.format,
    dpi: p.dpi,
    sha256: p.sha256,
    sm3: p.sm3,
    signed: Boolean(p.signature),
    source: p.source,
    signature: p.signature,
    signingKeyId: p.signingKeyId,
    fixityStatement: statementOf(item.id, p),
    supersededAt: p.supersededAt?.toISOString() ?? null,
    analysis: p.analysis,
  }));
}

/** Re-reads every current page and checks its digests and its SM2 signature against what was fixed at capture. */
export async function fixityOf(ctx: ApiContext, item: Item) {
  const pages = await currentPages(ctx.db, item.id);
  const keys = await signingKeyPems(ctx.db);
  const results = [];
  for (const p of pages) {
    // The version fixed at capture must still read back the same, and no other version may have replaced it.
    const fixed = { bucket: p.bucket, key: p.key, size: Number(p.size), sha256: p.sha256, sm3: p.sm3 };
    const [recorded, current] = await Promise.all([
      ctx.store.verify({ ...fixed, versionId: p.versionId ?? undefined }),
      ctx.store.verify(fixed),
    ]);
    const problems = [...new Set([...recorded.problems, ...current.problems.map((m) => `current version: ${m}`)])];
    const pem = p.signingKeyId ? keys.get(p.signingKeyId) : undefined;
    if (!p.signature || !pem) problems.push('no signature, or its key is unknown');
    else if (!verifySignature(pem, statementOf(item.id, p), p.signature))
      problems.push('the SM2 signature does not match the recorded digests');
    results.push({ pageNumber: p.pageNumber, ok: problems.length === 0, problems });
  }
  return { itemId: item.id, ok: results.every((r) => r.ok), pages: results };
}

/** The SM2 public key that signed pages, by its id. */
export async function signingKeyView(ctx: ApiContext, id: string) {
  const key = await signingKey(ctx.db, id);
  if (!key) throw notFound(`signing key ${id}`);
  return { id: key.id, algorithm: key.algorithm, publicKeyPem: key.publicKeyPem, createdAt: key.createdAt.toISOString() };
}
