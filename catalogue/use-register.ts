import type { UseKind, UsePurpose } from '../domain/consultation';
import { Prisma, type Db } from '../prisma/client';

/** One use as the register (利用登记) lists it, with its request, requester and outcome. */
export interface UseRegisterLine {
  id: string;
  at: Date;
  kind: UseKind;
  pageNumber: number | null;
  actor: string;
  consultationId: string;
  number: string;
  requester: string;
  outsideUnit: string | null;
  purpose: UsePurpose;
  form: string;
  outcome: string | null;
  itemId: string;
  archivalCode: string | null;
  title: string;
  fonds: string;
  businessType: string;
}

export interface UseFilter {
  fondsIds: string[];
  purpose?: UsePurpose;
  kind?: UseKind;
  businessType?: string;
  consultationId?: string;
  from?: Date;
  to?: Date;
}

/** Appends one view or download to the register, with the request's purpose and the item's fonds and business type. */
export async function appendUse(
  db: Db,
  u: { consultationId: string; itemId: string; kind: UseKind; pageNumber?: number; actor: string },
): Promise<void> {
  await db.$executeRaw`
    INSERT INTO use_register_entry (consultation_id, item_id, fonds_id, business_type_id, purpose, kind, page_number, actor)
    SELECT c.id, i.id, i.fonds_id, i.business_type_id, c.purpose, ${u.kind}::"UseKind", ${u.pageNumber ?? null}::int, ${u.actor}
    FROM consultation c, item i WHERE c.id = ${u.consultationId}::uuid AND i.id = ${u.itemId}::uuid`;
}

function conditions(f: UseFilter): Prisma.Sql {
  const parts = [Prisma.sql`e.fonds_id = ANY(${f.fondsIds}::uuid[])`];
  if (f.purpose) parts.push(Prisma.sql`e.purpose = ${f.purpose}::"UsePurpose"`);
  if (f.kind) parts.push(Prisma.sql`e.kind = ${f.kind}::"UseKind"`);
  if (f.businessType) parts.push(Prisma.sql`b.code = ${f.businessType}`);
  if (f.consultationId) parts.push(Prisma.sql`e.consultation_id = ${f.consultationId}::uuid`);
  if (f.from) parts.push(Prisma.sql`e.at >= ${f.from}`);
  if (f.to) parts.push(Prisma.sql`e.at < ${f.to}`);
  return Prisma.join(parts, ' AND ');
}

/** A page of the register, newest first, after the entry `before` (keyset on the entry's id). */
export function useRegisterPage(db: Db, f: UseFilter, page: { before?: bigint; limit: number }): Promise<UseRegisterLine[]> {
  const keyset = page.before === undefined ? Prisma.empty : Prisma.sql` AND e.id < ${page.before}`;
  return db.$queryRaw<UseRegisterLine[]>`
    SELECT e.id::text, e.at, e.kind::text, e.page_number AS "pageNumber", e.actor, c.id::text AS "consultationId", c.number,
      c.requester_name AS requester, c.outside_unit AS "outsideUnit", e.purpose::text, c.form::text, c.outcome,
      i.id::text AS "itemId", i.archival_code AS "archivalCode", i.title, f.code AS fonds, b.name AS "businessType"
    FROM use_register_entry e
      JOIN consultation c ON c.id = e.consultation_id JOIN item i ON i.id = e.item_id
      JOIN fonds f ON f.id = e.fonds_id JOIN business_type b ON b.id = e.business_type_id
    WHERE ${conditions(f)}${keyset}
    ORDER BY e.id DESC LIMIT ${page.limit}`;
}

export interface UseStatistic {
  month: string;
  purpose: UsePurpose;
  businessType: string;
  uses: number;
  requests: number;
  items: number;
}

/** Uses by the agency's calendar month, purpose and business type, with how many requests and items they came from. */
export function useStatistics(db: Db, f: UseFilter, timeZone: string): Promise<UseStatistic[]> {
  return db.$queryRaw<UseStatistic[]>`
    SELECT to_char(e.at AT TIME ZONE ${timeZone}, 'YYYY-MM') AS month, e.purpose::text, b.name AS "businessType",
      count(*)::int AS uses, count(DISTINCT e.consultation_id)::int AS requests, count(DISTINCT e.item_id)::int AS items
    FROM use_register_entry e JOIN business_type b ON b.id = e.business_type_id
    WHERE ${conditions(f)}
    GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`;
}
