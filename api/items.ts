import { WorkflowUpdateFailedError } from '@temporalio/client';
import { TypedSearchAttributes } from '@temporalio/common';
import { z } from 'zod';
import { citizenIdProblem } from '../domain/citizen-id';
import { LIFECYCLE_STATES, type LifecycleState } from '../domain/lifecycle';
import { SECURITY_LEVELS } from '../domain/security';
import type { Item } from '../prisma/client';
import { advanceLifecycle, itemLifecycle, lifecycleQuery, type LifecycleView } from '../workflows';
import { fondsKey, lifecycleStateKey } from '../workflows/search-attributes';
import { defineAbilityFor, explainItemDenial, itemSubject, type Action, type Actor } from './access';
import { audit } from './audit';
import type { ApiContext } from './context';
import { badRequest, conflict, forbidden, notFound, unavailable } from './errors';

export const ItemRegistration = z.object({
  fonds: z.string().min(1).describe('fonds code, e.g. J001'),
  caseNumber: z.string().min(1).max(64).describe('business case number from the business system'),
  businessType: z.string().min(1).describe('business type code, e.g. GL02'),
  citizenId: z.string().superRefine((v, ctx) => {
    const problem = citizenIdProblem(v);
    if (problem) ctx.addIssue({ code: 'custom', message: `citizen ID ${problem}` });
  }),
  personName: z.string().min(1).max(100),
  employerName: z.string().max(200).optional(),
  employerCreditCode: z.string().length(18).optional(),
  clerk: z.string().min(1).max(100).describe('the clerk who handled the case'),
  handledOn: z.iso.date().describe('date the case was handled, YYYY-MM-DD'),
  handlingOffice: z.string().min(1).describe('handling office code'),
  title: z.string().max(500).optional(),
  securityLevel: z.enum(SECURITY_LEVELS).default('internal'),
});
export type ItemRegistration = z.infer<typeof ItemRegistration>;

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
  workflowId: z.string().nullable(),
});

export const workflowIdFor = (itemId: string) => `item-${itemId}`;

/** Registers a business case's item from its index data and starts its lifecycle workflow. Idempotent by case number. */
export async function registerItem(ctx: ApiContext, actor: Actor, input: ItemRegistration, requestId: string) {
  const [fonds, businessType, office] = await Promise.all([
    ctx.db.fonds.findUnique({ where: { code: input.fonds } }),
    ctx.db.businessType.findUnique({ where: { code: input.businessType } }),
    ctx.db.handlingOffice.findUnique({ where: { code: input.handlingOffice } }),
  ]);
  if (!fonds) throw badRequest(`fonds: no fonds has code ${input.fonds}`, [{ field: 'fonds', problem: 'unknown fonds' }]);
  if (!businessType) throw badRequest(`businessType: no business type has code ${input.businessType}`, [{ field: 'businessType', problem: 'unknown business type' }]);
  if (!office) throw badRequest(`handlingOffice: no handling office has code ${input.handlingOffice}`, [{ field: 'handlingOffice', problem: 'unknown handling office' }]);
  if (!defineAbilityFor(actor).can('register', itemSubjectForFonds(fonds.id))) {
    await deny(ctx, actor, 'register', `fonds:${fonds.code}`, `fonds ${fonds.code} is not among your fonds, or your roles do not register items`, requestId);
  }
  const existing = await ctx.db.item.findUnique({ where: { fondsId_caseNumber: { fondsId: fonds.id, caseNumber: input.caseNumber } } });
  if (existing) return { created: false, item: await viewOf(ctx, existing) };

  const item = await ctx.db.item.create({
    data: {
      fondsId: fonds.id,
      businessTypeId: businessType.id,
      year: Number(input.handledOn.slice(0, 4)),
      retentionPeriod: businessType.defaultRetention,
      securityLevel: input.securityLevel,
      caseNumber: input.caseNumber,
      citizenId: input.citizenId,
      personName: input.personName,
      employerName: input.employerName,
      employerCreditCode: input.employerCreditCode,
      clerkName: input.clerk,
      handledOn: new Date(`${input.handledOn}T00:00:00Z`),
      handlingOfficeId: office.id,
      title: input.title ?? `${input.personName} ${businessType.name}`,
    },
  });
  const workflowId = workflowIdFor(item.id);
  try {
    await ctx.temporal.workflow.start(itemLifecycle, {
      workflowId,
      taskQueue: ctx.config.temporal.taskQueue,
      args: [{ itemId: item.id, state: 'registered', registeredBy: actor.username }],
      typedSearchAttributes: new TypedSearchAttributes([
        { key: lifecycleStateKey, value: 'registered' },
        { key: fondsKey, value: fonds.code },
      ]),
    });
  } catch (err) {
    // Nothing is left half-way: without its workflow the item is withdrawn, and the caller may retry.
    await ctx.db.item.delete({ where: { id: item.id } });
    ctx.log.error({ err, itemId: item.id }, 'lifecycle workflow did not start');
    throw unavailable('the workflow service did not accept the item; nothing was registered, try again');
  }
  const registered = await ctx.db.item.update({ where: { id: item.id }, data: { workflowId } });
  return { created: true, item: await viewOf(ctx, registered) };
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

export async function itemHistory(ctx: ApiContext, item: Item) {
  const events = await ctx.db.lifecycleEvent.findMany({ where: { itemId: item.id }, orderBy: { id: 'asc' } });
  let workflow: { workflowId: string; state?: LifecycleState; error?: string } | null = null;
  if (item.workflowId) {
    try {
      const view: LifecycleView = await ctx.temporal.workflow.getHandle(item.workflowId).query(lifecycleQuery);
      workflow = { workflowId: item.workflowId, state: view.state };
    } catch (err) {
      workflow = { workflowId: item.workflowId, error: (err as Error).message };
    }
  }
  return {
    item: { id: item.id, archivalCode: item.archivalCode, lifecycleState: item.lifecycleState },
    workflow,
    events: events.map((e) => ({ from: e.fromState, to: e.toState, actor: e.actor, reason: e.reason, at: e.at.toISOString() })),
  };
}

export async function advanceItem(ctx: ApiContext, actor: Actor, item: Item, to: LifecycleState, reason: string | undefined) {
  if (!item.workflowId) throw conflict('the item has no lifecycle workflow');
  try {
    return await ctx.temporal.workflow.getHandle(item.workflowId).executeUpdate(advanceLifecycle, { args: [{ to, actor: actor.username, reason }] });
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError) throw conflict(err.cause?.message ?? err.message);
    throw err;
  }
}

export async function viewOf(ctx: ApiContext, item: Item): Promise<z.infer<typeof ItemView>> {
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
    citizenId: item.citizenId,
    personName: item.personName,
    employerName: item.employerName,
    clerk: item.clerkName,
    handledOn: item.handledOn.toISOString().slice(0, 10),
    handlingOffice: office.code,
    title: item.title,
    workflowId: item.workflowId,
  };
}

function itemSubjectForFonds(fondsId: string) {
  return itemSubject({ id: '', fondsId, securityLevel: 'public', citizenId: '', employerCreditCode: null });
}

export async function deny(ctx: ApiContext, actor: Actor, action: string, subject: string, reason: string, requestId: string): Promise<never> {
  await audit(ctx.db, { actorId: actor.id, actor: actor.username, action, subject, outcome: 'denied', reason, requestId });
  throw forbidden(reason);
}
