import {
  chainExtent,
  checkpointsRecorded,
  entriesOutsideChain,
  installationId,
  linkAt,
  linksAfter,
  watermark,
} from '../catalogue/audit-chain';
import { signingKeyPems } from '../catalogue/pages';
import { CHAIN_KINDS, checkpointStatement, linkDigest, sm3, type ChainKind, type ChainProblem } from '../domain/audit-chain';
import {
  MAX_PROBLEMS_LISTED,
  isDone,
  startOf,
  type ChainPlan,
  type ChainTally,
  type CheckPosition,
  type CheckState,
} from '../domain/chain-check';
import type { Db } from '../prisma/client';
import type { ObjectStore, ObjectVersion } from '../store/object-store';
import { verifySignature } from '../store/signing';

/**
 * The check of the 审计链, in pieces: each piece reads a bounded batch (links, entry ids, one page of the store's
 * listing) and moves a small position on, so a chain of millions of entries is checked in constant memory, and a
 * check can stop after any piece and go on from its position (the auditor's and the inventory's workflows keep it in
 * the catalogue; `./lantai verify-audit` in memory). What one chain's check looks at, in order:
 * 1. `links`: every link up to the chain's head when the check opened, its entry read again and digested (edited,
 *    deleted), the link recomputed from the one before (rewritten), the entry's time against the one before (back-dated);
 * 2. `outside`: the entries at or below the watermark that no link holds (slipped in), by ranges of ids;
 * 3. `checkpoints`: each checkpoint in the store, its first version, against its SM2 signature and the link it names
 *    (a chain rebuilt after the fact), merged in key order with those the catalogue records (one the store lacks);
 * 4. `recorded`: the recorded checkpoints after the last one the store listed, or filed elsewhere: missing too.
 */

const BACK_DATED_MS = 3_600_000;
/** Entry ids per piece of the `outside` stage, per link of a links batch: an anti-join over an index is cheap. */
const IDS_PER_LINK = 10;

export const checkpointPrefix = (installation: string, kind: ChainKind) => `audit-chain/${installation}/${kind}/`;

export interface ChainCheckDeps {
  db: Db;
  store: ObjectStore;
  /** The bucket checkpoints are written to. */
  bucket: string;
}

/** What a check opened now covers: each chain up to its head, and where it starts. */
export async function planChainCheck(db: Db): Promise<CheckState> {
  const plan: ChainPlan[] = [];
  for (const kind of CHAIN_KINDS) {
    const extent = await chainExtent(db, kind);
    plan.push({
      kind,
      upToSeq: String(extent.upToSeq),
      watermark: String(await watermark(db, kind)),
      links: extent.links,
      belowLowestId: String((extent.lowestId ?? 1n) - 1n),
    });
  }
  return {
    plan,
    position: startOf(plan[0]),
    chains: plan.map((p) => ({ kind: p.kind, links: 0, checkpoints: 0, problems: 0 })),
    problems: [],
  };
}

interface Piece {
  deps: ChainCheckDeps;
  state: CheckState;
  plan: ChainPlan;
  tally: ChainTally;
  batch: number;
  say: (problem: ChainProblem) => void;
}

/** One piece of the check: a bounded batch of the stage it is in. Returns the state after it. */
export async function checkChainPiece(deps: ChainCheckDeps, current: CheckState, batch: number): Promise<CheckState> {
  if (isDone(current)) return current;
  const state: CheckState = structuredClone(current);
  const plan = state.plan[state.position.chain]!;
  const tally = state.chains[state.position.chain]!;
  const listed = state.problems.filter((p) => p.kind === plan.kind).length;
  let room = MAX_PROBLEMS_LISTED - listed;
  const say = (problem: ChainProblem) => {
    tally.problems += 1;
    if (room-- > 0) state.problems.push(problem);
  };
  const piece: Piece = { deps, state, plan, tally, batch, say };
  const stage = state.position.stage;
  if (stage === 'links') await linksPiece(piece);
  else if (stage === 'outside') await outsidePiece(piece);
  else if (stage === 'checkpoints') await checkpointsPiece(piece);
  else await recordedPiece(piece);
  return state;
}

async function linksPiece({ deps, state, plan, tally, batch, say }: Piece): Promise<void> {
  const pos = state.position;
  const { kind } = plan;
  const links = await linksAfter(deps.db, kind, BigInt(pos.seq), BigInt(plan.upToSeq), batch);
  let previousAt = pos.previousAt === null ? null : new Date(pos.previousAt);
  for (const l of links) {
    const at = { kind, entryId: String(l.entryId), seq: String(l.seq) };
    if (l.content === null) say({ ...at, problem: 'deleted', detail: `entry ${l.entryId} was linked and is gone` });
    else if (sm3(l.content) !== l.contentSm3)
      say({ ...at, problem: 'edited', detail: `entry ${l.entryId} no longer reads as it did when linked` });
    if (linkDigest(pos.previous, kind, l.entryId, l.contentSm3) !== l.chainSm3)
      say({ ...at, problem: 'link_altered', detail: `link ${l.seq} does not follow from the link before it` });
    if (l.at && previousAt && previousAt.getTime() - l.at.getTime() > BACK_DATED_MS)
      say({
        ...at,
        problem: 'back_dated',
        detail: `entry ${l.entryId} is dated ${l.at.toISOString()}, over an hour before the entry linked before it`,
      });
    pos.previous = l.chainSm3;
    previousAt = l.at ?? previousAt;
    pos.seq = String(l.seq);
    tally.links += 1;
  }
  pos.previousAt = previousAt?.toISOString() ?? null;
  if (links.length < batch) pos.stage = 'outside';
}

async function outsidePiece({ deps, state, plan, batch, say }: Piece): Promise<void> {
  const pos = state.position;
  const after = BigInt(pos.outsideAfter);
  const top = BigInt(plan.watermark);
  const upTo = after + BigInt(batch * IDS_PER_LINK) < top ? after + BigInt(batch * IDS_PER_LINK) : top;
  const entries = after < upTo ? await entriesOutsideChain(deps.db, plan.kind, after, upTo, batch) : [];
  for (const e of entries)
    say({
      kind: plan.kind,
      entryId: String(e.id),
      problem: 'inserted',
      detail: `entry ${e.id} (dated ${e.at.toISOString()}) is below the chain's head and in no link`,
    });
  // A full batch may leave more in the range: go on after the last one found.
  pos.outsideAfter = String(entries.length === batch ? entries.at(-1)!.id : upTo);
  if (BigInt(pos.outsideAfter) >= top) pos.stage = 'checkpoints';
}

async function checkpointsPiece(piece: Piece): Promise<void> {
  const { deps, state, plan, batch } = piece;
  const pos = state.position;
  const prefix = checkpointPrefix(await installationId(deps.db), plan.kind);
  const page = await deps.store.listVersionsPage(deps.bucket, prefix, pos.listing ?? {}, Math.min(1000, batch));
  for (const v of page.versions) {
    if (pos.pending?.key === v.key) {
      if (v.lastModified && pos.pending.lastModified && v.lastModified.toISOString() < pos.pending.lastModified) pos.pending = pendingOf(v);
      continue;
    }
    if (pos.pending) await settleCheckpoint(piece, prefix, pos.pending);
    pos.pending = pendingOf(v);
  }
  pos.listing = page.next;
  if (page.next) return;
  // The listing is over, so the key it was in is complete.
  if (pos.pending) await settleCheckpoint(piece, prefix, pos.pending);
  delete pos.pending;
  pos.stage = 'recorded';
}

const pendingOf = (v: ObjectVersion) => ({ key: v.key, versionId: v.versionId, lastModified: v.lastModified?.toISOString() ?? null });

interface StoredCheckpoint {
  seq: string;
  entryId: string;
  chainSm3: string;
  at: string;
  statement: string;
  signature: string;
  signingKeyId: string;
}

/** A key the store listed, complete: the recorded ones before it that the store lacks, then its first version checked. */
async function settleCheckpoint({ deps, state, plan, tally, batch, say }: Piece, prefix: string, v: NonNullable<CheckPosition['pending']>) {
  const { kind } = plan;
  const pos = state.position;
  for (;;) {
    const lacking = await checkpointsRecorded(deps.db, kind, { prefix, after: pos.matchedUpTo, before: v.key }, batch);
    for (const c of lacking) sayMissing(say, kind, c);
    if (lacking.length < batch) break;
    pos.matchedUpTo = lacking.at(-1)!.key;
  }
  pos.matchedUpTo = v.key;
  tally.checkpoints += 1;
  const c = JSON.parse(
    (await deps.store.get({ bucket: deps.bucket, key: v.key, versionId: v.versionId })).toString('utf8'),
  ) as StoredCheckpoint;
  const at = { kind, entryId: c.entryId, seq: c.seq };
  const pem = (await signingKeyPems(deps.db)).get(c.signingKeyId);
  const statement = checkpointStatement({ kind, seq: c.seq, entryId: c.entryId, chainSm3: c.chainSm3, at: c.at });
  if (!pem || statement !== c.statement || !verifySignature(pem, statement, c.signature)) {
    say({ ...at, problem: 'checkpoint_unsigned', detail: `checkpoint ${v.key} does not carry a valid SM2 signature of a known key` });
    return;
  }
  const link = await linkAt(deps.db, kind, BigInt(c.seq));
  if (!link || link.chainSm3 !== c.chainSm3 || String(link.entryId) !== c.entryId)
    say({
      ...at,
      problem: 'checkpoint_mismatch',
      detail: `the chain at link ${c.seq} is not what checkpoint ${c.at} signed: it was rebuilt`,
    });
}

function sayMissing(say: Piece['say'], kind: ChainKind, c: { key: string; seq: bigint; entryId: bigint }) {
  say({
    kind,
    entryId: String(c.entryId),
    seq: String(c.seq),
    problem: 'checkpoint_missing',
    detail: `checkpoint ${c.key} is not in the store`,
  });
}

/** Checkpoints the catalogue records after the last key the store listed, or under another installation's prefix. */
async function recordedPiece({ deps, state, plan, batch, say }: Piece): Promise<void> {
  const pos = state.position;
  const prefix = checkpointPrefix(await installationId(deps.db), plan.kind);
  const unmatched = await checkpointsRecorded(
    deps.db,
    plan.kind,
    { prefix, after: pos.recordedAfter, unmatchedAfter: pos.matchedUpTo },
    batch,
  );
  for (const c of unmatched) sayMissing(say, plan.kind, c);
  if (unmatched.length === batch) {
    pos.recordedAfter = unmatched.at(-1)!.key;
    return;
  }
  const next = pos.chain + 1;
  state.position = { ...startOf(state.plan[next]), chain: next };
}

export interface PagePacing {
  /** Links (or checkpoints listed) per piece. */
  batch: number;
  /** Pieces per page, at most. */
  pieces: number;
  /** A page ends after the piece that passes this many milliseconds. */
  maxMs: number;
}

export const DEFAULT_PAGE: PagePacing = { batch: 5000, pieces: 40, maxMs: 60_000 };

/** A page of pieces: until the check is done, `pieces` are taken, or `maxMs` has passed; `onPiece` after each. */
export async function checkChainPage(
  deps: ChainCheckDeps,
  state: CheckState,
  pacing: PagePacing = DEFAULT_PAGE,
  onPiece: (state: CheckState) => void = () => undefined,
): Promise<CheckState> {
  const started = Date.now();
  for (let i = 0; i < pacing.pieces && !isDone(state); i++) {
    state = await checkChainPiece(deps, state, pacing.batch);
    onPiece(state);
    if (Date.now() - started >= pacing.maxMs) break;
  }
  return state;
}

/** The whole check in one go, page after page, in memory: for the command line. */
export async function verifyChains(
  deps: ChainCheckDeps,
  onPage: (state: CheckState) => void = () => undefined,
  pacing: PagePacing = DEFAULT_PAGE,
): Promise<CheckState> {
  let state = await planChainCheck(deps.db);
  while (!isDone(state)) {
    state = await checkChainPage(deps, state, pacing);
    onPage(state);
  }
  return state;
}
