import { z } from 'zod';
import {
  AppraisalDecisionKind,
  AppraisalStatus,
  DestructionEntryStatus,
  DestructionListStatus,
  LifecycleState,
  RetentionPeriod,
} from '../../prisma/client';

const time = z.string().meta({ format: 'date-time' });
const Approval = z.object({
  role: z.enum(['agency_head', 'witness']),
  username: z.string(),
  displayName: z.string(),
  decision: z.enum(['approve', 'reject']),
  comment: z.string().nullable(),
  at: time,
});

export const AppraisalView = z.object({
  id: z.string(),
  workflowId: z.string(),
  status: z.enum(AppraisalStatus),
  asOf: z.string().meta({ format: 'date' }),
  rule: z.string(),
  members: z.array(z.string()),
  decidedByMember: z.record(z.string(), z.number().int()).describe('decisions each member has recorded'),
  outstanding: z.number().int().nullable().describe('decisions the committee still owes, while the batch is open'),
  items: z.array(
    z.object({
      id: z.string(),
      archivalCode: z.string().nullable(),
      title: z.string(),
      year: z.number().int(),
      retentionPeriod: z.enum(RetentionPeriod),
      lifecycleState: z.enum(LifecycleState),
      outcome: z.enum(AppraisalDecisionKind).nullable(),
      newPeriod: z.enum(RetentionPeriod).nullable(),
      keptUntil: z.string().meta({ format: 'date' }).nullable(),
    }),
  ),
});

export const DecisionsRecorded = z.object({ recorded: z.number().int(), outstanding: z.number().int() });

export const DestructionListView = z.object({
  id: z.string(),
  workflowId: z.string(),
  batchId: z.string(),
  status: z.enum(DestructionListStatus),
  stage: z.enum(['awaiting_approval', 'rejected', 'scheduled', 'executing', 'executed']).nullable().describe('while the workflow runs'),
  proposedBy: z.string(),
  method: z.string(),
  place: z.string(),
  scheduledFor: time.nullable(),
  approvals: z.unknown().describe('each approval or rejection given, with the role it filled'),
  waitingFor: z.array(z.string()).describe('the roles whose approval is still awaited'),
  escalations: z.number().int(),
  counts: z.record(z.string(), z.number().int()).describe('entries by status: listed, removed, destroyed, failed'),
  executedAt: time.nullable(),
  documents: z.array(z.string()),
  entries: z.array(
    z.object({
      itemId: z.string(),
      archivalCode: z.string().nullable(),
      title: z.string(),
      status: z.enum(DestructionEntryStatus),
      reason: z.string().nullable(),
      destroyedAt: time.nullable(),
      bytesFound: z.number().int().nullable().describe('bytes of every version found at the first check, before anything was deleted'),
      objectsGone: z
        .array(z.object({ pageNumber: z.number().int(), bucket: z.string(), key: z.string() }))
        .describe('pages already gone from the store'),
    }),
  ),
});

export const ApprovalRecorded = Approval;
