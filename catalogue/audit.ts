import type { Db, Prisma } from '../prisma/client';

export interface AuditEntry {
  actorId?: string;
  actor: string;
  action: string;
  subject?: string;
  outcome: 'done' | 'denied' | 'failed';
  reason?: string;
  requestId?: string;
  details?: Prisma.InputJsonObject;
}

/** Appends to the audit trail; the table refuses updates and deletes. */
export async function audit(db: Db, entry: AuditEntry): Promise<void> {
  await db.auditEvent.create({ data: { ...entry, details: entry.details } });
}

/** The newest entries of the audit trail, optionally of one subject. */
export function auditTrail(db: Db, { subject, limit }: { subject?: string; limit: number }) {
  return db.auditEvent.findMany({ where: subject ? { subject } : {}, orderBy: { id: 'desc' }, take: limit });
}
