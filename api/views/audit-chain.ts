import { z } from 'zod';

const Problem = z.object({
  kind: z.enum(['audit_event', 'lifecycle_event']).describe('which chain: the audit trail or the lifecycle history'),
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

export const AuditChainReport = z.object({
  intact: z.boolean().describe('true: every chain and every checkpoint checks out'),
  checkedAt: z.string(),
  seconds: z.number(),
  chains: z.array(z.object({ kind: z.string(), links: z.number().int(), checkpoints: z.number().int(), problems: z.number().int() })),
  firstBroken: Problem.nullable().describe('the first problem in chain order'),
  problems: z.array(Problem).describe('up to 100 per chain, in chain order'),
});
