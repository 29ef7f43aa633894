import { z } from 'zod';

export const RecognitionStatus = z.object({
  pages: z.object({
    waiting: z.number().int().describe('current pages whose text is still to be recognised (新采集 and back-fill)'),
    recognised: z.number().int(),
    failed: z.number().int().describe('pages the OCR could not read; see failedPages, and POST /recognition/retry'),
  }),
  pagesPerMinute: z.number().describe('pages recognised per minute over the last ten minutes'),
  minutesLeft: z.number().int().nullable().describe('until nothing waits, at that rate; null when nothing was read lately'),
  oldestWaitingSince: z.string().nullable(),
  ocrWorkers: z.number().int().nullable().describe('OCR workers polling their queue now; null when Temporal does not answer'),
  taskQueue: z.string(),
  failedPages: z
    .array(
      z.object({
        itemId: z.string(),
        archivalCode: z.string().nullable(),
        caseNumber: z.string(),
        pageNumber: z.number().int(),
        reason: z.string(),
      }),
    )
    .describe('the newest 20 failed pages'),
});

export const RecognitionRetry = z.object({
  itemId: z.uuid('must be an item id (UUID)').optional().describe("only this item's failed pages; all failed pages when absent"),
});

export const RecognitionRetried = z.object({ pagesWaitingAgain: z.number().int() });

export const PageTextView = z.object({
  pageNumber: z.number().int(),
  state: z.enum(['pending', 'recognised', 'failed']),
  stateLabel: z.string().describe('等待识别, 已识别 or 识别失败'),
  reason: z.string().nullable().describe('why it failed'),
  engine: z.string().nullable(),
  recognisedAt: z.string().nullable(),
  confidence: z.number().nullable().describe("mean of the lines' confidence, 0–1"),
  text: z.string().nullable().describe('the lines in reading order, one per line'),
  lines: z.array(
    z.object({
      text: z.string(),
      confidence: z.number(),
      box: z.array(z.array(z.number().int())).describe('four corners [x, y], clockwise from top left, in pixels of the stored image'),
    }),
  ),
});
