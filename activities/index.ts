import type { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import type { Config } from '../config';
import type { ImagingPool } from '../imaging';
import type { Db } from '../prisma/client';
import type { ObjectStore } from '../store/object-store';
import type { Signer } from '../store/signing';
import { createCaptureActivities } from './capture';
import { pageFixer } from './page-fixer';
import { createVerificationActivities, qualityRules } from './verification';
import { createImportActivities } from './import';
import { createMoveActivities } from './moves';
import { createVolumeActivities } from './volume';
import { createHandOverActivities } from './hand-over';
import { createTransferActivities } from './transfer';
import { createAccessionActivities } from './accession';
import { createInventoryActivities } from './inventory';
import { createAppraisalActivities } from './appraisal';
import { createDestructionActivities } from './destruction';
import { createConsultationActivities } from './consultation';
import { createRecognitionActivities } from './recognition';
import { createAuditChainActivities } from './audit-chain';
import { createChainCheckActivities } from './audit-chain-check';

export interface ActivityDeps {
  db: Db;
  log: Logger;
  store: ObjectStore;
  signer: Signer;
  temporal: Client;
  config: Config;
  imaging: ImagingPool;
}

/** Every activity of Lantai's main task queue, built once from their dependencies. */
export function createActivities(deps: ActivityDeps) {
  const fixPage = pageFixer({ ...deps, rules: qualityRules(deps.config) });
  const moves = createMoveActivities(deps);
  return {
    ...moves,
    ...createCaptureActivities({ ...deps, fixPage }),
    ...createVerificationActivities(deps),
    ...createImportActivities({ ...deps, fixPage, moveItem: moves.moveItem }),
    ...createVolumeActivities(deps),
    ...createHandOverActivities(deps),
    ...createTransferActivities(deps),
    ...createAccessionActivities(deps),
    ...createInventoryActivities(deps),
    ...createAppraisalActivities(deps),
    ...createDestructionActivities({ ...deps, moves }),
    ...createConsultationActivities(deps),
    ...createRecognitionActivities(deps),
    ...createAuditChainActivities(deps),
    ...createChainCheckActivities(deps),
  };
}
