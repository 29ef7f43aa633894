import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { citizenIdProblem } from '../domain/citizen-id';
import { SECURITY_LEVELS } from '../domain/security';
import type { Db, Item } from '../prisma/client';

/** A business case's index data as the business system (or an import index) gives it. */
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

export class RegistrationError extends Error {
  override name = 'RegistrationError';
  constructor(readonly field: string, message: string) {
    super(`${field}: ${message}`);
  }
}

/** Finds the fonds, business type and handling office the index data names, or says which is unknown. */
export async function resolveRegistration(db: Db, input: ItemRegistration) {
  const [fonds, businessType, office] = await Promise.all([
    db.fonds.findUnique({ where: { code: input.fonds } }),
    db.businessType.findUnique({ where: { code: input.businessType } }),
    db.handlingOffice.findUnique({ where: { code: input.handlingOffice } }),
  ]);
  if (!fonds) throw new RegistrationError('fonds', `no fonds has code ${input.fonds}`);
  if (!businessType) throw new RegistrationError('businessType', `no business type has code ${input.businessType}`);
  if (!office) throw new RegistrationError('handlingOffice', `no handling office has code ${input.handlingOffice}`);
  return { fonds, businessType, office };
}

/**
 * Registers the business case's item in `registered`, with its first history and audit rows, in one transaction.
 * Idempotent by business case number within the fonds: of any number of registrations at once, one creates the
 * item and the others find it.
 */
export async function registerCase(db: Db, input: ItemRegistration, actor: string): Promise<{ created: boolean; item: Item }> {
  const { fonds, businessType, office } = await resolveRegistration(db, input);
  const existing = await db.item.findUnique({ where: { fondsId_caseNumber: { fondsId: fonds.id, caseNumber: input.caseNumber } } });
  if (existing) return { created: false, item: existing };
  const id = randomUUID();
  const created = await db.$transaction(async (tx) => {
    const inserted = await tx.$executeRaw`
      INSERT INTO item (id, fonds_id, business_type_id, year, retention_period, security_level, case_number, citizen_id, person_name,
        employer_name, employer_credit_code, clerk_name, handled_on, handling_office_id, title, updated_at)
      VALUES (${id}::uuid, ${fonds.id}::uuid, ${businessType.id}::uuid, ${Number(input.handledOn.slice(0, 4))}, ${businessType.defaultRetention}::"RetentionPeriod",
        ${input.securityLevel}::"SecurityLevel", ${input.caseNumber}, ${input.citizenId}, ${input.personName}, ${input.employerName ?? null},
        ${input.employerCreditCode ?? null}, ${input.clerk}, ${input.handledOn}::date, ${office.id}::uuid, ${input.title ?? `${input.personName} ${businessType.name}`}, now())
      ON CONFLICT (fonds_id, case_number) DO NOTHING`;
    if (inserted === 0) return false;
    await tx.lifecycleEvent.create({ data: { itemId: id, fromState: null, toState: 'registered', actor, transitionId: `registration/${id}` } });
    await tx.auditEvent.create({ data: { actor, action: 'item.register', subject: `item:${id}`, outcome: 'done', details: { fonds: fonds.code, caseNumber: input.caseNumber } } });
    return true;
  });
  const item = await db.item.findUniqueOrThrow({ where: created ? { id } : { fondsId_caseNumber: { fondsId: fonds.id, caseNumber: input.caseNumber } } });
  return { created, item };
}
