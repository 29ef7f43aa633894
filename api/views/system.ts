import { z } from 'zod';
import { LIFECYCLE_STATES } from '../../domain/lifecycle';
import { ROLES } from '../../domain/roles';
import { SECURITY_LEVELS } from '../../domain/security';
import { isoTime } from './common';

const Check = z.object({ ok: z.boolean(), latencyMs: z.number(), error: z.string().optional() });
export const Health = z.object({
  status: z.enum(['ok', 'degraded']),
  checks: z.object({ postgres: Check, temporal: Check, objectStore: Check }),
});

export const CurrentUser = z.object({
  username: z.string(),
  displayName: z.string(),
  roles: z.array(z.enum(ROLES)),
  clearance: z.enum(SECURITY_LEVELS),
  fonds: z.array(z.string()).describe('codes of the fonds the user works in'),
  secondFactor: z
    .enum(['not_required', 'verified', 'required', 'enrolment_required'])
    .describe("where this token's sign-in stands with the second factor (TOTP): required and enrolment_required read only"),
  mfaEnrolled: z.boolean(),
});

export const FondsList = z.array(z.object({ code: z.string(), name: z.string(), orgCode: z.string() }));

const StateCounts = z.object(Object.fromEntries(LIFECYCLE_STATES.map((s) => [s, z.number().int()])));
export const LifecycleCounts = z.array(z.object({ fonds: z.string(), name: z.string(), total: z.number().int(), byState: StateCounts }));

export const AuditEvents = z.array(
  z.object({
    id: z.string(),
    at: isoTime,
    actorId: z.string().nullable(),
    actor: z.string(),
    action: z.string(),
    subject: z.string().nullable(),
    outcome: z.string(),
    reason: z.string().nullable(),
    requestId: z.string().nullable(),
    details: z.unknown().describe('what the action recorded besides, if anything'),
  }),
);

/** The OpenAPI document itself, as far as a client relies on it. */
export const OpenApiDocument = z.looseObject({ openapi: z.string(), info: z.looseObject({}), paths: z.record(z.string(), z.unknown()) });
