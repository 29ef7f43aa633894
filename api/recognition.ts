import { z } from 'zod';
import { pageImageForRecognition, pageText, recognitionStatus, retryRecognition } from '../use-cases/recognition';
import type { ApiContext } from './context';
import { route, type Route } from './route';
import { PageTextView, RecognitionRetried, RecognitionRetry, RecognitionStatus } from './views/recognition';

const pageParam = z.object({ id: z.uuid('must be an item id (UUID)'), n: z.coerce.number().int().min(1).max(100_000) });
const rid = (req: { id: unknown }) => String(req.id);
const linkParam = z.object({ pageId: z.uuid('must be a page id (UUID)') });
const linkQuery = z.object({
  expires: z.coerce.number().int('must be seconds since the epoch').min(0).max(1e11),
  kek: z.string().regex(/^[0-9a-f]{32}$/, 'must be a KEK id (32 hex digits)'),
  signature: z.string().regex(/^[0-9a-f]{64}$/, 'must be an HMAC-SM3 signature (64 hex digits)'),
});

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
      path: '/recognition/pages/:pageId/image',
      tag: 'search',
      auth: false,
      summary: "A page's image, decrypted, for an OCR worker holding the short-lived signed link the recognition workflow gave it",
      params: linkParam,
      query: linkQuery,
      errors: [403, 404, 409],
      response: { status: 200, description: 'The page image as captured', binary: ['image/png', 'image/jpeg', 'image/tiff'] },
      async handle({ req, res, params, query }) {
        const { image, contentType } = await pageImageForRecognition(ctx, { pageId: params.pageId, ...query }, rid(req));
        res.type(contentType).set('cache-control', 'no-store').send(image);
        return undefined;
      },
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
