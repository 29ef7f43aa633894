import type { Logger } from 'pino';
import type { Config } from '../config';
import { checkpointChains, sealChains } from '../integrity/audit-chain';
import type { Db } from '../prisma/client';
import type { ObjectStore } from '../store/object-store';
import type { Signer } from '../store/signing';

export interface AuditChainDeps {
  db: Db;
  log: Logger;
  store: ObjectStore;
  signer: Signer;
  config: Config;
}

export function createAuditChainActivities({ db, log, store, signer, config }: AuditChainDeps) {
  return {
    async sealAuditChains(): Promise<{ linked: Record<string, number>; checkpoints: number }> {
      const linked = await sealChains({ db });
      const checkpoints = await checkpointChains({
        db,
        store,
        log,
        signer,
        bucket: config.s3.buckets.packages,
        checkpointLockDays: config.permanentLockYears * 365,
        everyMs: config.auditCheckpointMs,
      });
      if (linked.audit_event || linked.lifecycle_event || checkpoints) log.info({ linked, checkpoints }, 'audit chain sealed');
      return { linked, checkpoints };
    },
  };
}
