import { creditCodeProblem } from '../domain/credit-code';
import { LONE_SURROGATE } from '../domain/text';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { agencyDateOf } from '../domain/calendar';
import { citizenIdProblem } from '../domain/citizen-id';
import type { LifecycleState } from '../domain/lifecycle';
import { SECURITY_LEVELS, type SecurityLevel } from '../domain/security';
import type { Db, RetentionPeriod } from '../prisma/client';

/** The PRC's social insurance begins after its founding; an earlier handling date is a typing error. */
export const EARLIEST_HANDLED_ON = '1949-10-01';

/** Cases one batch registration may carry. */
export const REGISTRATION_BATCH_LIMIT = 1000;

// Control characters have no place in index data, and a NUL would make PostgreSQL refuse the whole batch. Bidi
// controls would let a name display as another (a reversed 档号 or case number) while comparing as itself.
const CONTROL = /\p{Cc}/u;
const BIDI = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/u;
const text = () =>
  z
    .string()
    .refine((v) => !CONTROL.test(v), 'must not contain control characters')
    .refine((v) => !BIDI.test(v), 'must not contain bidirectional control characters')
    .refine((v) => !LONE_SURROGATE.test(v), 'must not contain half of a surrogate pair');
/** Text a person reads: not blank once trimmed. */
const words = (max: number) => text().trim().min(1, 'must not be blank').max(max);
// Case numbers come from business systems and end up in 档号 lookups, file names and barcodes: letters, digits and
// a few separators, starting with a letter or digit.
const CASE_NUMBER = /^[A-Za-z0-9][A-Za-z0-9._\-/]*$/;

/** A business case's index data as the business system (or an import index) gives it. */
export const ItemRegistration = z.object({
  fonds: text().min(1).describe('fonds code, e.g. J001'),
  caseNumber: text()
    .min(1)
    .max(64)
    .regex(CASE_NUMBER, 'must be letters, digits and . _ - / only, starting with a letter or digit')
    .describe('business case number from the business system'),
  businessType: text().min(1).describe('business type code, e.g. GL02'),
  citizenId: z.string().superRefine((v, ctx) => {
    const problem = citizenIdProblem(v);
    if (problem) ctx.addIssue({ code: 'custom', message: `citizen ID ${problem}` });
  }),
  personName: words(100),
  employerName: words(200).optional(),
  employerCreditCode: z
    .string()
    .superRefine((v, ctx) => {
      const problem = creditCodeProblem(v);
      if (problem) ctx.addIssue({ code: 'custom', message: `unified social credit code ${problem}` });
    })
    .optional()
    .describe('统一社会信用代码 of the employer (GB 32100-2015), check character verified'),
  clerk: words(100).describe('the clerk who handled the case'),
  handledOn: z.iso
    .date()
    .superRefine((v, ctx) => {
      if (v < EARLIEST_HANDLED_ON) ctx.addIssue({ code: 'custom', message: `must be on or after ${EARLIEST_HANDLED_ON}` });
      const today = agencyDateOf();
      if (v > today) ctx.addIssue({ code: 'custom', message: `must not be in the future (today is ${today}, China Standard Time)` });
    })
    .describe('date the case was handled, YYYY-MM-DD, China Standard Time; not in the future'),
  handlingOffice: text().min(1).describe('handling office code'),
  title: words(500).optional(),
  securityLevel: z.enum(SECURITY_LEVELS).default('internal'),
});
export type ItemRegistration = z.infer<typeof ItemRegistration>;

/** Why a case was not registered, in the terms of the API's errors. */
export interface Refusal {
  code: 'bad_request' | 'forbidden' | 'conflict';
  message: string;
  details?: { field: string; problem: string }[];
}

/** One case of a batch: its index data, or why it could not be read. A bad case must not spoil the others. */
export type CaseInput = { ok: true; value: ItemRegistration } | { ok: false; caseNumber: string | null; refusal: Refusal };
export const CaseInput = ItemRegistration.transform((value): CaseInput => ({ ok: true, value })).catch(({ input, error }): CaseInput => ({
  ok: false,
  caseNumber: caseNumberIn(input),
  refusal: invalidData(error.issues),
}));

export const RegistrationBatch = z.object({
  cases: z
    .array(CaseInput)
    .min(1, 'must hold at least one case')
    .max(REGISTRATION_BATCH_LIMIT, `at most ${REGISTRATION_BATCH_LIMIT} cases per request; send the rest in further requests`),
});

/** A registered item's index data and state, with the codes of what it refers to. */
export interface RegisteredItem {
  id: string;
  fondsId: string;
  fonds: string;
  archivalCode: string | null;
  caseNumber: string;
  businessType: string;
  lifecycleState: LifecycleState;
  securityLevel: SecurityLevel;
  retentionPeriod: RetentionPeriod;
  year: number;
  citizenId: string;
  personName: string;
  employerName: string | null;
  employerCreditCode: string | null;
  clerk: string;
  handledOn: string;
  handlingOffice: string;
  title: string;
}

export type CaseOutcome =
  | { index: number; caseNumber: string; status: 'created' | 'existing'; item: RegisteredItem }
  | { index: number; caseNumber: string | null; status: 'refused'; error: Refusal };

/** Who registers, and what they may register and see; a business system's import checks nothing. */
export interface Registrar {
  /** Recorded as the actor of the history and audit rows. */
  name: string;
  userId?: string;
  requestId?: string;
  /** Why this registrar may not register a case in this fonds at this level, or undefined. Audited as a denial. */
  mayNotRegister?(target: { fondsId: string; fonds: string; securityLevel: SecurityLevel }): string | undefined;
  /** Why this registrar may not see a registered item, or undefined. Audited as a denial; the reply shows nothing of the item. */
  mayNotSee?(item: RegisteredItem): string | undefined;
}

export class RegistrationError extends Error {
  override name = 'RegistrationError';
  constructor(readonly refusal: Refusal) {
    super(refusal.message);
  }
}

/** The fields of the index data a registered item is compared on when its case number is registered again. */
const COMPARED = [
  'businessType',
  'citizenId',
  'personName',
  'employerName',
  'employerCreditCode',
  'clerk',
  'handledOn',
  'handlingOffice',
  'title',
  'securityLevel',
] as const;

interface NewItem {
  index: number;
  id: string;
  fondsId: string;
  fonds: string;
  businessTypeId: string;
  handlingOfficeId: string;
  retentionPeriod: RetentionPeriod;
  /** A title left out is made from the person and the business type, and is not compared. */
  titleGiven: boolean;
  given: Pick<RegisteredItem, (typeof COMPARED)[number] | 'caseNumber'>;
}

interface Denial {
  subject: string;
  reason: string;
  caseNumber: string;
}

/**
 * Registers each case's item in `registered`, with its first history and audit rows, in one statement for the whole
 * batch. Each case is created, found already registered with the same index data, or refused with the reason (bad
 * or unknown index data, not allowed, registered with other data); a refused case changes nothing and stops no other.
 * Of any number of registrations of one case number at once, exactly one creates the item.
 */
export async function registerCases(db: Db, cases: readonly CaseInput[], registrar: Registrar): Promise<CaseOutcome[]> {
  const outcomes: CaseOutcome[] = new Array<CaseOutcome>(cases.length);
  const denials: Denial[] = [];
  const refuse = (index: number, caseNumber: string | null, { refusal, denial }: Refused) => {
    outcomes[index] = { index, caseNumber, status: 'refused', error: refusal };
    if (denial) denials.push(denial);
  };
  const readable: { index: number; input: ItemRegistration }[] = [];
  cases.forEach((c, index) => (c.ok ? readable.push({ index, input: c.value }) : refuse(index, c.caseNumber, { refusal: c.refusal })));
  const refs = await referencesOf(
    db,
    readable.map((r) => r.input),
  );
  const fresh: NewItem[] = [];
  for (const { index, input } of readable) {
    const prepared = prepare(index, input, refs, registrar);
    if ('refusal' in prepared) refuse(index, input.caseNumber, prepared);
    else fresh.push(prepared);
  }

  const created = await insertItems(db, firstOfEachCase(fresh), registrar);
  const items = new Map(fresh.filter((c) => created.has(c.id)).map((c) => [caseKey(c), asRegistered(c)]));
  for (const [key, item] of await registeredItems(
    db,
    fresh.filter((c) => !items.has(caseKey(c))),
  ))
    items.set(key, item);
  for (const c of fresh) {
    const item = items.get(caseKey(c));
    if (!item) throw new Error(`case ${c.given.caseNumber} is neither registered nor inserted`);
    const {
      index,
      given: { caseNumber },
    } = c;
    const refused = item.id === c.id ? undefined : judgeAgain(c, item, registrar);
    if (refused) refuse(index, caseNumber, refused);
    else outcomes[index] = { index, caseNumber, status: item.id === c.id ? 'created' : 'existing', item };
  }
  if (denials.length) await auditDenials(db, denials, registrar);
  return outcomes;
}

type Refused = { refusal: Refusal; denial?: Denial };

/** The case's new item, or why it may not be registered: unknown fonds, business type or office, or not allowed. */
function prepare(
  index: number,
  input: ItemRegistration,
  refs: Awaited<ReturnType<typeof referencesOf>>,
  registrar: Registrar,
): NewItem | Refused {
  const fonds = refs.fonds.get(input.fonds);
  const businessType = refs.businessTypes.get(input.businessType);
  const office = refs.offices.get(input.handlingOffice);
  if (!fonds) return { refusal: unknown('fonds', `no fonds has code ${input.fonds}`) };
  if (!businessType) return { refusal: unknown('businessType', `no business type has code ${input.businessType}`) };
  if (!office) return { refusal: unknown('handlingOffice', `no handling office has code ${input.handlingOffice}`) };
  const denied = registrar.mayNotRegister?.({ fondsId: fonds.id, fonds: fonds.code, securityLevel: input.securityLevel });
  if (denied)
    return {
      refusal: { code: 'forbidden', message: denied },
      denial: { subject: `fonds:${fonds.code}`, reason: denied, caseNumber: input.caseNumber },
    };
  const { caseNumber, citizenId, personName, clerk, handledOn, handlingOffice, securityLevel } = input;
  return {
    index,
    id: randomUUID(),
    fondsId: fonds.id,
    fonds: fonds.code,
    businessTypeId: businessType.id,
    handlingOfficeId: office.id,
    retentionPeriod: businessType.defaultRetention!,
    titleGiven: input.title !== undefined,
    given: {
      caseNumber,
      businessType: businessType.code,
      citizenId,
      personName,
      clerk,
      handledOn,
      handlingOffice,
      securityLevel,
      employerName: input.employerName ?? null,
      employerCreditCode: input.employerCreditCode ?? null,
      title: input.title ?? `${personName} ${businessType.name}`,
    },
  };
}

/**
 * A case whose number is already registered: refused when the registrar may not see the item (saying nothing of it)
 * or when its index data differs (naming the fields); otherwise it is that item.
 */
function judgeAgain(c: NewItem, item: RegisteredItem, registrar: Registrar): Refused | undefined {
  const { caseNumber } = c.given;
  const hidden = registrar.mayNotSee?.(item);
  if (hidden) {
    return {
      refusal: {
        code: 'conflict',
        message: `case number ${caseNumber} is already registered in fonds ${item.fonds}, as an item you may not see`,
      },
      denial: { subject: `item:${item.id}`, reason: hidden, caseNumber },
    };
  }
  const differing = COMPARED.filter((f) => c.given[f] !== item[f] && (f !== 'title' || c.titleGiven));
  if (differing.length === 0) return undefined;
  return {
    refusal: {
      code: 'conflict',
      message: `case number ${caseNumber} is already registered with other index data: ${differing.join(', ')} differ`,
      details: differing.map((field) => ({ field, problem: 'differs from the registered case' })),
    },
  };
}

/** Registers one case: created, or already registered with the same index data; otherwise a RegistrationError. */
export async function registerCase(
  db: Db,
  input: ItemRegistration,
  registrar: Registrar,
): Promise<{ created: boolean; item: RegisteredItem }> {
  const [outcome] = (await registerCases(db, [{ ok: true, value: input }], registrar)) as [CaseOutcome];
  if (outcome.status === 'refused') throw new RegistrationError(outcome.error);
  return { created: outcome.status === 'created', item: outcome.item };
}

interface Reference {
  kind: 'fonds' | 'businessType' | 'handlingOffice';
  id: string;
  code: string;
  name: string;
  defaultRetention: RetentionPeriod | null;
}

/** The fonds, business types and handling offices the cases name, by code, in one query. */
async function referencesOf(db: Db, inputs: readonly ItemRegistration[]) {
  const codes = (k: Reference['kind']) => [...new Set(inputs.map((i) => i[k]))];
  const rows =
    inputs.length === 0
      ? []
      : await db.$queryRaw<Reference[]>`
    SELECT 'fonds' AS kind, id::text, code, name, NULL AS "defaultRetention" FROM fonds WHERE code = ANY(${codes('fonds')}::text[])
    UNION ALL SELECT 'businessType', id::text, code, name, default_retention::text FROM business_type WHERE code = ANY(${codes('businessType')}::text[])
    UNION ALL SELECT 'handlingOffice', id::text, code, name, NULL FROM handling_office WHERE code = ANY(${codes('handlingOffice')}::text[])`;
  const byCode = (kind: Reference['kind']) => new Map(rows.filter((r) => r.kind === kind).map((r) => [r.code, r]));
  return { fonds: byCode('fonds'), businessTypes: byCode('businessType'), offices: byCode('handlingOffice') };
}

const caseKey = (c: { fondsId: string; given: { caseNumber: string } } | RegisteredItem) =>
  'given' in c ? `${c.fondsId}/${c.given.caseNumber}` : `${c.fondsId}/${c.caseNumber}`;

/**
 * The first case of each case number, in case number order: every registration takes its row locks in the same
 * order, so batches that overlap wait for each other and never deadlock. Later cases of the same number are
 * compared with the first.
 */
function firstOfEachCase(items: readonly NewItem[]): NewItem[] {
  const first = new Map<string, NewItem>();
  for (const c of items) if (!first.has(caseKey(c))) first.set(caseKey(c), c);
  const order = (a: NewItem, b: NewItem) =>
    a.fondsId < b.fondsId
      ? -1
      : a.fondsId > b.fondsId
        ? 1
        : a.given.caseNumber < b.given.caseNumber
          ? -1
          : a.given.caseNumber > b.given.caseNumber
            ? 1
            : 0;
  return [...first.values()].sort(order);
}

/** The item as its insert wrote it. */
function asRegistered(c: NewItem): RegisteredItem {
  const { id, fondsId, fonds, retentionPeriod, given } = c;
  return { ...given, id, fondsId, fonds, archivalCode: null, lifecycleState: 'registered', retentionPeriod, year: yearOf(given.handledOn) };
}

const yearOf = (date: string) => Number(date.slice(0, 4));

/** Inserts the items whose case number is not yet registered, with their history and audit rows; returns their ids. */
async function insertItems(db: Db, items: readonly NewItem[], registrar: Registrar): Promise<Set<string>> {
  if (items.length === 0) return new Set();
  const col = <T>(f: (c: NewItem) => T) => items.map(f);
  const rows = await db.$queryRaw<{ id: string }[]>`
    WITH given AS (
      SELECT * FROM unnest(
        ${col((c) => c.id)}::uuid[], ${col((c) => c.fondsId)}::uuid[], ${col((c) => c.businessTypeId)}::uuid[],
        ${col((c) => yearOf(c.given.handledOn))}::int[], ${col((c) => c.retentionPeriod)}::"RetentionPeriod"[],
        ${col((c) => c.given.securityLevel)}::"SecurityLevel"[], ${col((c) => c.given.caseNumber)}::text[], ${col((c) => c.given.citizenId)}::text[],
        ${col((c) => c.given.personName)}::text[], ${col((c) => c.given.employerName)}::text[], ${col((c) => c.given.employerCreditCode)}::text[],
        ${col((c) => c.given.clerk)}::text[], ${col((c) => c.given.handledOn)}::date[], ${col((c) => c.handlingOfficeId)}::uuid[], ${col((c) => c.given.title)}::text[]
      ) WITH ORDINALITY AS g(id, fonds_id, business_type_id, year, retention_period, security_level, case_number, citizen_id, person_name,
        employer_name, employer_credit_code, clerk_name, handled_on, handling_office_id, title, n)
    ), created AS (
      INSERT INTO item (id, fonds_id, business_type_id, year, retention_period, security_level, case_number, citizen_id, person_name,
        employer_name, employer_credit_code, clerk_name, handled_on, handling_office_id, title, updated_at)
      SELECT id, fonds_id, business_type_id, year, retention_period, security_level, case_number, citizen_id, person_name,
        employer_name, employer_credit_code, clerk_name, handled_on, handling_office_id, title, now()
      FROM given ORDER BY n
      ON CONFLICT (fonds_id, case_number) DO NOTHING
      RETURNING id, fonds_id, case_number
    ), history AS (
      INSERT INTO lifecycle_event (item_id, from_state, to_state, actor, transition_id)
      SELECT id, NULL, 'registered', ${registrar.name}, 'registration/' || id::text FROM created
    ), trail AS (
      INSERT INTO audit_event (actor_id, actor, action, subject, outcome, request_id, details)
      SELECT ${registrar.userId ?? null}::uuid, ${registrar.name}, 'item.register', 'item:' || c.id::text, 'done', ${registrar.requestId ?? null},
        jsonb_build_object('fonds', f.code, 'caseNumber', c.case_number)
      FROM created c JOIN fonds f ON f.id = c.fonds_id
    )
    SELECT id::text FROM created`;
  return new Set(rows.map((r) => r.id));
}

/** The registered items of the cases' numbers, by fonds and case number. */
async function registeredItems(db: Db, cases: readonly NewItem[]): Promise<Map<string, RegisteredItem>> {
  if (cases.length === 0) return new Map();
  const rows = await db.$queryRaw<RegisteredItem[]>`
    SELECT i.id::text, i.fonds_id::text AS "fondsId", f.code AS fonds, i.archival_code AS "archivalCode", i.case_number AS "caseNumber",
      bt.code AS "businessType", i.lifecycle_state::text AS "lifecycleState", i.security_level::text AS "securityLevel",
      i.retention_period::text AS "retentionPeriod", i.year, i.citizen_id AS "citizenId", i.person_name AS "personName",
      i.employer_name AS "employerName", i.employer_credit_code AS "employerCreditCode", i.clerk_name AS clerk,
      to_char(i.handled_on, 'YYYY-MM-DD') AS "handledOn", ho.code AS "handlingOffice", i.title
    FROM (SELECT DISTINCT * FROM unnest(${cases.map((c) => c.fondsId)}::uuid[], ${cases.map((c) => c.given.caseNumber)}::text[]) AS k(fonds_id, case_number)) k
    JOIN item i ON i.fonds_id = k.fonds_id AND i.case_number = k.case_number
    JOIN fonds f ON f.id = i.fonds_id
    JOIN business_type bt ON bt.id = i.business_type_id
    JOIN handling_office ho ON ho.id = i.handling_office_id`;
  return new Map(rows.map((r) => [caseKey(r), r]));
}

async function auditDenials(db: Db, denials: readonly Denial[], registrar: Registrar): Promise<void> {
  await db.auditEvent.createMany({
    data: denials.map((d) => ({
      actorId: registrar.userId,
      actor: registrar.name,
      action: 'register',
      subject: d.subject,
      outcome: 'denied',
      reason: d.reason,
      requestId: registrar.requestId,
      details: { caseNumber: d.caseNumber },
    })),
  });
}

function unknown(field: string, problem: string): Refusal {
  return { code: 'bad_request', message: `${field}: ${problem}`, details: [{ field, problem }] };
}

function invalidData(issues: readonly z.core.$ZodIssue[]): Refusal {
  const fieldOf = (i: z.core.$ZodIssue) => i.path.join('.') || 'case';
  return {
    code: 'bad_request',
    message: issues.map((i) => `${fieldOf(i)}: ${i.message}`).join('; '),
    details: issues.map((i) => ({ field: fieldOf(i), problem: i.message })),
  };
}

function caseNumberIn(input: unknown): string | null {
  const value = (input as { caseNumber?: unknown } | null)?.caseNumber;
  return typeof value === 'string' ? value : null;
}
