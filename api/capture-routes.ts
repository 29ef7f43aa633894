import { z } from 'zod';
import {
  captureStatus,
  finishItemCapture,
  operatorIsBack,
  orderScan,
  restartCapture,
  reviewUpload,
  uploadPage,
} from '../use-cases/capture';
import { pagesOf } from '../use-cases/pages';
import type { ApiContext } from './context';
import { authorisedItem } from './authorise';
import { route, type Route } from './route';
import { CaptureFinished, CaptureRestarted, CaptureStatus, PageStaged, Pages, Recorded, Resumed, ScanOrdered } from './views/capture';
import { ItemParams, verificationRoutes } from './verification-routes';

/** Media types a page image may be uploaded as. */
export const IMAGE_TYPES = [
  'image/jpeg',
  'image/png',
  'image/tiff',
  'image/x-portable-anymap',
  'image/x-portable-pixmap',
  'image/x-portable-graymap',
];

export const ScanOrderBody = z.object({
  workstation: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must name a workstation (letters, digits, - or _)'),
  device: z.string().min(1).max(200).describe('SANE device name, e.g. "fujitsu:fi-7160:12345" or "test:0"'),
  source: z.enum(['flatbed', 'adf']).optional(),
  resolution: z.number().int().min(75).max(1200).optional(),
  colour: z.enum(['colour', 'grey', 'lineart']).optional(),
  duplex: z.boolean().optional(),
  maxPages: z.number().int().min(1).max(1000).optional(),
  area: z.object({ widthMm: z.number().min(10).max(1000), heightMm: z.number().min(10).max(2000) }).optional(),
  extraOptions: z.record(z.string().regex(/^[a-z][a-z0-9-]*$/), z.string().max(200)).optional(),
  finish: z.boolean().default(true).describe('finish the capture when the batch ends'),
});

/** Collect (采集) of one business case: scans and uploads, the end of capture, the initial review, its pages; then its verification. */
export function captureRoutes(ctx: ApiContext): Route[] {
  const rid = (req: { id: unknown }) => req.id as string;
  return [
    route({
      method: 'post',
      path: '/items/:id/scan',
      tag: 'capture',
      auth: true,
      summary: "Scan the item's pages on a workstation's scanner (事中 at the window); faults that need the operator wait for them",
      params: ItemParams,
      body: ScanOrderBody,
      errors: [404, 409],
      response: { status: 202, description: 'Scan ordered; the capture view', schema: ScanOrdered },
      async handle({ req, actor, params, body }) {
        const item = await authorisedItem(ctx, actor, params.id, 'capture', rid(req));
        const { finish, ...order } = body;
        return orderScan(ctx, actor, item, order, finish);
      },
    }),
    route({
      method: 'post',
      path: '/items/:id/pages',
      tag: 'capture',
      auth: true,
      summary:
        'Upload one page image (clerk, archivist, or the employer for their own case); with ?replaces=N it rescans page N of a failed item',
      params: ItemParams,
      query: z.object({ replaces: z.coerce.number().int().min(1).optional() }),
      rawBody: { types: IMAGE_TYPES, limit: ctx.config.quality.maxUploadBytes },
      errors: [404, 409],
      response: { status: 202, description: 'The page is staged', schema: PageStaged },
      async handle({ req, actor, params, query, body }) {
        const item = await authorisedItem(ctx, actor, params.id, 'upload', rid(req));
        return uploadPage(ctx, actor, item, body, query.replaces);
      },
    }),
    route({
      method: 'post',
      path: '/items/:id/capture/finish',
      tag: 'capture',
      auth: true,
      summary: 'Say all pages are in: they are prepared, stored, fixed, and the item goes on to verification',
      params: ItemParams,
      errors: [404, 409],
      response: { status: 200, description: 'Pages taken', schema: CaptureFinished },
      async handle({ req, actor, params }) {
        return finishItemCapture(ctx, actor, await authorisedItem(ctx, actor, params.id, 'upload', rid(req)));
      },
    }),
    route({
      method: 'post',
      path: '/items/:id/capture/resume',
      tag: 'capture',
      auth: true,
      summary: 'The operator has cleared the device fault (jam, cover, empty feeder): resume the scan',
      params: ItemParams,
      errors: [404, 409],
      response: { status: 200, description: 'Resumed', schema: Resumed },
      async handle({ req, actor, params }) {
        return operatorIsBack(ctx, actor, await authorisedItem(ctx, actor, params.id, 'capture', rid(req)));
      },
    }),
    route({
      method: 'post',
      path: '/items/:id/capture/restart',
      tag: 'capture',
      auth: true,
      summary: 'Start a failed capture again with the pages it was given that are still staged; names those to send again',
      params: ItemParams,
      errors: [404, 409],
      response: { status: 202, description: 'Capture started again; it waits for the finish as any capture', schema: CaptureRestarted },
      async handle({ req, res, actor, params }) {
        const restarted = await restartCapture(ctx, actor, await authorisedItem(ctx, actor, params.id, 'upload', rid(req)));
        res.status(202).json(restarted);
        return restarted;
      },
    }),
    route({
      method: 'get',
      path: '/items/:id/capture',
      tag: 'capture',
      auth: true,
      summary: "The item's capture and verification: waiting on whom, device fault, defects found and how they were resolved",
      params: ItemParams,
      errors: [404],
      response: { status: 200, description: 'Capture and verification status', schema: CaptureStatus },
      async handle({ req, actor, params }) {
        return captureStatus(ctx, await authorisedItem(ctx, actor, params.id, 'read', rid(req)));
      },
    }),
    route({
      method: 'post',
      path: '/items/:id/initial-review',
      tag: 'capture',
      auth: true,
      summary: "A clerk's initial review (初审) of an employer's upload: approve, or reject with a reason",
      params: ItemParams,
      body: z.object({ approved: z.boolean(), reason: z.string().max(1000).optional() }),
      errors: [404, 409],
      response: { status: 200, description: 'Recorded', schema: Recorded },
      async handle({ req, actor, params, body }) {
        return reviewUpload(ctx, actor, await authorisedItem(ctx, actor, params.id, 'review_upload', rid(req)), body);
      },
    }),
    route({
      method: 'get',
      path: '/items/:id/pages',
      tag: 'capture',
      auth: true,
      summary: "The item's pages, current and replaced, with their digests and measurements",
      params: ItemParams,
      errors: [404],
      response: { status: 200, description: 'Pages', schema: Pages },
      async handle({ req, actor, params }) {
        return pagesOf(ctx, await authorisedItem(ctx, actor, params.id, 'read', rid(req)));
      },
    }),
    ...verificationRoutes(ctx),
  ];
}
