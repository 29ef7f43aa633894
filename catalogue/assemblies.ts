import type { StoredDocument } from '../contracts/volume';
import type { AssemblyScope } from '../domain/volume';
import type { Db, Prisma } from '../prisma/client';

/** Boxes as an assembly lists them: by year, retention, then number. */
export const BOX_ORDER: Prisma.BoxOrderByWithRelationInput[] = [{ year: 'asc' }, { retentionPeriod: 'asc' }, { boxNumber: 'asc' }];

export interface NewAssembly {
  id: string;
  fondsId: string;
  workflowId: string;
  requestedBy: string;
  scope: AssemblyScope;
}

/** Records an assembly asked for; its workflow numbers it. */
export async function createAssembly(db: Db, a: NewAssembly): Promise<void> {
  await db.volumeAssembly.create({
    data: {
      id: a.id,
      fondsId: a.fondsId,
      workflowId: a.workflowId,
      requestedBy: a.requestedBy,
      scope: { years: a.scope.years, retentionPeriods: a.scope.retentionPeriods },
      status: 'numbering',
    },
  });
}

/** Takes back an assembly whose workflow never started; it has numbered and boxed nothing yet. */
export async function withdrawAssembly(db: Db, assemblyId: string): Promise<void> {
  await db.volumeAssembly.deleteMany({ where: { id: assemblyId } });
}

/** The assembly with its fonds and the fonds' scheme, as numbering needs them. */
export async function assemblyToNumber(db: Db, assemblyId: string) {
  const assembly = await db.volumeAssembly.findUniqueOrThrow({
    where: { id: assemblyId },
    include: { fonds: { include: { scheme: true } } },
  });
  return { ...assembly, scope: assembly.scope as AssemblyScope };
}

/** Counts the assembly's boxes and their items and records it as numbered. */
export async function recordNumbered(db: Db, assemblyId: string): Promise<{ items: number; boxes: number }> {
  const totals = await db.box.aggregate({ where: { assemblyId }, _count: true, _sum: { itemCount: true } });
  const result = { items: totals._sum.itemCount ?? 0, boxes: totals._count };
  await db.volumeAssembly.update({
    where: { id: assemblyId },
    data: { status: 'numbered', itemCount: result.items, boxCount: result.boxes },
  });
  return result;
}

export async function recordAssemblyDocuments(db: Db, assemblyId: string, documents: StoredDocument[]): Promise<void> {
  await db.volumeAssembly.update({ where: { id: assemblyId }, data: { documents: documents as unknown as Prisma.InputJsonValue } });
}

/** Ends the assembly: assembled, or failed with the reason. */
export async function finishAssembly(db: Db, assemblyId: string, error?: string): Promise<void> {
  await db.volumeAssembly.update({
    where: { id: assemblyId },
    data: { status: error ? 'failed' : 'assembled', error, finishedAt: new Date() },
  });
}

/** The assembly with its boxes and their shelf places, or null. */
export async function assemblyWithBoxes(db: Db, assemblyId: string) {
  const assembly = await db.volumeAssembly.findUnique({
    where: { id: assemblyId },
    include: { boxes: { orderBy: BOX_ORDER, include: { location: true } } },
  });
  return assembly && { ...assembly, documents: (assembly.documents as StoredDocument[] | null) ?? [] };
}

/** The assembly's fonds and the documents it printed, or null. */
export async function assemblyDocuments(db: Db, assemblyId: string): Promise<{ fondsId: string; documents: StoredDocument[] } | null> {
  const assembly = await db.volumeAssembly.findUnique({ where: { id: assemblyId }, select: { fondsId: true, documents: true } });
  return assembly && { fondsId: assembly.fondsId, documents: (assembly.documents as StoredDocument[] | null) ?? [] };
}
