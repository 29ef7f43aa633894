import { AbilityBuilder, createMongoAbility, subject, type ForcedSubject, type MongoAbility } from '@casl/ability';
import type { ItemReadCondition } from '../catalogue/search';
import type { UserAccess } from '../catalogue/users';
import type { Approver } from '../domain/consultation';
import { SECOND_FACTOR_ROLES, type Role, type SecondFactorState } from '../domain/roles';
import { isCleared, levelsWithin, type SecurityLevel } from '../domain/security';

/**
 * Who is asking: the token's user with what access depends on, and where the token's sign-in stands with the
 * second factor (absent: as for a sign-in that has not passed it).
 */
export type Actor = Omit<UserAccess, 'active'> & { secondFactor?: SecondFactorState; tokenId?: string };

export const ACTIONS = [
  'read',
  'register',
  'capture',
  'upload',
  'review_upload',
  'decide_quality',
  'import',
  'manage',
  'assemble',
  'hand_over',
  'accept_hand_over',
  'transfer',
  'receive_transfer',
  'arrange',
  'hold',
  'appraise',
  'decide_appraisal',
  'propose_destruction',
  'approve_destruction',
  'inventory',
  'schedule_inventory',
  'handle_tasks',
  'request_use',
  'approve_use',
  'lend',
  'recognise',
] as const;
export type Action = (typeof ACTIONS)[number];

/** What a user who needs a second factor may do before their sign-in has passed it: read, and ask to use records. */
const BEFORE_SECOND_FACTOR: readonly Action[] = ['read', 'request_use'];
const AFTER_SECOND_FACTOR = ACTIONS.filter((a) => !BEFORE_SECOND_FACTOR.includes(a));

/** The actor's sign-in still waits for the second factor that their roles or their own enrolment ask for. */
export function awaitsSecondFactor(actor: Actor): boolean {
  const state = actor.secondFactor ?? (actor.roles.some((r) => SECOND_FACTOR_ROLES.includes(r)) ? 'enrolment_required' : 'not_required');
  return state === 'required' || state === 'enrolment_required';
}

/** The item fields access depends on. */
export interface ItemAccessFacts {
  id: string;
  fondsId: string;
  securityLevel: SecurityLevel;
  citizenId: string;
  employerCreditCode: string | null;
}

/** What approving a request's use of one item depends on: the item's fonds, and who its level needs (domain/consultation.ts). */
export interface UseApprovalFacts {
  fondsId: string;
  approver: Approver;
}

type Subjects =
  | 'all'
  | 'Item'
  | 'LifecycleStatus'
  | 'Fonds'
  | 'AuditTrail'
  | 'User'
  | 'Accession'
  | 'UseApproval'
  | 'UseRegister'
  | 'Recognition'
  | (ItemAccessFacts & ForcedSubject<'Item'>)
  | ({ fondsId: string } & ForcedSubject<'LifecycleStatus'>)
  | ({ id: string } & ForcedSubject<'Fonds'>)
  | (UseApprovalFacts & ForcedSubject<'UseApproval'>);
export type AppAbility = MongoAbility<[Action, Subjects]>;

const STAFF_READERS: Role[] = ['clerk', 'archivist', 'archive_manager', 'appraisal_member', 'compliance_officer', 'agency_head', 'auditor'];

/** Abilities from role, fonds and clearance: staff read within their own fonds up to their clearance. */
export function defineAbilityFor(actor: Actor): AppAbility {
  const { can, cannot, build } = new AbilityBuilder<AppAbility>(createMongoAbility);
  const withinFonds = { fondsId: { $in: actor.fondsIds }, securityLevel: { $in: levelsWithin(actor.clearance) } };
  const has = (roles: Role[]) => actor.roles.some((r) => roles.includes(r));

  if (has(STAFF_READERS)) {
    can('read', 'Item', withinFonds);
    can('read', 'LifecycleStatus', { fondsId: { $in: actor.fondsIds } });
    can('read', 'Fonds', { id: { $in: actor.fondsIds } });
  }
  if (has(['clerk'])) {
    // Nobody registers an item above their own clearance: they could not read it afterwards.
    can('register', 'Item', withinFonds);
    can('review_upload', 'Item', withinFonds);
  }
  if (has(['clerk', 'archivist'])) {
    can(['capture', 'upload'], 'Item', withinFonds);
    can('import', 'Item', { fondsId: { $in: actor.fondsIds } });
  }
  if (has(['archivist'])) can('decide_quality', 'Item', withinFonds);
  if (has(['auditor'])) can('read', 'AuditTrail');
  const ownFonds = { id: { $in: actor.fondsIds } };
  if (has(['archivist', 'archive_manager'])) can('assemble', 'Fonds', ownFonds);
  // A business unit's staff hand over their own boxes; the archive manager decides, and sends to the city archive.
  if (has(['clerk', 'archivist', 'archive_manager'])) can('hand_over', 'Fonds', ownFonds);
  if (has(['archive_manager'])) {
    can(['accept_hand_over', 'transfer', 'arrange'], 'Fonds', ownFonds);
    can(['receive_transfer', 'read'], 'Accession');
  }
  if (has(['auditor'])) can('read', 'Accession');
  // 盘点: archivists keep the store and run inventories, and work off what they find; the archive manager sets the schedule.
  if (has(['archivist', 'archive_manager'])) can(['inventory', 'handle_tasks'], 'Fonds', ownFonds);
  if (has(['archive_manager'])) can('schedule_inventory', 'Fonds', ownFonds);
  // 冻结: those who answer to a court or an audit place and lift holds; the archive manager may place one too.
  if (has(['compliance_officer', 'auditor', 'agency_head', 'archive_manager'])) can('hold', 'Item', { fondsId: { $in: actor.fondsIds } });
  if (has(['archive_manager'])) can(['appraise', 'propose_destruction'], 'Fonds', ownFonds);
  if (has(['appraisal_member'])) can('decide_appraisal', 'Fonds', ownFonds);
  if (has(['agency_head', 'compliance_officer'])) can('approve_destruction', 'Fonds', ownFonds);
  if (has(['administrator'])) {
    can('manage', 'User');
    can('read', 'Fonds', { id: { $in: actor.fondsIds } });
  }
  if (has(['insured_person']) && actor.citizenId) can('read', 'Item', { citizenId: actor.citizenId });
  if (has(['employer']) && actor.creditCode) can(['read', 'upload'], 'Item', { employerCreditCode: actor.creditCode });
  if (actor.grantedItemIds.length) can('read', 'Item', { id: { $in: actor.grantedItemIds } });
  // 利用: staff ask to use any item (an exception to their fonds and clearance is what approval is for); an insured
  // person or employer asks only for their own records. The archive manager approves ordinary items of their fonds,
  // the agency head any item of theirs; archivists and the archive manager hand out paper and take it back.
  if (has(STAFF_READERS)) can('request_use', 'Item');
  if (has(['insured_person']) && actor.citizenId) can('request_use', 'Item', { citizenId: actor.citizenId });
  if (has(['employer']) && actor.creditCode) can('request_use', 'Item', { employerCreditCode: actor.creditCode });
  if (has(['archive_manager'])) can('approve_use', 'UseApproval', { fondsId: { $in: actor.fondsIds }, approver: 'archive_manager' });
  if (has(['agency_head'])) can('approve_use', 'UseApproval', { fondsId: { $in: actor.fondsIds } });
  if (has(['archivist', 'archive_manager'])) can('lend', 'Fonds', ownFonds);
  if (has(['archivist', 'archive_manager', 'agency_head', 'auditor'])) can('read', 'UseRegister');
  // 全文识别: its progress is followed by the archive's staff and auditors; archivists send failed pages again.
  if (has(['archivist', 'archive_manager', 'auditor'])) can('read', 'Recognition');
  if (has(['archivist', 'archive_manager'])) can('recognise', 'Recognition');
  // MFA: until the sign-in has passed its second factor, the deciding and administering abilities above are held back.
  if (awaitsSecondFactor(actor)) {
    cannot(
      AFTER_SECOND_FACTOR.filter((a) => a !== 'manage'),
      'all',
    );
    // 'manage' is CASL's word for every action, so it is held back only where it is granted: on users.
    cannot('manage', 'User');
  }
  return build();
}

/**
 * The action is refused only because the sign-in has not passed its second factor: the actor's roles grant it
 * somewhere once it has.
 */
export function refusedForSecondFactor(actor: Actor, action: string): boolean {
  if (!awaitsSecondFactor(actor) || !AFTER_SECOND_FACTOR.includes(action as Action)) return false;
  const verified = defineAbilityFor({ ...actor, secondFactor: 'verified' });
  return verified.rules.some((r) => !r.inverted && [r.action].flat().includes(action as Action));
}

export function itemSubject(item: ItemAccessFacts) {
  const { id, fondsId, securityLevel, citizenId, employerCreditCode } = item;
  return subject('Item', { id, fondsId, securityLevel, citizenId, employerCreditCode });
}
export const fondsStatusSubject = (fondsId: string) => subject('LifecycleStatus', { fondsId });
export const fondsSubject = (id: string) => subject('Fonds', { id });
export const useApprovalSubject = (facts: UseApprovalFacts) => subject('UseApproval', { ...facts });

/** Why an actor may not act on an item, in the words the archive uses. */
export function explainItemDenial(actor: Actor, item: ItemAccessFacts, action: Action, fondsCode: string): string {
  if (actor.roles.every((r) => r === 'insured_person' || r === 'employer')) {
    return actor.roles.includes('insured_person')
      ? 'insured persons may read only their own records'
      : 'employers may read only their own records';
  }
  if (!actor.fondsIds.includes(item.fondsId)) return `the item belongs to fonds ${fondsCode}, which is not among your fonds`;
  if (!isCleared(actor.clearance, item.securityLevel)) {
    return `the item's security level is ${item.securityLevel}; your clearance is ${actor.clearance}`;
  }
  return `your roles (${actor.roles.join(', ')}) do not allow '${action}' on items`;
}

/** Why an actor may not register a case in a fonds at a security level. */
export function explainRegistrationDenial(actor: Actor, target: { fondsId: string; fonds: string; securityLevel: SecurityLevel }): string {
  if (!defineAbilityFor(actor).can('register', 'Item')) return `your roles (${actor.roles.join(', ')}) do not register items`;
  if (!actor.fondsIds.includes(target.fondsId)) return `fonds ${target.fonds} is not among your fonds`;
  return `you may not register an item at security level ${target.securityLevel}; your clearance is ${actor.clearance}`;
}

const CONDITION_FIELDS: Record<string, keyof ItemReadCondition> = {
  fondsId: 'fondsIds',
  securityLevel: 'securityLevels',
  citizenId: 'citizenId',
  employerCreditCode: 'employerCreditCode',
  id: 'itemIds',
};

/**
 * The items an actor may read, as the same CASL rules decide for one item, turned into conditions a query applies
 * (any one of them admits an item): `[]` admits nothing. A rule of a shape this does not know is refused, so a
 * rule added to `defineAbilityFor` can never widen a search unseen.
 */
export function itemReadConditions(actor: Actor): ItemReadCondition[] {
  const rules = defineAbilityFor(actor).rulesFor('read', 'Item');
  return rules.map((rule) => {
    if (rule.inverted || rule.fields || !rule.conditions) throw new Error('item read rules must be conditional grants');
    const condition: ItemReadCondition = {};
    for (const [field, value] of Object.entries(rule.conditions as Record<string, unknown>)) {
      const key = CONDITION_FIELDS[field];
      if (!key) throw new Error(`item read rule on an unknown field: ${field}`);
      const list = typeof value === 'object' && value !== null && '$in' in value ? value.$in : undefined;
      const plural = key === 'fondsIds' || key === 'securityLevels' || key === 'itemIds';
      if (plural !== Array.isArray(list)) throw new Error(`item read rule on ${field}: expected ${plural ? '$in' : 'a value'}`);
      (condition as Record<string, unknown>)[key] = plural ? list : value;
    }
    return condition;
  });
}
