import { ApplicationFailure, Context } from '@temporalio/activity';
import type { Logger } from 'pino';
import { itemsWhere } from '../catalogue/lifecycle';
import { packageSpecOf } from '../catalogue/transfer-packages';
import {
  finishTransfer,
  recordPackageSent,
  recordPackageWritten,
  releaseRecords,
  reserveRecords,
  selectionOf,
} from '../catalogue/transfers';
import type { Config } from '../config';
import { TransferError } from '../contracts/transfer';
import { describeLocation, type PackageLocation, type TransferReceipt } from '../domain/transfer';
import type { Db } from '../prisma/client';
import type { ObjectStore } from '../store/object-store';
import type { Signer } from '../store/signing';
import { buildPackage, checkPackage, directorySource, directoryTarget, s3Source, s3Target, type PackageReport } from '../transfer';
import { moveSelected } from './moves';

export interface TransferDeps {
  db: Db;
  store: ObjectStore;
  signer: Signer;
  config: Config;
  log: Logger;
}

export function packageTarget(store: ObjectStore, l: PackageLocation) {
  return l.kind === 's3' ? s3Target(store, l.bucket, l.prefix) : directoryTarget(l.path);
}

export function packageSource(store: ObjectStore, l: PackageLocation) {
  return l.kind === 's3' ? s3Source(store, l.bucket, l.prefix) : directorySource(l.path);
}

export function createTransferActivities({ db, store, signer, log }: TransferDeps) {
  const heartbeat = (done: number, total: number) => Context.current().heartbeat({ done, total });

  return {
    /**
     * Reserves the records of the selection: numbered items in the archive room, of the chosen years and
     * retention periods, not reserved by another transfer. A retry keeps what it already reserved.
     */
    async reserveRecords({ transferId }: { transferId: string }): Promise<{ records: number }> {
      const records = await reserveRecords(db, transferId);
      if (records === 0) {
        await finishTransfer(db, transferId, 'refused', {
          report: { passed: false, failures: [{ rule: 'selection', message: 'no record in the archive room matches the selection' }] },
        });
        throw ApplicationFailure.nonRetryable('no record in the archive room matches the selection', TransferError.NothingToTransfer);
      }
      return { records };
    },

    /** Writes the package (BagIt bag with description, catalogue, schemes, records, manifests, signed register). */
    async buildTransferPackage({ transferId }: { transferId: string }) {
      const spec = await packageSpecOf(db, transferId, (page) => store.get(page));
      const { location } = await selectionOf(db, transferId);
      const summary = await buildPackage(spec, packageTarget(store, location), signer, heartbeat);
      await recordPackageWritten(db, transferId, summary, describeLocation(location));
      log.info({ transferId, ...summary }, 'transfer package written');
      return summary;
    },

    /** The four-property checks (DA/T 70) on the package as written; a package that fails is refused, not sent. */
    async checkTransferPackage({ transferId }: { transferId: string }): Promise<PackageReport> {
      const { location } = await selectionOf(db, transferId);
      const report = await checkPackage(packageSource(store, location), { trustedKeyPems: [signer.publicKeyPem], onProgress: heartbeat });
      if (!report.passed) {
        await finishTransfer(db, transferId, 'refused', { report });
        return report;
      }
      await recordPackageSent(db, transferId, report);
      return report;
    },

    /** The receiver's receipt: accepted records pass to the city archive's custody; a rejection frees them again. */
    async settleTransfer({ transferId, receipt, actor }: { transferId: string; receipt: TransferReceipt; actor: string }): Promise<void> {
      if (receipt.accepted) {
        await moveSelected(
          db,
          { to: 'transferred', actor, reason: `transfer package ${receipt.packageId} accepted by the receiver` },
          itemsWhere(db, { transferId }),
        );
        await finishTransfer(db, transferId, 'accepted', { receipt });
      } else {
        await finishTransfer(db, transferId, 'rejected', { receipt });
      }
    },

    async releaseRecords({ transferId }: { transferId: string }): Promise<void> {
      await releaseRecords(db, transferId);
    },
  };
}
