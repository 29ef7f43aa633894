import { maskCitizenId } from '../domain/citizen-id';
import type { ItemIndex } from '../domain/item-index';
import type { Role } from '../domain/roles';
import type { Item } from '../prisma/client';
import { itemReferenceCodes } from '../catalogue/items';
import { itemWithHistory } from '../catalogue/lifecycle';
import { registerCases, type CaseInput, type ItemRegistration, type RegisteredItem, type Refusal } from '../catalogue/registration';
import { defineAbilityFor, explainItemDenial, explainRegistrationDenial, itemSubject, type Actor } from '../api/access';
import { deny, requireOnItem } from '../api/authorise';
import type { ApiContext } from '../api/context';
import { AppError, notFound } from '../api/errors';

/** An item as a caller sees it: its index data with who handled it where. */
export interface ItemView extends ItemIndex {
  clerk: string;
  handlingOffice: string;
}

export interface RegistrationOutcome {
  index: number;
  caseNumber: string | null;
  status: 'created' | 'existing' | 'refused';
  item?: ItemView;
  error?: { code: string; message: string; details?: unknown };
}

export interface RegistrationBatchResult {
  results: RegistrationOutcome[];
  counts: { created: number; existing: number; refused: number };
}

const REFUSAL_STATUS: Record<Refusal['code'], number> = { bad_request: 400, forbidden: 403, conflict: 409 };

/** Registers a business case's item from its index data: the batch path with one case. */
export async function registerItem(ctx: ApiContext, actor: Actor, input: ItemRegistration, requestId: string) {
  const [outcome] = (await registerBatch(ctx, actor, [{ ok: true, value: input }], requestId)).results as [RegistrationOutcome];
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
): Promise<RegistrationBatchResult> {
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

/** One item's lifecycle history from the catalogue, oldest first; read with the item in one query, shown only once the actor may read it. */
export async function itemHistory(ctx: ApiContext, actor: Actor, itemId: string, requestId: string) {
  const found = await itemWithHistory(ctx.db, itemId);
  if (!found) throw notFound(`item ${itemId}`);
  await requireOnItem(ctx, actor, found.item, 'read', requestId);
  const { id, archivalCode, lifecycleState } = found.item;
  return { item: { id, archivalCode, lifecycleState }, events: found.events };
}

/** Roles whose work needs the full citizen ID; others see it masked (DOMAIN.md, data rules). */
const SEES_CITIZEN_ID: Role[] = ['clerk', 'archivist', 'archive_manager'];

/** What a caller sees of an item besides its citizen ID, which is shown or masked by role. */
const SHOWN = [
  'id',
  'fonds',
  'archivalCode',
  'caseNumber',
  'businessType',
  'lifecycleState',
  'securityLevel',
  'retentionPeriod',
  'year',
  'personName',
  'employerName',
  'clerk',
  'handledOn',
  'handlingOffice',
  'title',
] as const satisfies readonly (keyof ItemView & keyof RegisteredItem)[];

/** The citizen ID as the actor may see it: in full only for those whose work needs it, or their own. */
export function shownCitizenId(actor: Actor, citizenId: string): string {
  return actor.roles.some((r) => SEES_CITIZEN_ID.includes(r)) || actor.citizenId === citizenId ? citizenId : maskCitizenId(citizenId);
}

/** An item as the actor may see it, its citizen ID shown or masked by role. */
export function itemView(item: RegisteredItem, actor: Actor): ItemView {
  const shown = Object.fromEntries(SHOWN.map((field) => [field, item[field]])) as Pick<ItemView, (typeof SHOWN)[number]>;
  return { ...shown, citizenId: shownCitizenId(actor, item.citizenId) };
}

export async function viewOf(ctx: ApiContext, item: Item, actor: Actor): Promise<ItemView> {
  const refs = await itemReferenceCodes(ctx.db, item.id);
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
