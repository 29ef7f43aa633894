import type { Logger } from 'pino';
import {
  appendLinks,
  chainHead,
  installationId,
  lastCheckpoint,
  lockChain,
  recordCheckpoint,
  unlinkedEntries,
  watermark,
} from '../catalogue/audit-chain';
import { CHAIN_KINDS, GENESIS, checkpointStatement, linkDigest, sm3, type ChainKind } from '../domain/audit-chain';
import type { Db } from '../prisma/client';
import type { ObjectStore } from '../store/object-store';
import type { Signer } from '../store/signing';
import { checkpointPrefix } from './chain-check';

/** 审计链: sealing the audit trail and the lifecycle history into their SM3 chains, and signed checkpoints (the check: chain-check.ts). */

const SEAL_BATCH = 5000;
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
