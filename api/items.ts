import { z } from 'zod';
import { maskCitizenId } from '../domain/citizen-id';
import { LIFECYCLE_STATES } from '../domain/lifecycle';
import type { Role } from '../domain/roles';
import { SECURITY_LEVELS } from '../domain/security';
import type { Item } from '../prisma/client';
import { historyOf } from '../catalogue/lifecycle';
import { registerCase, type ItemRegistration, type RegistrationError } from '../catalogue/registration';
import { defineAbilityFor, explainItemDenial, fondsSubject, itemSubject, type Action, type Actor } from './access';
import { audit } from './audit';
import type { ApiContext } from './context';
import { badRequest, forbidden, notFound } from './errors';

export { ItemRegistration } from '../catalogue/registration';

export const ItemView = z.object({
  id: z.string(),
  fonds: z.string(),
  archivalCode: z.string().nullable(),
  caseNumber: z.string(),
  businessType: z.string(),
  lifecycleState: z.enum(LIFECYCLE_STATES),
  securityLevel: z.enum(SECURITY_LEVELS),
  retentionPeriod: z.string(),
  year: z.number(),
  citizenId: z.string(),
  personName: z.string(),
  employerName: z.string().nullable(),
  clerk: z.string(),
  handledOn: z.string(),
  handlingOffice: z.string(),
  title: z.string(),
});


/** Registers a business case's item from its index data. Idempotent by case number. */
export async function registerItem(ctx: ApiContext, actor: Actor, input: ItemRegistration, requestId: string) {
  const fonds = await ctx.db.fonds.findUnique({ where: { code: input.fonds } });
  if (fonds && !defineAbilityFor(actor).can('register', itemSubjectForFonds(fonds.id))) {
    await deny(ctx, actor, 'register', `fonds:${fonds.code}`, `fonds ${fonds.code} is not among your fonds, or your roles do not register items`, requestId);
  }
  try {
    const { created, item } = await registerCase(ctx.db, input, actor.username);
    return { created, item: await viewOf(ctx, item, actor) };
  } catch (err) {
    if ((err as Error).name !== 'RegistrationError') throw err;
    const e = err as RegistrationError;
    throw badRequest(e.message, [{ field: e.field, problem: e.message }]);
  }
}

/** Loads an item the actor may act on, or refuses with the reason (audited). */
export async function authorisedItem(ctx: ApiContext, actor: Actor, itemId: string, action: Action, requestId: string): Promise<Item> {
  const item = await ctx.db.item.findUnique({ where: { id: itemId } });
  if (!item) throw notFound(`item ${itemId}`);
  if (!defineAbilityFor(actor).can(action, itemSubject(item))) {
    const fonds = await ctx.db.fonds.findUniqueOrThrow({ where: { id: item.fondsId } });
    await deny(ctx, actor, action, `item:${item.id}`, explainItemDenial(actor, item, action, fonds.code), requestId);
  }
  return item;
}

/** One item's lifecycle history from the catalogue, oldest first. */
export async function itemHistory(ctx: ApiContext, item: Item) {
  return {
    item: { id: item.id, archivalCode: item.archivalCode, lifecycleState: item.lifecycleState },
    events: await historyOf(ctx.db, item.id),
  };
}

/** Roles whose work needs the full citizen ID; others see it masked (DOMAIN.md, data rules). */
const SEES_CITIZEN_ID: Role[] = ['clerk', 'archivist', 'archive_manager'];

export async function viewOf(ctx: ApiContext, item: Item, actor: Actor): Promise<z.infer<typeof ItemView>> {
  const fullCitizenId = actor.roles.some((r) => SEES_CITIZEN_ID.includes(r)) || actor.citizenId === item.citizenId;
  const [fonds, businessType, office] = await Promise.all([
    ctx.db.fonds.findUniqueOrThrow({ where: { id: item.fondsId } }),
    ctx.db.businessType.findUniqueOrThrow({ where: { id: item.businessTypeId } }),
    ctx.db.handlingOffice.findUniqueOrThrow({ where: { id: item.handlingOfficeId } }),
  ]);
  return {
    id: item.id,
    fonds: fonds.code,
    archivalCode: item.archivalCode,
    caseNumber: item.caseNumber,
    businessType: businessType.code,
    lifecycleState: item.lifecycleState,
    securityLevel: item.securityLevel,
    retentionPeriod: item.retentionPeriod,
    year: item.year,
    citizenId: fullCitizenId ? item.citizenId : maskCitizenId(item.citizenId),
    personName: item.personName,
    employerName: item.employerName,
    clerk: item.clerkName,
    handledOn: item.handledOn.toISOString().slice(0, 10),
    handlingOffice: office.code,
    title: item.title,
  };
}

function itemSubjectForFonds(fondsId: string) {
  return itemSubject({ id: '', fondsId, securityLevel: 'public', citizenId: '', employerCreditCode: null });
}

/** Refuses, audited, unless the actor may take the action in the fonds; the refusal says whether the fonds or the role is wrong. */
export async function requireInFonds(ctx: ApiContext, actor: Actor, action: Action, fondsId: string, subject: string, requestId: string): Promise<void> {
  if (defineAbilityFor(actor).can(action, fondsSubject(fondsId))) return;
  const reason = actor.fondsIds.includes(fondsId) ? `your roles (${actor.roles.join(', ')}) do not allow '${action}' in this fonds` : `${subject} belongs to a fonds that is not among your fonds`;
  await deny(ctx, actor, action, subject, reason, requestId);
}

export async function deny(ctx: ApiContext, actor: Actor, action: string, subject: string, reason: string, requestId: string): Promise<never> {
  await audit(ctx.db, { actorId: actor.id, actor: actor.username, action, subject, outcome: 'denied', reason, requestId });
  throw forbidden(reason);
}
