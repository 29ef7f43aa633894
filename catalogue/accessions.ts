import type { PackageLocation } from '../domain/transfer';
import type { Db, Prisma } from '../prisma/client';
import type { PackageReport } from '../transfer';
import type { ReceivedRecord } from '../transfer/types';

export interface NewAccession {
  id: string;
  packageId: string;
  workflowId: string;
  source: PackageLocation;
  receivedBy: string;
}

/** Records a package received; its workflow checks it. */
export async function createAccession(db: Db, a: NewAccession): Promise<void> {
  await db.accession.create({ data: { ...a, source: JSON.stringify(a.source) } });
}

/** Takes back an accession whose checks never started. */
export async function withdrawAccession(db: Db, accessionId: string): Promise<void> {
  await db.accession.deleteMany({ where: { id: accessionId } });
}

/** The accession with where its package lies, or null. */
export async function accessionById(db: Db, accessionId: string) {
  const a = await db.accession.findUnique({ where: { id: accessionId }, include: { _count: { select: { entries: true } } } });
  return a && { ...a, source: JSON.parse(a.source) as PackageLocation, recordsAccepted: a._count.entries };
}

export async function accessionToCheck(db: Db, accessionId: string) {
  const a = await db.accession.findUniqueOrThrow({ where: { id: accessionId } });
  return { ...a, source: JSON.parse(a.source) as PackageLocation };
}

/** Sender keys the receiver knows: the public keys registered in this catalogue. */
export async function registeredKeyPems(db: Db): Promise<string[]> {
  return (await db.signingKey.findMany({ select: { publicKeyPem: true } })).map((k) => k.publicKeyPem);
}

/** The checks' outcome on receipt: a package that failed them is rejected here; one that passed waits to be accepted. */
export async function recordAccessionChecked(
  db: Db,
  accessionId: string,
  checked: { packageId: string; report: PackageReport; receiptLocation: string },
): Promise<void> {
  const { report } = checked;
  await db.accession.update({
    where: { id: accessionId },
    data: {
      packageId: checked.packageId,
      report: report as unknown as Prisma.InputJsonValue,
      receiptLocation: checked.receiptLocation,
      status: report.passed ? 'checking' : 'rejected',
      decidedAt: report.passed ? null : new Date(),
      records: report.records,
    },
  });
}

/** The package's records enter custody and the accession is accepted, together; a record already entered is kept. */
export async function acceptRecords(db: Db, accessionId: string, records: ReceivedRecord[]): Promise<void> {
  await db.$transaction([
    db.accessionRecord.createMany({
      data: records.map((r) => ({
        accessionId,
        archivalCode: r.archivalCode,
        itemId: r.itemId,
        title: r.title,
        files: r.files.length,
        bytes: BigInt(r.files.reduce((n, f) => n + f.size, 0)),
        metadata: r,
      })),
      skipDuplicates: true,
    }),
    db.accession.update({ where: { id: accessionId }, data: { status: 'accepted', decidedAt: new Date() } }),
  ]);
}
