import { z } from 'zod';
import { maskCitizenId } from '../domain/citizen-id';
import { LIFECYCLE_STATES } from '../domain/lifecycle';
import type { Role } from '../domain/roles';
import { SECURITY_LEVELS } from '../domain/security';
import type { Item } from '../prisma/client';
import { itemWithHistory } from '../catalogue/lifecycle';
import { registerCases, type CaseInput, type ItemRegistration, type RegisteredItem, type Refusal } from '../catalogue/registration';
import {
  defineAbilityFor,
  explainItemDenial,
  explainRegistrationDenial,
  itemSubject,
  type Action,
  type Actor,
  type ItemAccessFacts,
} from './access';

import type { ApiContext } from './context';
import { AppError, notFound } from './errors';
import { deny } from './authorise';

export { ItemRegistration, RegistrationBatch } from '../catalogue/registration';

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

const RefusalView = z.object({ code: z.string(), message: z.string(), details: z.unknown().optional() });

export const RegistrationBatchReply = z.object({
  results: z.array(
    z.object({
      index: z.number().int().describe('position of the case in the request, from 0'),
      caseNumber: z.string().nullable(),
      status: z.enum(['created', 'existing', 'refused']),
      item: ItemView.optional().describe('the registered item, unless refused'),
      error: RefusalView.optional().describe('why the case was refused; nothing of it was registered'),
    }),
  ),
  counts: z.object({ created: z.number().int(), existing: z.number().int(), refused: z.number().int() }),
});

const REFUSAL_STATUS: Record<Refusal['code'], number> = { bad_request: 400, forbidden: 403, conflict: 409 };

/** Registers a business case's item from its index data: the batch path with one case. */
export async function registerItem(ctx: ApiContext, actor: Actor, input: ItemRegistration, requestId: string) {
  const [outcome] = (await registerBatch(ctx, actor, [{ ok: true, value: input }], requestId)).results as [
    z.infer<typeof RegistrationBatchReply>['results'][number],
  ];
  if (outcome.error)
    throw new AppError(
      REFUSAL_STATUS[outcome.error.code as Refusal['code']],
      outcome.error.code,
      outcome.error.message,
      outcome.error.details,
    );
  return { created: outcome.status === 'created', item: outcome.item! };
}

/** Registers the cases of a batch, each on its own: created, already registered, or refused with the reason. */
export async function registerBatch(
  ctx: ApiContext,
  actor: Actor,
  cases: readonly CaseInput[],
  requestId: string,
): Promise<z.infer<typeof RegistrationBatchReply>> {
  const ability = defineAbilityFor(actor);
  if (!ability.can('register', 'Item'))
    await deny(ctx, actor, 'register', 'items', `your roles (${actor.roles.join(', ')}) do not register items`, requestId);
  const outcomes = await registerCases(ctx.db, cases, {
    name: actor.username,
    userId: actor.id,
    requestId,
    mayNotRegister: (target) =>
      ability.can('register', itemSubject({ ...target, id: '', citizenId: '', employerCreditCode: null }))
        ? undefined
        : explainRegistrationDenial(actor, target),
    mayNotSee: (item) => (ability.can('read', itemSubject(item)) ? undefined : explainItemDenial(actor, item, 'read', item.fonds)),
  });
  const counts = { created: 0, existing: 0, refused: 0 };
  const results = outcomes.map((o) => {
    counts[o.status] += 1;
    return o.status === 'refused' ? o : { index: o.index, caseNumber: o.caseNumber, status: o.status, item: itemView(o.item, actor) };
  });
  return { results, counts };
}

/** Loads an item the actor may act on, or refuses with the reason (audited). */
export async function authorisedItem(ctx: ApiContext, actor: Actor, itemId: string, action: Action, requestId: string): Promise<Item> {
  const item = await ctx.db.item.findUnique({ where: { id: itemId } });
  if (!item) throw notFound(`item ${itemId}`);
  await authorise(ctx, actor, item, action, requestId);
  return item;
}

async function authorise(ctx: ApiContext, actor: Actor, item: ItemAccessFacts, action: Action, requestId: string): Promise<void> {
  if (defineAbilityFor(actor).can(action, itemSubject(item))) return;
  const fonds = await ctx.db.fonds.findUniqueOrThrow({ where: { id: item.fondsId } });
  await deny(ctx, actor, action, `item:${item.id}`, explainItemDenial(actor, item, action, fonds.code), requestId);
}

/** One item's lifecycle history from the catalogue, oldest first; read with the item in one query, shown only once the actor may read it. */
export async function itemHistory(ctx: ApiContext, actor: Actor, itemId: string, requestId: string) {
  const found = await itemWithHistory(ctx.db, itemId);
  if (!found) throw notFound(`item ${itemId}`);
  await authorise(ctx, actor, found.item, 'read', requestId);
  const { id, archivalCode, lifecycleState } = found.item;
  return { item: { id, archivalCode, lifecycleState }, events: found.events };
}

/** Roles whose work needs the full citizen ID; others see it masked (DOMAIN.md, data rules). */
const SEES_CITIZEN_ID: Role[] = ['clerk', 'archivist', 'archive_manager'];

/** An item as the actor may see it: the citizen ID in full only for those whose work needs it, or their own. */
export function itemView(item: RegisteredItem, actor: Actor): z.infer<typeof ItemView> {
  const fullCitizenId = actor.roles.some((r) => SEES_CITIZEN_ID.includes(r)) || actor.citizenId === item.citizenId;
  const {
    id,
    fonds,
    archivalCode,
    caseNumber,
    businessType,
    lifecycleState,
    securityLevel,
    retentionPeriod,
    year,
    personName,
    employerName,
    clerk,
    handledOn,
    handlingOffice,
    title,
  } = item;
  return {
    id,
    fonds,
    archivalCode,
    caseNumber,
    businessType,
    lifecycleState,
    securityLevel,
    retentionPeriod,
    year,
    citizenId: fullCitizenId ? item.citizenId : maskCitizenId(item.citizenId),
    personName,
    employerName,
    clerk,
    handledOn,
    handlingOffice,
    title,
  };
}

export async function viewOf(ctx: ApiContext, item: Item, actor: Actor): Promise<z.infer<typeof ItemView>> {
  const refs = await ctx.db.item.findUniqueOrThrow({
    where: { id: item.id },
    select: { fonds: { select: { code: true } }, businessType: { select: { code: true } }, handlingOffice: { select: { code: true } } },
  });
  return itemView(
    {
      ...item,
      fonds: refs.fonds.code,
      businessType: refs.businessType.code,
      handlingOffice: refs.handlingOffice.code,
      clerk: item.clerkName,
      handledOn: item.handledOn.toISOString().slice(0, 10),
    },
    actor,
  );
}
