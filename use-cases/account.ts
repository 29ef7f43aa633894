import { auditTrail } from '../catalogue/audit';
import { everyFonds, fondsCodes } from '../catalogue/fonds';
import { defineAbilityFor, fondsSubject, type Actor } from '../api/access';
import type { ApiContext } from '../api/context';

/** The signed-in user as they see themselves: roles, clearance and the codes of their fonds. */
export async function currentUser(ctx: ApiContext, actor: Actor) {
  const { username, displayName, roles, clearance, mfaEnrolled } = actor;
  const secondFactor = actor.secondFactor ?? 'required';
  return { username, displayName, roles, clearance, fonds: await fondsCodes(ctx.db, actor.fondsIds), secondFactor, mfaEnrolled };
}

/** The fonds the user may read, by code. */
export async function fondsOf(ctx: ApiContext, actor: Actor) {
  const ability = defineAbilityFor(actor);
  const fonds = await everyFonds(ctx.db);
  return fonds.filter((f) => ability.can('read', fondsSubject(f.id))).map(({ code, name, orgCode }) => ({ code, name, orgCode }));
}

/** The newest audit entries, optionally of one subject, as the API shows them. */
export async function auditEntries(ctx: ApiContext, query: { subject?: string; limit: number }) {
  const events = await auditTrail(ctx.db, query);
  return events.map((e) => ({ ...e, id: e.id.toString(), at: e.at.toISOString() }));
}
