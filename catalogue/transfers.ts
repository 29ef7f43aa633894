import type { TransferSelection } from '../domain/transfer';
import type { Db, Prisma, RetentionPeriod } from '../prisma/client';

export interface NewTransfer {
  id: string;
  fondsId: string;
  packageId: string;
  workflowId: string;
  receiver: string;
  encoding: string;
  selection: TransferSelection;
  createdBy: string;
}

/** Records a transfer asked for; its workflow reserves the records. */
export async function createTransfer(db: Db, t: NewTransfer): Promise<void> {
  await db.transfer.create({ data: { ...t, selection: t.selection as unknown as Prisma.InputJsonValue } });
}

/** Takes back a transfer whose workflow never started; it has reserved no record yet. */
export async function withdrawTransfer(db: Db, transferId: string): Promise<void> {
  await db.transfer.deleteMany({ where: { id: transferId } });
}

/** The transfer, or null. */
export function transferById(db: Db, transferId: string) {
  return db.transfer.findUnique({ where: { id: transferId } });
}

/** What the transfer takes and where its package is written. */
export async function selectionOf(db: Db, transferId: string): Promise<TransferSelection> {
  const transfer = await db.transfer.findUniqueOrThrow({ where: { id: transferId }, select: { selection: true } });
  return transfer.selection as unknown as TransferSelection;
}

/**
 * Reserves the records of the selection: numbered items in the archive room, of the chosen years and retention
 * periods, not reserved by another transfer. A second call keeps what the first reserved. Returns how many the
 * transfer holds.
 */
export async function reserveRecords(db: Db, transferId: string): Promise<number> {
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
  return reservedRecords(db, transferId);
}

/** How many records the transfer holds. */
export function reservedRecords(db: Db, transferId: string): Promise<number> {
  return db.item.count({ where: { transferId } });
}

/** Frees the records the transfer reserved and did not pass on. */
export async function releaseRecords(db: Db, transferId: string): Promise<void> {
  await db.item.updateMany({ where: { transferId, lifecycleState: { not: 'transferred' } }, data: { transferId: null } });
}

/** The package is written at `location`; its checks come next. */
export async function recordPackageWritten(db: Db, transferId: string, summary: unknown, location: string): Promise<void> {
  await db.transfer.update({
    where: { id: transferId },
    data: { status: 'checking', summary: summary as Prisma.InputJsonValue, location },
  });
}

/** The package passed its checks and is sent. */
export async function recordPackageSent(db: Db, transferId: string, report: unknown): Promise<void> {
  await db.transfer.update({ where: { id: transferId }, data: { status: 'sent', report: report as Prisma.InputJsonValue } });
}

/** Ends the transfer with its report or the receipt; unless accepted, its records are freed again. */
export async function finishTransfer(
  db: Db,
  transferId: string,
  status: 'refused' | 'accepted' | 'rejected',
  data: { report?: unknown; receipt?: unknown },
): Promise<void> {
  await db.transfer.update({
    where: { id: transferId },
    data: {
      status,
      finishedAt: new Date(),
      ...(data.report ? { report: data.report } : {}),
      ...(data.receipt ? { receipt: data.receipt } : {}),
    },
  });
  if (status !== 'accepted') await releaseRecords(db, transferId);
}

/** The transfer that sent this package, if it was sent from this installation. */
export function transferOfPackage(db: Db, packageId: string) {
  return db.transfer.findUnique({ where: { packageId }, select: { status: true, workflowId: true } });
}
