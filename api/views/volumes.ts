import { z } from 'zod';
import { BoxCapacityUnit, HandOverStatus } from '../../prisma/client';
import { BoxView, recorded } from './common';

const time = z.string().meta({ format: 'date-time' });

export const AssemblyView = z.object({
  id: z.string(),
  workflowId: z.string(),
  status: z.string(),
  stage: z.enum(['numbering', 'moving', 'documents', 'done', 'failed']).nullable().describe('while the workflow runs'),
  error: z.string().nullable(),
  scope: recorded('the years and retention periods the assembly took'),
  items: z.number().int(),
  boxes: z.array(BoxView),
  documents: z.array(z.object({ name: z.string(), size: z.number().int(), sha256: z.string(), href: z.string() })),
  startedAt: time,
  finishedAt: time.nullable(),
});

export const HandOverView = z.object({
  id: z.string(),
  workflowId: z.string(),
  status: z.enum(HandOverStatus),
  stage: z.enum(['checking', 'submitted', 'returned', 'accepting', 'accepted']).nullable().describe('while the workflow runs'),
  discrepancies: z.array(z.string()).describe('what the last count found wrong'),
  businessUnit: z.string(),
  itemCount: z.number().int(),
  pageCount: z.number().int(),
  handedOverBy: z.string(),
  receivedBy: z.string(),
  witness: z.string(),
  rounds: recorded('each round of return and resubmission'),
  decidedBy: z.string().nullable(),
  decidedAt: time.nullable(),
  boxes: z.array(BoxView),
});

export const HandOverDecided = z.union([
  z.object({ shelfBarcodes: z.array(z.string()) }).describe('accepted: the barcodes of the shelves its boxes went to'),
  z.object({ returned: z.literal(true) }).describe('returned to the business unit'),
]);
export const Resubmitted = z.object({ resubmitted: z.literal(true) });

export const ArrangementView = z.object({
  fonds: z.string(),
  referenceCodeTemplate: z.string(),
  example: z.string().describe('an archival code made by the template'),
  boxCapacity: z.number().int(),
  boxCapacityUnit: z.enum(BoxCapacityUnit),
  numberedItems: z.number().int(),
});
