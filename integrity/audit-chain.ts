import type { Logger } from 'pino';
import {
  appendLinks,
  chainHead,
  checkpointsRecorded,
  installationId,
  entriesOutsideChain,
  lastCheckpoint,
  linkAt,
  linksAfter,
  lockChain,
  recordCheckpoint,
  unlinkedEntries,
  watermark,
} from '../catalogue/audit-chain';
import { signingKeyPems } from '../catalogue/pages';
import { CHAIN_KINDS, GENESIS, checkpointStatement, linkDigest, sm3, type ChainKind, type ChainProblem } from '../domain/audit-chain';
import type { Db } from '../prisma/client';
import type { ObjectStore } from '../store/object-store';
import { verifySignature, type Signer } from '../store/signing';

/** 审计链: sealing the audit trail and the lifecycle history into their SM3 chains, signed checkpoints, and the check. */

const SEAL_BATCH = 5000;
const BACK_DATED_MS = 3_600_000;
const checkpointPrefix = (installation: string, kind: ChainKind) => `audit-chain/${installation}/${kind}/`;
export const checkpointKey = (installation: string, kind: ChainKind, seq: bigint) =>
  `${checkpointPrefix(installation, kind)}${String(seq).padStart(20, '0')}.json`;

export interface ChainDeps {
  db: Db;
  store: ObjectStore;
  log: Logger;
  /** The bucket checkpoints are written to, and how long the store keeps each one (compliance-mode Object Lock). */
  bucket: string;
  checkpointLockDays: number;
}

/** Links every entry not linked yet, in id order, batch by batch; returns how many it linked per chain. */
export async function sealChains({ db }: Pick<ChainDeps, 'db'>): Promise<Record<ChainKind, number>> {
  const sealed = { audit_event: 0, lifecycle_event: 0 };
  for (const kind of CHAIN_KINDS) {
    for (;;) {
      const n = await db.$transaction(
        async (tx) => {
          await lockChain(tx, kind);
          const head = await chainHead(tx, kind);
          const entries = await unlinkedEntries(tx, kind, await watermark(tx, kind), SEAL_BATCH);
          let previous = head?.chainSm3 ?? GENESIS;
          let high = head?.highId ?? 0n;
          const links = entries.map((e) => {
            const contentSm3 = sm3(e.content);
            previous = linkDigest(previous, kind, e.id, contentSm3);
            high = e.id > high ? e.id : high;
            return { entryId: e.id, contentSm3, chainSm3: previous, highId: high };
          });
          await appendLinks(tx, kind, links);
          return links.length;
        },
        { timeout: 120_000 },
      );
      sealed[kind] += n;
      if (n < SEAL_BATCH) break;
    }
  }
  return sealed;
}

/**
 * Signs each chain's head with SM2 and writes the statement to the store under compliance-mode Object Lock, when
 * the head has moved since the last checkpoint and that one is at least `everyMs` old.
 */
export async function checkpointChains(deps: ChainDeps & { signer: Signer; everyMs: number }): Promise<number> {
  let written = 0;
  const installation = await installationId(deps.db);
  for (const kind of CHAIN_KINDS) {
    const head = await chainHead(deps.db, kind);
    if (!head) continue;
    const last = await lastCheckpoint(deps.db, kind);
    if (last && (last.seq === head.seq || Date.now() - last.at.getTime() < deps.everyMs)) continue;
    const at = new Date().toISOString();
    const statement = checkpointStatement({ kind, seq: head.seq, entryId: head.entryId, chainSm3: head.chainSm3, at });
    const signature = deps.signer.sign(statement);
    const key = checkpointKey(installation, kind, head.seq);
    const body = Buffer.from(
      JSON.stringify({
        kind,
        seq: String(head.seq),
        entryId: String(head.entryId),
        chainSm3: head.chainSm3,
        at,
        statement,
        signature,
        signingKeyId: deps.signer.keyId,
      }),
    );
    const stored = await deps.store.put({
      bucket: deps.bucket,
      key,
      body,
      contentType: 'application/json',
      retainUntil: new Date(Date.now() + deps.checkpointLockDays * 86_400_000),
      retentionMode: 'COMPLIANCE',
    });
    await recordCheckpoint(deps.db, {
      kind,
      seq: head.seq,
      entryId: head.entryId,
      chainSm3: head.chainSm3,
      statement,
      signature,
      signingKeyId: deps.signer.keyId,
      bucket: deps.bucket,
      key,
      versionId: stored.versionId,
    });
    deps.log.info({ kind, seq: String(head.seq) }, 'audit chain checkpoint written');
    written += 1;
  }
  return written;
}

export interface ChainReport {
  kind: ChainKind;
  links: number;
  checkpoints: number;
  /** Entries above the watermark not linked yet (the sealer links them within its interval). */
  problems: ChainProblem[];
}

const MAX_PROBLEMS = 100;

/**
 * Walks each chain from its start: every linked entry read again and digested (edited, deleted), every link
 * recomputed from the one before (a rewritten link), each entry's time against the one linked before it
 * (back-dated), the entries an hour below the head that no link holds (slipped in), and each checkpoint in the
 * store, first version, against its SM2 signature and the link it names (a chain rebuilt after the fact).
 */
export async function verifyChains({ db, store, bucket }: Pick<ChainDeps, 'db' | 'store' | 'bucket'>): Promise<ChainReport[]> {
  const reports: ChainReport[] = [];
  const keys = await signingKeyPems(db);
  const installation = await installationId(db);
  for (const kind of CHAIN_KINDS) {
    const problems: ChainProblem[] = [];
    const say = (p: ChainProblem) => {
      if (problems.length < MAX_PROBLEMS) problems.push(p);
    };
    let previous = GENESIS;
    let previousAt: Date | null = null;
    let seq = 0n;
    let links = 0;
    for (;;) {
      const batch = await linksAfter(db, kind, seq, 10_000);
      for (const l of batch) {
        const at = { kind, entryId: String(l.entryId), seq: String(l.seq) };
        if (l.content === null) say({ ...at, problem: 'deleted', detail: `entry ${l.entryId} was linked and is gone` });
        else if (sm3(l.content) !== l.contentSm3)
          say({ ...at, problem: 'edited', detail: `entry ${l.entryId} no longer reads as it did when linked` });
        const expected = linkDigest(previous, kind, l.entryId, l.contentSm3);
        if (expected !== l.chainSm3)
          say({ ...at, problem: 'link_altered', detail: `link ${l.seq} does not follow from the link before it` });
        if (l.at && previousAt && previousAt.getTime() - l.at.getTime() > BACK_DATED_MS)
          say({
            ...at,
            problem: 'back_dated',
            detail: `entry ${l.entryId} is dated ${l.at.toISOString()}, over an hour before the entry linked before it`,
          });
        previous = l.chainSm3;
        previousAt = l.at ?? previousAt;
        seq = l.seq;
        links += 1;
      }
      if (batch.length < 10_000) break;
    }
    for (const e of await entriesOutsideChain(db, kind, await watermark(db, kind), MAX_PROBLEMS))
      say({
        kind,
        entryId: String(e.id),
        problem: 'inserted',
        detail: `entry ${e.id} (dated ${e.at.toISOString()}) is below the chain's head and in no link`,
      });

    const versions = (await store.listVersions(bucket, checkpointPrefix(installation, kind))).filter((v) => !v.deleteMarker);
    const first = new Map<string, (typeof versions)[number]>();
    for (const v of versions) {
      const seen = first.get(v.key);
      if (!seen || (v.lastModified && seen.lastModified && v.lastModified < seen.lastModified)) first.set(v.key, v);
    }
    for (const v of first.values()) {
      const c = JSON.parse((await store.get({ bucket, key: v.key, versionId: v.versionId })).toString('utf8')) as {
        seq: string;
        entryId: string;
        chainSm3: string;
        at: string;
        statement: string;
        signature: string;
        signingKeyId: string;
      };
      const at = { kind, entryId: c.entryId, seq: c.seq };
      const pem = keys.get(c.signingKeyId);
      const statement = checkpointStatement({ kind, seq: c.seq, entryId: c.entryId, chainSm3: c.chainSm3, at: c.at });
      if (!pem || statement !== c.statement || !verifySignature(pem, statement, c.signature)) {
        say({ ...at, problem: 'checkpoint_unsigned', detail: `checkpoint ${v.key} does not carry a valid SM2 signature of a known key` });
        continue;
      }
      const link = await linkAt(db, kind, BigInt(c.seq));
      if (!link || link.chainSm3 !== c.chainSm3 || String(link.entryId) !== c.entryId)
        say({
          ...at,
          problem: 'checkpoint_mismatch',
          detail: `the chain at link ${c.seq} is not what checkpoint ${c.at} signed: it was rebuilt`,
        });
    }
    // A checkpoint the catalogue says was written must be in the store (the installation's id changed, or another bucket).
    for (const c of await checkpointsRecorded(db, kind))
      if (!first.has(c.key))
        say({
          kind,
          entryId: String(c.entryId),
          seq: String(c.seq),
          problem: 'checkpoint_missing',
          detail: `checkpoint ${c.key} is not in the store`,
        });
    reports.push({ kind, links, checkpoints: first.size, problems });
  }
  return reports;
}
