import type { Approver, UseForm, UsePurpose } from '../domain/consultation';
import type { SecurityLevel } from '../domain/security';
import { Prisma, type Db } from '../prisma/client';

export interface NewConsultation {
  id: string;
  number: string;
  workflowId: string;
  requesterId: string;
  requesterName: string;
  outsideUnit: string | null;
  introductionLetter: string | null;
  purpose: UsePurpose;
  purposeText: string | null;
  form: UseForm;
  approverRole: Approver;
  selfService: boolean;
}

/** An item as a request needs it: what access and approval depend on, and what the requester is shown. */
export interface ItemForUse {
  id: string;
  fondsId: string;
  fondsCode: string;
  securityLevel: SecurityLevel;
  citizenId: string;
  employerCreditCode: string | null;
  archivalCode: string | null;
  title: string;
  businessType: string;
  pageCount: number;
}

/** The next number of the request sequence; the number shown is made from it and the agency's year. */
export async function nextConsultationSequence(db: Db): Promise<number> {
  const [row] = await db.$queryRaw<[{ n: bigint }]>`SELECT nextval('consultation_number_seq') AS n`;
  return Number(row.n);
}

/** The items named, those of them that exist, in the catalogue's terms. */
export function itemsForUse(db: Db, ids: string[]): Promise<ItemForUse[]> {
  return db.$queryRaw<ItemForUse[]>`
    SELECT i.id::text, i.fonds_id::text AS "fondsId", f.code AS "fondsCode", i.security_level::text AS "securityLevel",
      i.citizen_id AS "citizenId", i.employer_credit_code AS "employerCreditCode", i.archival_code AS "archivalCode",
      i.title, b.name AS "businessType",
      (SELECT count(*)::int FROM page p WHERE p.item_id = i.id AND p.superseded_at IS NULL AND p.destroyed_at IS NULL) AS "pageCount"
    FROM item i JOIN fonds f ON f.id = i.fonds_id JOIN business_type b ON b.id = i.business_type_id
    WHERE i.id = ANY(${ids}::uuid[])`;
}

/** Records the request with its items in the order named, before its workflow starts. */
export async function fileConsultation(db: Db, c: NewConsultation, itemIds: string[]): Promise<void> {
  await db.consultation.create({
    data: { ...c, items: { create: itemIds.map((itemId, position) => ({ itemId, position })) } },
  });
}

/** Takes back a request whose workflow did not start. */
export async function withdrawConsultation(db: Db, id: string): Promise<void> {
  await db.$transaction([db.consultationItem.deleteMany({ where: { consultationId: id } }), db.consultation.deleteMany({ where: { id } })]);
}

export async function consultationById(db: Db, id: string) {
  const c = await db.consultation.findUnique({
    where: { id },
    include: { items: { orderBy: { position: 'asc' } }, loans: { orderBy: { lentAt: 'asc' } } },
  });
  if (!c) return undefined;
  const { items, ...rest } = c;
  return { ...rest, itemIds: items.map((i) => i.itemId) };
}
export type ConsultationRecord = NonNullable<Awaited<ReturnType<typeof consultationById>>>;

/** The ids of the requests a user filed, newest first. */
export async function consultationsOf(db: Db, requesterId: string, limit: number): Promise<string[]> {
  const rows = await db.consultation.findMany({
    where: { requesterId },
    orderBy: { createdAt: 'desc' },
    take: limit,
    select: { id: true },
  });
  return rows.map((r) => r.id);
}

/** The ids of the requests awaiting approval that name an item of one of the fonds, oldest first. */
export async function consultationsAwaiting(db: Db, fondsIds: string[], limit: number): Promise<string[]> {
  const rows = await db.$queryRaw<{ id: string }[]>`
    SELECT c.id::text FROM consultation c
    WHERE c.status = 'awaiting_approval' AND EXISTS (
      SELECT 1 FROM consultation_item ci JOIN item i ON i.id = ci.item_id WHERE ci.consultation_id = c.id AND i.fonds_id = ANY(${fondsIds}::uuid[]))
    ORDER BY c.created_at LIMIT ${limit}`;
  return rows.map((r) => r.id);
}

/**
 * The approval: a grant per item to the requester until `expiresAt`, made once however often it is retried, and
 * the request marked approved, together.
 */
export async function grantConsultation(
  db: Db,
  g: { consultationId: string; decidedBy: string; decidedById: string; expiresAt: Date; reason: string },
): Promise<void> {
  await db.$transaction(async (tx) => {
    const c = await tx.consultation.findUniqueOrThrow({ where: { id: g.consultationId }, include: { items: true } });
    if (c.status !== 'awaiting_approval') return;
    await tx.accessGrant.createMany({
      data: c.items.map((i) => ({
        userId: c.requesterId,
        itemId: i.itemId,
        grantedById: g.decidedById,
        reason: g.reason,
        expiresAt: g.expiresAt,
        consultationId: c.id,
      })),
    });
    await tx.consultation.update({
      where: { id: c.id },
      data: { status: 'approved', decidedBy: g.decidedBy, decidedAt: new Date(), expiresAt: g.expiresAt },
    });
  });
}

export async function refuseConsultation(db: Db, r: { consultationId: string; decidedBy: string; reason: string }): Promise<void> {
  await db.consultation.updateMany({
    where: { id: r.consultationId, status: 'awaiting_approval' },
    data: { status: 'refused', decidedBy: r.decidedBy, decidedAt: new Date(), refusalReason: r.reason },
  });
}

/** The renewal: every grant of the request, and each paper still out, runs until the new time. */
export async function extendConsultation(db: Db, consultationId: string, expiresAt: Date): Promise<void> {
  await db.$transaction([
    db.accessGrant.updateMany({ where: { consultationId }, data: { expiresAt } }),
    db.paperLoan.updateMany({ where: { consultationId, returnedAt: null }, data: { dueAt: expiresAt } }),
    db.consultation.update({ where: { id: consultationId }, data: { expiresAt, renewedAt: new Date() } }),
  ]);
}

/** The end of the time limit: no grant of the request runs past now, and the request is expired. */
export async function endConsultationAccess(db: Db, consultationId: string): Promise<void> {
  await db.$transaction([
    db.$executeRaw`UPDATE access_grant SET expires_at = least(expires_at, now()) WHERE consultation_id = ${consultationId}::uuid`,
    db.consultation.updateMany({ where: { id: consultationId, status: 'approved' }, data: { status: 'expired' } }),
  ]);
}

export async function closeConsultation(db: Db, consultationId: string): Promise<void> {
  await db.consultation.updateMany({ where: { id: consultationId, status: { in: ['approved', 'expired'] } }, data: { status: 'closed' } });
}

/** When the user's grant of this request to this item ends, if it is still running; null when there is none. */
export async function liveGrantUntil(db: Db, g: { consultationId: string; userId: string; itemId: string }): Promise<Date | null> {
  const grant = await db.accessGrant.findFirst({
    where: { consultationId: g.consultationId, userId: g.userId, itemId: g.itemId, expiresAt: { gt: new Date() } },
    orderBy: { expiresAt: 'desc' },
  });
  return grant?.expiresAt ?? null;
}

/** 利用效果: what the use achieved, as the requester or the archivist records it. */
export async function recordOutcome(db: Db, consultationId: string, o: { outcome: string; by: string }): Promise<void> {
  await db.consultation.update({ where: { id: consultationId }, data: { outcome: o.outcome, outcomeBy: o.by, outcomeAt: new Date() } });
}

/** The loans, each written to the use register as a lending, once however often it is retried. */
export async function recordLoans(db: Db, l: { consultationId: string; itemIds: string[]; actor: string; dueAt: Date }): Promise<void> {
  await db.$executeRaw`
    WITH lent AS (
      INSERT INTO paper_loan (consultation_id, item_id, lent_by, due_at)
      SELECT ${l.consultationId}::uuid, unnest(${l.itemIds}::uuid[]), ${l.actor}, ${l.dueAt}
      ON CONFLICT DO NOTHING RETURNING consultation_id, item_id)
    INSERT INTO use_register_entry (consultation_id, item_id, fonds_id, business_type_id, purpose, kind, actor)
    SELECT c.id, i.id, i.fonds_id, i.business_type_id, c.purpose, 'lend', ${l.actor}
    FROM lent JOIN consultation c ON c.id = lent.consultation_id JOIN item i ON i.id = lent.item_id`;
}

/** The return, checked face to face: who took it back and the condition the paper came back in. */
export async function recordReturn(db: Db, r: { consultationId: string; itemId: string; actor: string; condition: string }): Promise<void> {
  await db.$executeRaw`
    WITH returned AS (
      UPDATE paper_loan SET returned_at = now(), returned_to = ${r.actor}, condition = ${r.condition}
      WHERE consultation_id = ${r.consultationId}::uuid AND item_id = ${r.itemId}::uuid AND returned_at IS NULL
      RETURNING consultation_id, item_id)
    INSERT INTO use_register_entry (consultation_id, item_id, fonds_id, business_type_id, purpose, kind, actor)
    SELECT c.id, i.id, i.fonds_id, i.business_type_id, c.purpose, 'return', ${r.actor}
    FROM returned JOIN consultation c ON c.id = returned.consultation_id JOIN item i ON i.id = returned.item_id`;
}

/**
 * Papers still out after their due date: each is marked reminded (or escalated) and becomes a task of its fonds, once:
 * a reminder for the archivists, an escalation for the archive manager.
 */
export async function flagOverdueLoans(
  db: Db,
  o: { consultationId: string; itemIds: string[]; stage: 'reminded' | 'escalated'; title: (code: string) => string; detail: string },
): Promise<number> {
  return db.$transaction(async (tx) => {
    const marked = await tx.$queryRaw<{ itemId: string; fondsId: string; code: string }[]>`
      UPDATE paper_loan l SET ${o.stage === 'reminded' ? Prisma.sql`reminded_at` : Prisma.sql`escalated_at`} = now()
      FROM item i
      WHERE l.item_id = i.id AND l.consultation_id = ${o.consultationId}::uuid AND l.item_id = ANY(${o.itemIds}::uuid[])
        AND l.returned_at IS NULL AND ${o.stage === 'reminded' ? Prisma.sql`l.reminded_at` : Prisma.sql`l.escalated_at`} IS NULL
      RETURNING l.item_id::text AS "itemId", i.fonds_id::text AS "fondsId", coalesce(i.archival_code, i.case_number) AS code`;
    await tx.archivistTask.createMany({
      data: marked.map((m) => ({
        fondsId: m.fondsId,
        kind: o.stage === 'reminded' ? 'loan_overdue' : 'loan_overdue_escalated',
        itemId: m.itemId,
        source: `consultation:${o.consultationId}`,
        title: o.title(m.code),
        detail: o.detail,
      })),
    });
    return marked.length;
  });
}
