import { randomUUID } from 'node:crypto';
import { defineAbilityFor, fondsSubject, itemSubject, useApprovalSubject, type Actor } from '../api/access';
import { deny } from '../api/authorise';
import type { ApiContext } from '../api/context';
import { badRequest, conflict, notFound } from '../api/errors';
import {
  consultationById,
  consultationsAwaiting,
  consultationsOf,
  fileConsultation as recordConsultation,
  itemsForUse,
  nextConsultationSequence,
  recordOutcome as writeOutcome,
  withdrawConsultation,
  type ConsultationRecord,
  type ItemForUse,
} from '../catalogue/consultations';
import {
  CONSULTATION_WORKFLOW,
  consultationQuery,
  consultationWorkflowId,
  decideConsultation,
  lendPaper,
  renewConsultation,
  returnPaper,
  type ConsultationWorkflow,
} from '../contracts/consultation';
import { inFonds } from '../contracts/search-attributes';
import {
  approverFor,
  consultationNumber,
  USE_FORM_LABELS,
  USE_PURPOSE_LABELS,
  type UseForm,
  type UsePurpose,
} from '../domain/consultation';
import { SECURITY_LEVEL_LABELS } from '../domain/security';
import { agencyDate } from '../documents/time';
import { startOrWithdraw } from './commit-point';
import { updateOrConflict } from './updates';

export interface ConsultationRequest {
  purpose: UsePurpose;
  purposeText?: string;
  form: UseForm;
  items: string[];
  outsideUnit?: { name: string; introductionLetter: string };
}

const subjectOf = (c: { id: string }) => `consultation:${c.id}`;
const isPublicUser = (actor: Actor) => actor.roles.every((r) => r === 'insured_person' || r === 'employer');

/**
 * Files a request and starts its workflow. Every item must be one the caller may ask for; the level of the highest
 * item decides who approves. An insured person or employer asking for an access copy of records their own rights
 * already let them read approves it themselves as they file it (自助查询): the copy is stamped and registered like any
 * other, and borrowing the paper still waits for the archive.
 */
export async function fileConsultation(ctx: ApiContext, actor: Actor, request: ConsultationRequest, requestId: string) {
  const items = await itemsForUse(ctx.db, request.items);
  const missing = request.items.filter((id) => !items.some((i) => i.id === id));
  if (missing.length)
    throw badRequest(`items: ${missing.length} are not in the catalogue: ${missing.slice(0, 5).join(', ')}`, [
      { field: 'items', problem: 'unknown item' },
    ]);
  const ability = defineAbilityFor(actor);
  for (const item of items) {
    if (!ability.can('request_use', itemSubject(item)))
      await deny(
        ctx,
        actor,
        'request_use',
        `item:${item.id}`,
        isPublicUser(actor) ? 'you may ask only for your own records' : `your roles (${actor.roles.join(', ')}) do not ask to use records`,
        requestId,
      );
  }
  const ownRights = defineAbilityFor({ ...actor, grantedItemIds: [] });
  const selfService =
    ctx.config.use.selfServiceApproval &&
    isPublicUser(actor) &&
    request.form !== 'borrow' &&
    items.every((i) => ownRights.can('read', itemSubject(i)));
  const id = randomUUID();
  const workflowId = consultationWorkflowId(id);
  const number = consultationNumber(
    Number(agencyDate(new Date(), ctx.config.timeZone).slice(0, 4)),
    await nextConsultationSequence(ctx.db),
  );
  const approver = approverFor(
    items.map((i) => i.securityLevel),
    ctx.config.use.headLevel,
  );
  await recordConsultation(
    ctx.db,
    {
      id,
      number,
      workflowId,
      requesterId: actor.id,
      requesterName: actor.displayName,
      outsideUnit: request.outsideUnit?.name ?? null,
      introductionLetter: request.outsideUnit?.introductionLetter ?? null,
      purpose: request.purpose,
      purposeText: request.purposeText ?? null,
      form: request.form,
      approverRole: approver,
      selfService,
    },
    request.items,
  );
  const { grantTtlMs, renewalMs, loanEscalationMs } = ctx.config.use;
  await startOrWithdraw<ConsultationWorkflow>(
    ctx,
    CONSULTATION_WORKFLOW,
    {
      workflowId,
      taskQueue: ctx.config.temporal.taskQueue,
      args: [
        {
          consultationId: id,
          number,
          form: request.form,
          approver,
          itemIds: request.items,
          grantTtlMs,
          renewalMs,
          loanEscalationMs,
          ...(selfService ? { selfServiceBy: actor.id } : {}),
        },
      ],
      typedSearchAttributes: inFonds(items[0]!.fondsCode),
    },
    () => withdrawConsultation(ctx.db, id),
  );
  const c = await consultationOf(ctx, id);
  if (selfService)
    await updateOrConflict(ctx.temporal.workflow.getHandle(workflowId), decideConsultation, {
      decision: 'approve',
      actor: actor.username,
      actorId: actor.id,
      actorRoles: actor.roles,
    });
  return consultationView(ctx, actor, await consultationOf(ctx, c.id));
}

/** The caller's own requests, newest first; or, for those who approve, the requests of their fonds awaiting approval. */
export async function consultationList(ctx: ApiContext, actor: Actor, awaiting: boolean, limit: number) {
  const ids = awaiting ? await consultationsAwaiting(ctx.db, actor.fondsIds, limit) : await consultationsOf(ctx.db, actor.id, limit);
  const consultations = [];
  for (const id of ids) consultations.push(await consultationView(ctx, actor, await consultationOf(ctx, id)));
  return { consultations };
}

/** The request; 404 when there is none. */
export async function consultationOf(ctx: ApiContext, id: string): Promise<ConsultationRecord> {
  const c = await consultationById(ctx.db, id);
  if (!c) throw notFound(`request ${id}`);
  return c;
}

/** A request is seen by its requester and by the archive's staff of a fonds it names (who approve, lend and audit it). */
export async function requireSight(ctx: ApiContext, actor: Actor, c: ConsultationRecord, requestId: string): Promise<ItemForUse[]> {
  const items = await itemsForUse(ctx.db, c.itemIds);
  if (actor.id === c.requesterId) return items;
  if (defineAbilityFor(actor).can('read', 'UseRegister') && items.some((i) => actor.fondsIds.includes(i.fondsId))) return items;
  return deny(ctx, actor, 'read', subjectOf(c), 'a request is seen by its requester and the archive staff of its fonds', requestId);
}

/** Refuses, audited, unless the actor may approve the use of every item of the request at its level. */
async function requireApprover(
  ctx: ApiContext,
  actor: Actor,
  c: ConsultationRecord,
  items: ItemForUse[],
  action: string,
  requestId: string,
) {
  const ability = defineAbilityFor(actor);
  const approver = c.approverRole as 'archive_manager' | 'agency_head';
  for (const item of items) {
    if (ability.can('approve_use', useApprovalSubject({ fondsId: item.fondsId, approver }))) continue;
    const reason =
      approver === 'agency_head' && actor.roles.includes('archive_manager')
        ? `request ${c.number} names an item at ${SECURITY_LEVEL_LABELS[item.securityLevel]} (${item.securityLevel}); from ${
            SECURITY_LEVEL_LABELS[ctx.config.use.headLevel]
          } up the agency head approves, not the archive manager`
        : !actor.fondsIds.includes(item.fondsId)
          ? `request ${c.number} names an item of fonds ${item.fondsCode}, which is not among your fonds`
          : approver === 'agency_head'
            ? `request ${c.number} is approved by the agency head`
            : `request ${c.number} is approved by the archive manager (or the agency head)`;
    await deny(ctx, actor, action, subjectOf(c), reason, requestId);
  }
}

export async function decide(
  ctx: ApiContext,
  actor: Actor,
  c: ConsultationRecord,
  d: { decision: 'approve' | 'refuse'; reason?: string },
  requestId: string,
) {
  await requireApprover(ctx, actor, c, await requireSight(ctx, actor, c, requestId), 'approve_use', requestId);
  await updateOrConflict(ctx.temporal.workflow.getHandle(c.workflowId), decideConsultation, {
    ...d,
    actor: actor.username,
    actorId: actor.id,
    actorRoles: actor.roles,
  });
  return consultationView(ctx, actor, await consultationOf(ctx, c.id));
}

export async function renew(ctx: ApiContext, actor: Actor, c: ConsultationRecord, requestId: string) {
  await requireApprover(ctx, actor, c, await requireSight(ctx, actor, c, requestId), 'renew_use', requestId);
  await updateOrConflict(ctx.temporal.workflow.getHandle(c.workflowId), renewConsultation, {
    actor: actor.username,
    actorRoles: actor.roles,
  });
  return consultationView(ctx, actor, await consultationOf(ctx, c.id));
}

/** Refuses, audited, unless the actor hands out and takes back paper in the fonds of each of the items. */
async function requireDesk(ctx: ApiContext, actor: Actor, c: ConsultationRecord, itemIds: string[], requestId: string) {
  const items = await itemsForUse(ctx.db, c.itemIds);
  const ability = defineAbilityFor(actor);
  for (const id of itemIds) {
    const item = items.find((i) => i.id === id);
    if (!item) throw badRequest(`items: item ${id} is not on request ${c.number}`, [{ field: 'items', problem: 'not on the request' }]);
    if (!ability.can('lend', fondsSubject(item.fondsId)))
      await deny(
        ctx,
        actor,
        'lend',
        subjectOf(c),
        `only the archivists and archive manager of fonds ${item.fondsCode} lend and take back its paper`,
        requestId,
      );
  }
}

export async function lend(ctx: ApiContext, actor: Actor, c: ConsultationRecord, itemIds: string[], requestId: string) {
  await requireDesk(ctx, actor, c, itemIds, requestId);
  await updateOrConflict(ctx.temporal.workflow.getHandle(c.workflowId), lendPaper, { itemIds, actor: actor.username });
  return consultationView(ctx, actor, await consultationOf(ctx, c.id));
}

export async function takeBack(
  ctx: ApiContext,
  actor: Actor,
  c: ConsultationRecord,
  r: { itemId: string; condition: string },
  requestId: string,
) {
  await requireDesk(ctx, actor, c, [r.itemId], requestId);
  await updateOrConflict(ctx.temporal.workflow.getHandle(c.workflowId), returnPaper, { ...r, actor: actor.username });
  return consultationView(ctx, actor, await consultationOf(ctx, c.id));
}

/** 利用效果: the requester, or an archivist of the request's fonds, records what the use achieved. */
export async function recordOutcome(ctx: ApiContext, actor: Actor, c: ConsultationRecord, outcome: string, requestId: string) {
  const items = await requireSight(ctx, actor, c, requestId);
  const ability = defineAbilityFor(actor);
  if (actor.id !== c.requesterId && !items.some((i) => ability.can('lend', fondsSubject(i.fondsId))))
    await deny(
      ctx,
      actor,
      'record_use_outcome',
      subjectOf(c),
      'the outcome is recorded by the requester or an archivist of its fonds',
      requestId,
    );
  if (c.status === 'awaiting_approval' || c.status === 'refused')
    throw conflict(`request ${c.number} is ${c.status}; an outcome is recorded for a use that took place`);
  await writeOutcome(ctx.db, c.id, { outcome, by: actor.username });
  return consultationView(ctx, actor, await consultationOf(ctx, c.id));
}

/** The request as the API shows it; an item's description only to a caller who may read the item. */
export async function consultationView(ctx: ApiContext, actor: Actor, c: ConsultationRecord) {
  const items = await itemsForUse(ctx.db, c.itemIds);
  const ability = defineAbilityFor(actor);
  const live = await ctx.temporal.workflow
    .getHandle(c.workflowId)
    .query(consultationQuery)
    .catch(() => undefined);
  return {
    id: c.id,
    number: c.number,
    status: c.status,
    stage: live?.stage ?? null,
    requester: c.requesterName,
    outsideUnit: c.outsideUnit,
    introductionLetter: c.introductionLetter,
    purpose: c.purpose,
    purposeLabel: USE_PURPOSE_LABELS[c.purpose],
    purposeText: c.purposeText,
    form: c.form,
    formLabel: USE_FORM_LABELS[c.form],
    approver: c.approverRole as 'archive_manager' | 'agency_head',
    selfService: c.selfService,
    decidedBy: c.decidedBy,
    decidedAt: c.decidedAt,
    refusalReason: c.refusalReason,
    expiresAt: c.expiresAt,
    renewed: c.renewedAt !== null,
    outcome: c.outcome,
    createdAt: c.createdAt,
    items: c.itemIds.map((id) => {
      const item = items.find((i) => i.id === id)!;
      const visible = ability.can('read', itemSubject(item));
      return {
        id,
        archivalCode: visible ? item.archivalCode : null,
        title: visible ? item.title : null,
        securityLevel: visible ? item.securityLevel : null,
        pageCount: visible ? item.pageCount : null,
      };
    }),
    loans: c.loans.map((l) => ({
      itemId: l.itemId,
      lentBy: l.lentBy,
      lentAt: l.lentAt,
      dueAt: l.dueAt,
      remindedAt: l.remindedAt,
      escalatedAt: l.escalatedAt,
      returnedAt: l.returnedAt,
      returnedTo: l.returnedTo,
      condition: l.condition,
    })),
  };
}
