import { z } from 'zod';
import { pageText, recognitionStatus, retryRecognition } from '../use-cases/recognition';
import type { ApiContext } from './context';
import { route, type Route } from './route';
import { PageTextView, RecognitionRetried, RecognitionRetry, RecognitionStatus } from './views/recognition';

const pageParam = z.object({ id: z.uuid('must be an item id (UUID)'), n: z.coerce.number().int().min(1).max(100_000) });
const rid = (req: { id: unknown }) => String(req.id);

/** 全文识别: progress of the archive's OCR, failed pages sent again, and a page's recognised text. */
export function recognitionRoutes(ctx: ApiContext): Route[] {
  return [
    route({
      method: 'get',
      path: '/recognition',
      tag: 'search',
      auth: true,
      summary: 'How far recognition (全文识别) has got: pages waiting, recognised and failed, the rate, OCR workers polling',
      response: { status: 200, description: 'The progress', schema: RecognitionStatus },
      handle: ({ req, actor }) => recognitionStatus(ctx, actor, rid(req)),
    }),
    route({
      method: 'post',
      path: '/recognition/retry',
      tag: 'search',
      auth: true,
      summary: 'Send the pages that failed recognition (all, or one item’s) to be read again',
      body: RecognitionRetry,
      errors: [404],
      response: { status: 200, description: 'How many pages wait again', schema: RecognitionRetried },
      handle: ({ req, actor, body }) => retryRecognition(ctx, actor, body, rid(req)),
    }),
    route({
      method: 'get',
      path: '/items/:id/pages/:n/text',
      tag: 'search',
      auth: true,
      summary: "Page n's recognised text, with each line's confidence and box, or where its recognition stands",
      params: pageParam,
      errors: [404],
      response: { status: 200, description: 'The text, or its state', schema: PageTextView },
      handle: ({ req, actor, params }) => pageText(ctx, actor, params.id, params.n, rid(req)),
    }),
  ];
}
