import { defineAbilityFor, type Actor } from '../api/access';
import { deny } from '../api/authorise';
import type { ApiContext } from '../api/context';
import { badRequest } from '../api/errors';
import { fondsByCode } from '../catalogue/fonds';
import { useRegisterPage, useStatistics, type UseFilter } from '../catalogue/use-register';
import { USE_KIND_LABELS, USE_PURPOSE_LABELS, type UseKind, type UsePurpose } from '../domain/consultation';
import { zonedParts } from '../documents/time';
import { useRegisterToXlsx } from '../documents/use-register-xlsx';

export interface UseQuery {
  fonds?: string;
  purpose?: UsePurpose;
  kind?: UseKind;
  businessType?: string;
  consultation?: string;
  from?: string;
  to?: string;
}

/** The most lines one workbook holds; a longer register is exported month by month. */
export const EXPORT_LIMIT = 50_000;

/** The register is read by the archive's staff and auditors, of their own fonds (or the one named, if theirs). */
async function filterFor(ctx: ApiContext, actor: Actor, q: UseQuery, requestId: string): Promise<UseFilter> {
  if (!defineAbilityFor(actor).can('read', 'UseRegister'))
    await deny(
      ctx,
      actor,
      'read',
      'use_register',
      'the use register is read by archivists, the archive manager, the agency head and auditors',
      requestId,
    );
  let fondsIds = actor.fondsIds;
  if (q.fonds) {
    const fonds = await fondsByCode(ctx.db, q.fonds);
    if (!fonds) throw badRequest(`fonds: no fonds has code ${q.fonds}`, [{ field: 'fonds', problem: 'unknown fonds' }]);
    if (!fondsIds.includes(fonds.id))
      await deny(ctx, actor, 'read', `fonds:${fonds.code}`, `fonds ${fonds.code} is not among your fonds`, requestId);
    fondsIds = [fonds.id];
  }
  // Days are the agency's calendar days: a day starts at midnight in its time zone.
  const day = (v: string | undefined) =>
    v ? new Date(`${v}T00:00:00${zonedParts(new Date(`${v}T12:00:00Z`), ctx.config.timeZone).offset}`) : undefined;
  const from = day(q.from);
  const to = q.to ? new Date(day(q.to)!.getTime() + 86_400_000) : undefined;
  if (from && to && from >= to) throw badRequest('from: must be on or before to', [{ field: 'from', problem: 'after to' }]);
  return { fondsIds, purpose: q.purpose, kind: q.kind, businessType: q.businessType, consultationId: q.consultation, from, to };
}

export async function listUses(ctx: ApiContext, actor: Actor, q: UseQuery & { before?: string; limit: number }, requestId: string) {
  const filter = await filterFor(ctx, actor, q, requestId);
  const entries = await useRegisterPage(ctx.db, filter, { before: q.before ? BigInt(q.before) : undefined, limit: q.limit });
  return {
    entries: entries.map((e) => ({ ...e, kindLabel: USE_KIND_LABELS[e.kind], purposeLabel: USE_PURPOSE_LABELS[e.purpose] })),
    next: entries.length === q.limit ? entries[entries.length - 1]!.id : null,
  };
}

export async function useStats(ctx: ApiContext, actor: Actor, q: UseQuery, requestId: string) {
  const rows = await useStatistics(ctx.db, await filterFor(ctx, actor, q, requestId), ctx.config.timeZone);
  return { rows: rows.map((r) => ({ ...r, purposeLabel: USE_PURPOSE_LABELS[r.purpose] })) };
}

/** The register and its statistics as a workbook (利用登记 and 利用统计). */
export async function exportUses(ctx: ApiContext, actor: Actor, q: UseQuery, requestId: string): Promise<Buffer> {
  const filter = await filterFor(ctx, actor, q, requestId);
  const entries = await useRegisterPage(ctx.db, filter, { limit: EXPORT_LIMIT + 1 });
  if (entries.length > EXPORT_LIMIT)
    throw badRequest(`the register holds more than ${EXPORT_LIMIT} uses for these filters; narrow them (from, to)`, [
      { field: 'from', problem: 'too many uses' },
    ]);
  return useRegisterToXlsx(entries, await useStatistics(ctx.db, filter, ctx.config.timeZone), ctx.config.timeZone);
}
