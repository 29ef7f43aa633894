import { SECURITY_LEVEL_LABELS } from '../domain/security';
import type { Db } from '../prisma/client';
import type { ObjectRef } from '../store/object-store';
import type { PackageRecord, PackageSpec } from '../transfer';

/**
 * The package's content from the catalogue: the reserved records in code order, their current pages (each read
 * by `readPage` when the package is written), the scheme and the naming rules.
 */
export async function packageSpecOf(db: Db, transferId: string, readPage: (page: ObjectRef) => Promise<Buffer>): Promise<PackageSpec> {
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
      read: () => readPage({ bucket: p.bucket, key: p.key, versionId: p.versionId ?? undefined }),
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
