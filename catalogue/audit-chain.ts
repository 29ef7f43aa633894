import { Prisma, type Db } from '../prisma/client';
import type { ChainKind } from '../domain/audit-chain';

/**
 * The chain's rows in the catalogue: each entry's content as one canonical text (the same SQL for sealing and
 * checking, so both read an entry alike), the entries not linked yet, the links in chain order.
 */

// Fields in a fixed order, separated by the unit separator; an absent value is \N, times in UTC to the millisecond.
const AT = (col: string) => `to_char(${col} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
const N = (col: string) => `coalesce(${col}, E'\\\\N')`;
const CONTENT: Record<ChainKind, string> = {
  audit_event: `concat_ws(E'\\x1f', e.id, ${AT('e.at')}, ${N('e.actor_id::text')}, e.actor, e.action, ${N('e.subject')}, e.outcome, ${N('e.reason')}, ${N('e.request_id')}, ${N('e.details::text')})`,
  lifecycle_event: `concat_ws(E'\\x1f', e.id, e.item_id, ${N('e.from_state::text')}, e.to_state::text, e.actor, ${N('e.reason')}, e.transition_id, ${AT('e.at')})`,
};
const TABLE: Record<ChainKind, string> = { audit_event: 'audit_event', lifecycle_event: 'lifecycle_event' };

export interface EntryContent {
  id: bigint;
  at: Date;
  content: string;
}

export interface Head {
  seq: bigint;
  entryId: bigint;
  chainSm3: string;
  highId: bigint;
  at: Date | null;
}

/** Serialises sealing of one chain: the lock is the transaction's, and goes with it. */
export async function lockChain(tx: Prisma.TransactionClient, kind: ChainKind): Promise<void> {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${`lantai-chain-${kind}`}))`;
}

export async function chainHead(db: Db | Prisma.TransactionClient, kind: ChainKind): Promise<Head | null> {
  const [h] = await db.$queryRaw<Head[]>(
    Prisma.sql`SELECT l.seq, l.entry_id AS "entryId", l.chain_sm3 AS "chainSm3", l.high_id AS "highId", e.at
      FROM chain_link l LEFT JOIN ${Prisma.raw(TABLE[kind])} e ON e.id = l.entry_id
      WHERE l.kind = ${kind} ORDER BY l.seq DESC LIMIT 1`,
  );
  return h ?? null;
}

/**
 * Every entry at or below this id is linked, or never will be: the highest id linked more than an hour ago. (An
 * entry whose transaction commits more than an hour after a later one was linked counts as slipped in.)
 */
export async function watermark(db: Db | Prisma.TransactionClient, kind: ChainKind): Promise<bigint> {
  const [w] = await db.$queryRaw<{ high: bigint }[]>`
    SELECT high_id AS high FROM chain_link WHERE kind = ${kind} AND sealed_at < now() - interval '1 hour'
    ORDER BY kind, sealed_at DESC LIMIT 1`;
  return w?.high ?? 0n;
}

/** Entries above the watermark not linked yet, in id order. */
export async function unlinkedEntries(
  db: Db | Prisma.TransactionClient,
  kind: ChainKind,
  above: bigint,
  limit: number,
): Promise<EntryContent[]> {
  return db.$queryRaw<EntryContent[]>(
    Prisma.sql`SELECT e.id, e.at, ${Prisma.raw(CONTENT[kind])} AS content FROM ${Prisma.raw(TABLE[kind])} e
      WHERE e.id > ${above} AND NOT EXISTS (SELECT 1 FROM chain_link l WHERE l.kind = ${kind} AND l.entry_id = e.id)
      ORDER BY e.id LIMIT ${limit}`,
  );
}

export async function appendLinks(
  tx: Prisma.TransactionClient,
  kind: ChainKind,
  links: { entryId: bigint; contentSm3: string; chainSm3: string; highId: bigint }[],
): Promise<void> {
  if (!links.length) return;
  await tx.$executeRaw`
    INSERT INTO chain_link (kind, entry_id, content_sm3, chain_sm3, high_id)
    SELECT ${kind}, u.entry_id, u.content_sm3, u.chain_sm3, u.high_id
    FROM unnest(${links.map((l) => l.entryId)}::bigint[], ${links.map((l) => l.contentSm3)}::text[],
                ${links.map((l) => l.chainSm3)}::text[], ${links.map((l) => l.highId)}::bigint[])
      WITH ORDINALITY AS u(entry_id, content_sm3, chain_sm3, high_id, n)
    ORDER BY u.n`;
}

export interface LinkWithEntry {
  seq: bigint;
  entryId: bigint;
  contentSm3: string;
  chainSm3: string;
  /** The entry as it is now; null when it is gone. */
  content: string | null;
  at: Date | null;
}

/** Links after `seq` up to `upTo`, in chain order, each with its entry's content as it is now. */
export async function linksAfter(db: Db, kind: ChainKind, seq: bigint, upTo: bigint, limit: number): Promise<LinkWithEntry[]> {
  return db.$queryRaw<LinkWithEntry[]>(
    Prisma.sql`SELECT l.seq, l.entry_id AS "entryId", l.content_sm3 AS "contentSm3", l.chain_sm3 AS "chainSm3", c.content, c.at
      FROM chain_link l
      LEFT JOIN LATERAL (SELECT ${Prisma.raw(CONTENT[kind])} AS content, e.at FROM ${Prisma.raw(TABLE[kind])} e WHERE e.id = l.entry_id) c ON true
      WHERE l.kind = ${kind} AND l.seq > ${seq} AND l.seq <= ${upTo} ORDER BY l.seq LIMIT ${limit}`,
  );
}

/** Entries with ids in (`after`, `upTo`] that no link holds, in id order: slipped in outside the chain. */
export async function entriesOutsideChain(
  db: Db,
  kind: ChainKind,
  after: bigint,
  upTo: bigint,
  limit: number,
): Promise<{ id: bigint; at: Date }[]> {
  return db.$queryRaw<{ id: bigint; at: Date }[]>(
    Prisma.sql`SELECT e.id, e.at FROM ${Prisma.raw(TABLE[kind])} e
      WHERE e.id > ${after} AND e.id <= ${upTo} AND NOT EXISTS (SELECT 1 FROM chain_link l WHERE l.kind = ${kind} AND l.entry_id = e.id)
      ORDER BY e.id LIMIT ${limit}`,
  );
}

/** What a check of the chain covers: its last link now, how many links up to it, and the lowest entry id. */
export async function chainExtent(db: Db, kind: ChainKind): Promise<{ upToSeq: bigint; links: number; lowestId: bigint | null }> {
  const [row] = await db.$queryRaw<{ upToSeq: bigint | null; links: number; lowestId: bigint | null }[]>(
    Prisma.sql`SELECT (SELECT max(seq) FROM chain_link WHERE kind = ${kind}) AS "upToSeq",
      (SELECT count(*)::int FROM chain_link WHERE kind = ${kind}) AS links,
      (SELECT min(id) FROM ${Prisma.raw(TABLE[kind])}) AS "lowestId"`,
  );
  return { upToSeq: row?.upToSeq ?? 0n, links: row?.links ?? 0, lowestId: row?.lowestId ?? null };
}

export async function linkAt(db: Db, kind: ChainKind, seq: bigint) {
  return db.chainLink.findFirst({ where: { kind, seq } });
}

export async function lastCheckpoint(db: Db | Prisma.TransactionClient, kind: ChainKind) {
  return db.chainCheckpoint.findFirst({ where: { kind }, orderBy: { seq: 'desc' } });
}

export async function recordCheckpoint(db: Db, c: Prisma.ChainCheckpointUncheckedCreateInput) {
  return db.chainCheckpoint.create({ data: c });
}

export async function linkCounts(db: Db): Promise<Record<string, number>> {
  const rows = await db.$queryRaw<{ kind: string; n: number }[]>`SELECT kind, count(*)::int AS n FROM chain_link GROUP BY kind`;
  return Object.fromEntries(rows.map((r) => [r.kind, r.n]));
}

/** This catalogue's id, under which its checkpoints are filed in the store. */
export async function installationId(db: Db): Promise<string> {
  return (await db.installation.findFirstOrThrow({ select: { id: true } })).id;
}

/**
 * Checkpoints the catalogue records for the chain, in key order (bytewise, as the store lists keys), with keys
 * after `after` and, given `before`, before it; with `outside`, only those filed under another prefix or after
 * `outside.after` under it.
 */
export async function checkpointsRecorded(
  db: Db,
  kind: ChainKind,
  range: { prefix: string; after: string; before?: string; unmatchedAfter?: string },
  limit: number,
): Promise<{ key: string; seq: bigint; entryId: bigint }[]> {
  const { prefix, after, before, unmatchedAfter } = range;
  const within =
    unmatchedAfter === undefined
      ? Prisma.sql`starts_with(key, ${prefix}) AND key COLLATE "C" > ${after}${before === undefined ? Prisma.empty : Prisma.sql` AND key COLLATE "C" < ${before}`}`
      : Prisma.sql`(NOT starts_with(key, ${prefix}) OR key COLLATE "C" > ${unmatchedAfter}) AND key COLLATE "C" > ${after}`;
  return db.$queryRaw<{ key: string; seq: bigint; entryId: bigint }[]>(
    Prisma.sql`SELECT key, seq, entry_id AS "entryId" FROM chain_checkpoint WHERE kind = ${kind} AND ${within}
      ORDER BY key COLLATE "C" LIMIT ${limit}`,
  );
}
