import { z } from 'zod';
import { InventoryStatus } from '../../prisma/client';

const time = z.string().meta({ format: 'date-time' });
const ChainKind = z.enum(['audit_event', 'lifecycle_event']).describe('which chain: the audit trail or the lifecycle history');

const Problem = z.object({
  kind: ChainKind,
  problem: z.enum([
    'edited',
    'deleted',
    'inserted',
    'back_dated',
    'link_altered',
    'checkpoint_mismatch',
    'checkpoint_unsigned',
    'checkpoint_missing',
  ]),
  label: z.string().describe('the problem in Chinese, e.g. 内容被修改'),
  entryId: z.string().describe('the audit or lifecycle entry'),
  seq: z.string().optional().describe('its place in the chain, for a linked entry'),
  detail: z.string(),
});

const Chains = z
  .array(
    z.object({
      kind: ChainKind,
      links: z.number().int().describe('links checked'),
      checkpoints: z.number().int().describe('checkpoints in the store checked'),
      problems: z.number().int().describe('problems found, all counted (up to 100 per chain are listed)'),
    }),
  )
  .describe('one per chain');
const Trigger = z.enum(['on_demand', 'inventory']).describe("an auditor's check, or a periodic inventory's");

export const AuditChainReport = z.object({
  checkId: z.string(),
  trigger: Trigger,
  intact: z.boolean().describe('true: every chain and every checkpoint checked out'),
  startedAt: time,
  checkedAt: time.describe('when the check completed'),
  seconds: z.number(),
  chains: Chains,
  firstBroken: Problem.nullable().describe('the first problem in chain order'),
  problems: z.array(Problem).describe('up to 100 per chain, in chain order'),
});

export const AuditChainCheckView = z.object({
  id: z.string(),
  workflowId: z.string(),
  trigger: Trigger,
  requestedBy: z.string().describe('the auditor, or inventory_run:<id>'),
  inventoryRunId: z.string().nullable(),
  status: z.enum(InventoryStatus),
  stage: z.enum(['links', 'outside', 'checkpoints', 'recorded']).nullable().describe('while it runs: what it is checking'),
  checking: ChainKind.nullable().describe('while it runs: which chain'),
  error: z.string().nullable(),
  progress: z.object({
    linksTotal: z.number().int().describe('links of both chains up to their heads when the check opened'),
    linksChecked: z.number().int(),
    checkpointsChecked: z.number().int(),
    problemCount: z.number().int().describe('problems so far'),
  }),
  intact: z.boolean().nullable().describe('once completed'),
  chains: Chains,
  firstBroken: Problem.nullable().describe('the first problem so far, in chain order'),
  problems: z.array(Problem).describe('so far, up to 100 per chain, in chain order'),
  startedAt: time,
  finishedAt: time.nullable(),
});
