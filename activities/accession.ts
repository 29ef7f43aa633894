import fs from 'node:fs/promises';
import path from 'node:path';
import { Context } from '@temporalio/activity';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { Logger } from 'pino';
import { acceptRecords, accessionToCheck, recordAccessionChecked, registeredKeyPems } from '../catalogue/accessions';
import { transferOfPackage } from '../catalogue/transfers';
import type { PackageLocation, TransferReceipt } from '../domain/transfer';
import type { Db } from '../prisma/client';
import type { ObjectStore } from '../store/object-store';
import type { Signer } from '../store/signing';
import { checkPackage, readPackageRecords } from '../transfer';
import { recordReceipt } from '../contracts/transfer';
import { packageSource } from './transfer';

export interface AccessionDeps {
  db: Db;
  store: ObjectStore;
  signer: Signer;
  temporal: Client;
  log: Logger;
}

/** The receiving side (接收): every check re-run on the package as it arrived; the receipt kept beside it. */
export function createAccessionActivities({ db, store, signer, temporal, log }: AccessionDeps) {
  return {
    async checkReceivedPackage({ accessionId }: { accessionId: string }): Promise<TransferReceipt> {
      const accession = await accessionToCheck(db, accessionId);
      const report = await checkPackage(packageSource(store, accession.source), {
        trustedKeyPems: await registeredKeyPems(db),
        onProgress: (done, total) => Context.current().heartbeat({ done, total }),
      });
      const receipt: TransferReceipt = {
        accessionId,
        packageId: report.packageId ?? accession.packageId,
        accepted: report.passed,
        receivedBy: accession.receivedBy,
        receivedAt: new Date().toISOString(),
        records: report.records,
        failures: report.failures,
      };
      const receiptLocation = await keepReceipt(accession.source, receipt);
      await recordAccessionChecked(db, accessionId, { packageId: receipt.packageId, report, receiptLocation });
      log.info(
        { accessionId, packageId: receipt.packageId, passed: report.passed, failures: report.failures.length },
        'transfer package checked on receipt',
      );
      return receipt;
    },

    /** The package's records enter the receiver's custody. */
    async acceptIntoCustody({ accessionId }: { accessionId: string }): Promise<{ records: number }> {
      const accession = await accessionToCheck(db, accessionId);
      const records = await readPackageRecords(packageSource(store, accession.source));
      await acceptRecords(db, accessionId, records);
      return { records: records.length };
    },

    /** Hands the receipt to the sending transfer when it runs in this installation; a package from elsewhere has none here. */
    async notifySender({ receipt }: { receipt: TransferReceipt }): Promise<{ notified: boolean }> {
      const transfer = await transferOfPackage(db, receipt.packageId);
      if (!transfer || transfer.status !== 'sent') return { notified: false };
      try {
        await temporal.workflow.getHandle(transfer.workflowId).executeUpdate(recordReceipt, { args: [receipt] });
        return { notified: true };
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) return { notified: false };
        throw err;
      }
    },
  };

  /** Writes the receipt, signed with SM2, next to the package (never inside the bag, which would change it). */
  async function keepReceipt(location: PackageLocation, receipt: TransferReceipt): Promise<string> {
    const body = Buffer.from(JSON.stringify(receipt, null, 2));
    const signature = signer.signBytes(body);
    if (location.kind === 's3') {
      const key = `receipts/${receipt.packageId}/${receipt.accessionId}.json`;
      await store.put({ bucket: location.bucket, key, body, contentType: 'application/json' });
      await store.put({ bucket: location.bucket, key: `${key}.sig`, body: signature, contentType: 'application/octet-stream' });
      return `s3://${location.bucket}/${key}`;
    }
    const file = path.join(
      path.dirname(path.resolve(location.path)),
      `${path.basename(location.path)}.receipt-${receipt.accessionId}.json`,
    );
    await fs.writeFile(file, body);
    await fs.writeFile(`${file}.sig`, signature);
    return file;
  }
}
