import { audit } from '../catalogue/audit';
import { fondsByCode, fondsCodeOf } from '../catalogue/fonds';
import { itemById } from '../catalogue/items';
import type { Item } from '../prisma/client';
import {
  defineAbilityFor,
  explainItemDenial,
  fondsSubject,
  itemSubject,
  refusedForSecondFactor,
  type Action,
  type Actor,
  type ItemAccessFacts,
} from './access';
import type { ApiContext } from './context';
import { AppError, badRequest, forbidden, notFound } from './errors';

/** Refuses, audited, unless the actor may take the action in the fonds; the refusal says whether the fonds or the role is wrong. */
export async function requireInFonds(
  ctx: ApiContext,
  actor: Actor,
  action: Action,
  fondsId: string,
  subject: string,
  requestId: string,
): Promise<void> {
  if (defineAbilityFor(actor).can(action, fondsSubject(fondsId))) return;
  const reason = actor.fondsIds.includes(fondsId)
    ? `your roles (${actor.roles.join(', ')}) do not allow '${action}' in this fonds`
    : `${subject} belongs to a fonds that is not among your fonds`;
  await deny(ctx, actor, action, subject, reason, requestId);
}

export async function deny(
  ctx: ApiContext,
  actor: Actor,
  action: string,
  subject: string,
  reason: string,
  requestId: string,
): Promise<never> {
  if (refusedForSecondFactor(actor, action)) {
    const why = `'${action}' needs a sign-in that passed its second factor (TOTP or a recovery code); this one has not`;
    await audit(ctx.db, { actorId: actor.id, actor: actor.username, action, subject, outcome: 'denied', reason: why, requestId });
    throw secondFactorNeeded(actor);
  }
  await audit(ctx.db, { actorId: actor.id, actor: actor.username, action, subject, outcome: 'denied', reason, requestId });
  throw forbidden(reason);
}

/** The 403 of an action held back until the second factor, saying what to do next. */
function secondFactorNeeded(actor: Actor): AppError {
  return actor.secondFactor === 'required'
    ? new AppError(403, 'second_factor_required', '此操作须先完成双因素认证：请用动态口令或恢复码完成本次登录（POST /auth/mfa）')
    : new AppError(
        403,
        'second_factor_enrolment_required',
        '此操作须先完成双因素认证：您的角色须绑定动态口令，请先绑定（POST /auth/mfa/enrolment）并以首个口令确认',
      );
}

/** The fonds named by code, if the actor may act on it; else a 400 (unknown) or an audited 403. */
export async function fondsFor(ctx: ApiContext, actor: Actor, code: string, action: Action, requestId: string) {
  const fonds = await fondsByCode(ctx.db, code);
  if (!fonds) throw badRequest(`fonds: no fonds has code ${code}`, [{ field: 'fonds', problem: 'unknown fonds' }]);
  if (!defineAbilityFor(actor).can(action, fondsSubject(fonds.id))) {
    await deny(
      ctx,
      actor,
      action,
      `fonds:${fonds.code}`,
      `your roles (${actor.roles.join(', ')}) do not allow '${action}' in fonds ${fonds.code}`,
      requestId,
    );
  }
  return fonds;
}

/** Loads an item the actor may act on, or refuses with the reason (audited). */
export async function authorisedItem(ctx: ApiContext, actor: Actor, itemId: string, action: Action, requestId: string): Promise<Item> {
  const item = await itemById(ctx.db, itemId);
  if (!item) throw notFound(`item ${itemId}`);
  await requireOnItem(ctx, actor, item, action, requestId);
  return item;
}

/** Refuses, audited, unless the actor may take the action on the item; the refusal says why. */
export async function requireOnItem(
  ctx: ApiContext,
  actor: Actor,
  item: ItemAccessFacts,
  action: Action,
  requestId: string,
): Promise<void> {
  if (defineAbilityFor(actor).can(action, itemSubject(item))) return;
  const fondsCode = await fondsCodeOf(ctx.db, item.fondsId);
  await deny(ctx, actor, action, `item:${item.id}`, explainItemDenial(actor, item, action, fondsCode), requestId);
}
