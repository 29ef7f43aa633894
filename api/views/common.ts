import { z } from 'zod';

/** A time as the reply carries it: ISO 8601 in UTC (a Date a use case returns is sent as one). */
export const isoTime = z
  .custom<string | Date>((v) => typeof v === 'string' || v instanceof Date)
  .meta({ type: 'string', format: 'date-time' });

/** A day, YYYY-MM-DD. */
export const isoDay = z.string().meta({ format: 'date' });

/** JSON kept as the step recorded it (a report, a selection, a receipt). */
export const recorded = (what: string) => z.unknown().describe(what);

/** Where a transfer package lies: in the packages bucket, or in a folder under the transfer root. */
export const PackageLocation = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('s3'), bucket: z.string(), prefix: z.string() }),
  z.object({ kind: z.literal('directory'), path: z.string() }),
]);

/** A box as the API shows it, with its place on a shelf once the archive room has shelved it. */
export const BoxView = z.object({
  id: z.string(),
  boxNumber: z.number().int(),
  barcode: z.string(),
  year: z.number().int(),
  retentionPeriod: z.string(),
  orgCode: z.string(),
  firstItemNumber: z.number().int(),
  lastItemNumber: z.number().int(),
  itemCount: z.number().int(),
  pageCount: z.number().int(),
  location: z.object({ room: z.string(), shelf: z.string(), position: z.number().int().nullable(), shelfBarcode: z.string() }).nullable(),
});

/** What a scan shows while it runs: whether it is scanning, and a device fault the operator must clear. */
export const WaitingOn = z.enum(['none', 'initial_review', 'operator', 'capture', 'quality_decision', 'sampling_review']);
export const ScanView = z.object({
  waitingOn: WaitingOn,
  scanning: z.boolean(),
  fault: z.object({ name: z.string(), message: z.string(), pagesDelivered: z.number().int() }).nullable(),
});

/** The pages a finished capture took. */
export const CaptureFinished = z.object({ pages: z.number().int() });
