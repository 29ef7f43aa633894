import { TypedSearchAttributes } from '@temporalio/common';
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { z } from 'zod';
import { citizenIdProblem } from '../domain/citizen-id';
import { SECURITY_LEVELS } from '../domain/security';
import type { Db, Item } from '../prisma/client';
import { itemLifecycle } from '../workflows/item-lifecycle';
import { fondsKey, lifecycleStateKey } from '../workflows/search-attributes';

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
 * Registers the item and starts its lifecycle workflow. Idempotent by business case number within the fonds;
 * if the workflow cannot start, the item is withdrawn, so nothing is left half-way.
 */
export async function registerCase(db: Db, temporal: Client, taskQueue: string, input: ItemRegistration, actor: string): Promise<{ created: boolean; item: Item }> {
  const { fonds, businessType, office } = await resolveRegistration(db, input);
  const existing = await db.item.findUnique({ where: { fondsId_caseNumber: { fondsId: fonds.id, caseNumber: input.caseNumber } } });
  if (existing?.workflowId) return { created: false, item: existing };
  const item =
    existing ??
    (await db.item.create({
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
    }));
  const workflowId = `item-${item.id}`;
  try {
    await temporal.workflow.start(itemLifecycle, {
      workflowId,
      taskQueue,
      args: [{ itemId: item.id, state: 'registered', registeredBy: actor }],
      typedSearchAttributes: new TypedSearchAttributes([
        { key: lifecycleStateKey, value: 'registered' },
        { key: fondsKey, value: fonds.code },
      ]),
    });
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) {
      await db.item.delete({ where: { id: item.id } });
      throw err;
    }
  }
  return { created: true, item: await db.item.update({ where: { id: item.id }, data: { workflowId } }) };
}
