import { z } from 'zod';
import { AccessionStatus, TransferStatus } from '../../prisma/client';
import { PackageLocation, recorded } from './common';

const time = z.string().meta({ format: 'date-time' });

export const TransferView = z.object({
  id: z.string(),
  packageId: z.string(),
  workflowId: z.string(),
  status: z.enum(TransferStatus),
  stage: z
    .enum(['selecting', 'building', 'checking', 'refused', 'sent', 'accepted', 'rejected'])
    .nullable()
    .describe('while the workflow runs'),
  receiver: z.string(),
  encoding: z.string(),
  selection: recorded('the years, retention periods and package location chosen'),
  location: z.string().nullable().describe('where the package was written'),
  records: z.number().int().describe('items reserved for the transfer'),
  summary: recorded('the package’s totals, once built'),
  report: recorded('the checks before sending, rule by rule'),
  receipt: recorded('the receiver’s receipt, once recorded'),
  startedAt: time,
  finishedAt: time.nullable(),
});

export const AccessionView = z.object({
  id: z.string(),
  packageId: z.string(),
  workflowId: z.string(),
  status: z.enum(AccessionStatus),
  stage: z.string().nullable().describe('while the workflow runs'),
  source: PackageLocation,
  report: recorded('the checks’ report, rule by rule'),
  receiptLocation: z.string().nullable(),
  recordsAccepted: z.number().int(),
  receivedBy: z.string(),
  startedAt: time,
  decidedAt: time.nullable(),
});
