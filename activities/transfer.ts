import { SECURITY_LEVEL_LABELS } from '../domain/security';
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { Logger } from 'pino';
import type { Config } from '../config';
import { describeLocation, type PackageLocation, type TransferReceipt, type TransferSelection } from '../domain/transfer';
import type { Db, Prisma, RetentionPeriod } from '../prisma/client';
import type { ObjectStore } from '../store/object-store';
import type { Signer } from '../store/signing';
import {
  buildPackage,
  checkPackage,
  directorySource,
  directoryTarget,
  s3Source,
  s3Target,
  type PackageRecord,
  type PackageReport,
  type PackageSpec,
} from '../transfer';
import { moveSelected } from './moves';
import { itemsWhere } from '../catalogue/lifecycle';
import { TransferError } from '../contracts/transfer';

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
      const transfer = await db.transfer.findUniqueOrThrow({ where: { id: transferId } });
      const selection = transfer.selection as unknown as TransferSelection;
      await db.item.updateMany({
        where: {
          fondsId: transfer.fondsId,
          transferId: null,
          lifecycleState: 'in_archive_room',
          itemNumber: { not: null },
          year: { in: selection.years },
          retentionPeriod: { in: selection.retentionPeriods as RetentionPeriod[] },
        },
        data: { transferId },
      });
      const records = await db.item.count({ where: { transferId } });
      if (records === 0) {
        await finish(transferId, 'refused', {
          report: { passed: false, failures: [{ rule: 'selection', message: 'no record in the archive room matches the selection' }] },
        });
        throw ApplicationFailure.nonRetryable('no record in the archive room matches the selection', TransferError.NothingToTransfer);
      }
      return { records };
    },

    /** Writes the package (BagIt bag with description, catalogue, schemes, records, manifests, signed register). */
    async buildTransferPackage({ transferId }: { transferId: string }) {
      const spec = await packageSpecOf(db, store, transferId);
      const transfer = await db.transfer.findUniqueOrThrow({ where: { id: transferId } });
      const { location } = transfer.selection as unknown as TransferSelection;
      const summary = await buildPackage(spec, packageTarget(store, location), signer, heartbeat);
      await db.transfer.update({
        where: { id: transferId },
        data: { status: 'checking', summary: summary as unknown as Prisma.InputJsonValue, location: describeLocation(location) },
      });
      log.info({ transferId, ...summary }, 'transfer package written');
      return summary;
    },

    /** The four-property checks (DA/T 70) on the package as written; a package that fails is refused, not sent. */
    async checkTransferPackage({ transferId }: { transferId: string }): Promise<PackageReport> {
      const transfer = await db.transfer.findUniqueOrThrow({ where: { id: transferId } });
      const { location } = transfer.selection as unknown as TransferSelection;
      const report = await checkPackage(packageSource(store, location), { trustedKeyPems: [signer.publicKeyPem], onProgress: heartbeat });
      if (!report.passed) {
        await finish(transferId, 'refused', { report });
        return report;
      }
      await db.transfer.update({ where: { id: transferId }, data: { status: 'sent', report: report as unknown as Prisma.InputJsonValue } });
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
        await finish(transferId, 'accepted', { receipt });
      } else {
        await finish(transferId, 'rejected', { receipt });
      }
    },

    async releaseRecords({ transferId }: { transferId: string }): Promise<void> {
      await db.item.updateMany({ where: { transferId, lifecycleState: { not: 'transferred' } }, data: { transferId: null } });
    },
  };

  async function finish(transferId: string, status: 'refused' | 'accepted' | 'rejected', data: { report?: unknown; receipt?: unknown }) {
    await db.transfer.update({
      where: { id: transferId },
      data: {
        status,
        finishedAt: new Date(),
        ...(data.report ? { report: data.report } : {}),
        ...(data.receipt ? { receipt: data.receipt } : {}),
      },
    });
    if (status !== 'accepted')
      await db.item.updateMany({ where: { transferId, lifecycleState: { not: 'transferred' } }, data: { transferId: null } });
  }
}

/** The package's content from the catalogue: the reserved records in code order, their current pages, the scheme and naming rules. */
async function packageSpecOf(db: Db, store: ObjectStore, transferId: string): Promise<PackageSpec> {
  const transfer = await db.transfer.findUniqueOrThrow({
    where: { id: transferId },
    include: {
      fonds: { include: { agency: true, scheme: { include: { nodes: { orderBy: { path: 'asc' }, include: { businessTypes: true } } } } } },
    },
  });
  const { fonds } = transfer;
  const items = await db.item.findMany({
    where: { transferId },
    orderBy: [{ year: 'asc' }, { retentionPeriod: 'asc' }, { itemNumber: 'asc' }],
    include: {
      businessType: true,
      handlingOffice: true,
      box: true,
      pages: { where: { supersededAt: null }, orderBy: { pageNumber: 'asc' } },
    },
  });
  const records: PackageRecord[] = items.map((item) => ({
    itemId: item.id,
    archivalCode: item.archivalCode!,
    fondsCode: fonds.code,
    category: fonds.scheme.category,
    year: item.year,
    retentionPeriod: item.retentionPeriod,
    orgCode: fonds.orgCode,
    itemNumber: item.itemNumber!,
    title: item.title,
    caseNumber: item.caseNumber,
    citizenId: item.citizenId,
    personName: item.personName,
    employerName: item.employerName ?? undefined,
    businessTypeCode: item.businessType.code,
    businessTypeName: item.businessType.name,
    handledOn: item.handledOn.toISOString().slice(0, 10),
    handlingOffice: item.handlingOffice.name,
    clerkName: item.clerkName,
    securityLevel: SECURITY_LEVEL_LABELS[item.securityLevel],
    boxNumber: item.box?.boxNumber,
    files: item.pages.map((p) => ({
      pageNumber: p.pageNumber,
      fileName: `${String(p.pageNumber).padStart(4, '0')}.${p.format === 'jpeg' ? 'jpg' : p.format}`,
      format: p.format,
      size: Number(p.size),
      sha256: p.sha256,
      sm3: p.sm3,
      captureSignature: p.signature ?? undefined,
      signingKeyId: p.signingKeyId ?? undefined,
      read: () => store.get({ bucket: p.bucket, key: p.key, versionId: p.versionId ?? undefined }),
    })),
  }));
  return {
    packageId: transfer.packageId,
    createdAt: transfer.createdAt.toISOString(),
    sender: { agencyCode: fonds.agency.code, agencyName: fonds.agency.name, fondsCode: fonds.code, fondsName: fonds.name },
    receiver: { name: transfer.receiver },
    handedOverBy: transfer.createdBy,
    encoding: transfer.encoding as PackageSpec['encoding'],
    scheme: {
      name: fonds.scheme.name,
      category: fonds.scheme.category,
      nodes: fonds.scheme.nodes.map((n) => ({ code: n.code, name: n.name, path: n.path })),
      businessTypes: fonds.scheme.nodes.flatMap((n) =>
        n.businessTypes.map((b) => ({ code: b.code, name: b.name, nodePath: n.path, defaultRetention: b.defaultRetention })),
      ),
    },
    namingRules: {
      referenceCodeTemplate: fonds.referenceCodeTemplate,
      fileNaming: '{archivalCode}/{page:4}.{ext}: the item’s archival code, then the page number (DA/T 31-2017)',
    },
    records,
  };
}
