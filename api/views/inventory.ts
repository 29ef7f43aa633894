import { z } from 'zod';
import { FindingKind, InventoryStatus, TaskStatus } from '../../prisma/client';

const time = z.string().meta({ format: 'date-time' });

export const RunView = z.object({
  id: z.string(),
  fonds: z.string(),
  sequence: z.number().int(),
  workflowId: z.string(),
  trigger: z.string(),
  requestedBy: z.string(),
  status: z.enum(InventoryStatus),
  stage: z
    .enum(['checking', 'judging_shelves', 'checking_audit_chain', 'finishing', 'completed', 'failed'])
    .nullable()
    .describe('while the run is running'),
  error: z.string().nullable(),
  rehash: z.unknown().describe("'all', or the re-hash cycle's share this run took"),
  progress: z.object({
    itemsTotal: z.number().int(),
    itemsChecked: z.number().int(),
    objectsChecked: z.number().int(),
    objectsRehashed: z.number().int(),
    bytesRehashed: z.number().int(),
  }),
  shelfScans: z.array(z.string()),
  shelvesJudged: z.boolean(),
  findingCount: z.number().int(),
  counts: z.record(z.enum(FindingKind), z.number().int()),
  findings: z.array(
    z.object({
      id: z.string(),
      kind: z.enum(FindingKind),
      itemId: z.string().nullable(),
      archivalCode: z.string().nullable(),
      pageNumber: z.number().int().nullable(),
      box: z.string().nullable(),
      detail: z.string(),
      taskId: z.string().nullable(),
      taskStatus: z.enum(TaskStatus).nullable(),
    }),
  ),
  auditChainCheck: z
    .object({
      id: z.string(),
      status: z.enum(InventoryStatus),
      intact: z.boolean().nullable(),
      linksChecked: z.number().int(),
      problemCount: z.number().int(),
    })
    .nullable()
    .describe("the run's check of the 审计链 (GET /audit/chain/checks/{id} for auditors); a break is an audit_chain_broken finding"),
  startedAt: time,
  finishedAt: time.nullable(),
});

export const ScheduleView = z.object({
  fonds: z.string(),
  scheduleId: z.string(),
  cron: z.string(),
  rehashCycle: z.number().int(),
  paused: z.boolean(),
  overlap: z.string().optional(),
  catchupWindowMs: z.number(),
  nextRuns: z.array(time),
  recentRuns: z.array(z.object({ workflowId: z.string(), scheduledAt: time, takenAt: time })),
});

export const ShelfScanView = z.object({
  id: z.string(),
  reader: z.string(),
  scannedBy: z.string(),
  status: z.enum(['open', 'closed']),
  readings: z.array(z.object({ barcode: z.string(), at: time.nullable(), shape: z.enum(['shelf', 'box', 'item', 'unknown']) })),
  counts: z.object({ shelf: z.number().int(), box: z.number().int(), item: z.number().int(), unknown: z.number().int() }),
  startedAt: time,
  closedAt: time.nullable(),
});

export const TaskView = z.object({
  id: z.string(),
  fonds: z.string(),
  kind: z.string(),
  itemId: z.string().nullable(),
  archivalCode: z.string().nullable(),
  source: z.string(),
  title: z.string(),
  detail: z.string(),
  status: z.enum(TaskStatus),
  createdAt: time,
  resolvedBy: z.string().nullable(),
  resolvedAt: time.nullable(),
  resolution: z.string().nullable(),
});
