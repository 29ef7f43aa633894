import { audit } from '../catalogue/audit';
import { fondsByCode } from '../catalogue/fonds';
import { defineAbilityFor, fondsSubject, type Action, type Actor } from './access';
import type { ApiContext } from './context';
import { badRequest, forbidden } from './errors';

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
  await audit(ctx.db, { actorId: actor.id, actor: actor.username, action, subject, outcome: 'denied', reason, requestId });
  throw forbidden(reason);
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
