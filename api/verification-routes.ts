import { z } from 'zod';
import { DEFECT_TYPES } from '../domain/capture';
import { fixityOf, signingKeyView } from '../use-cases/pages';
import { overrideQuality, sampleReview } from '../use-cases/verification';
import { defineAbilityFor } from './access';
import { deny } from './authorise';
import type { ApiContext } from './context';
import { authorisedItem } from './authorise';
import { route, type Route } from './route';
import { Accepted, Fixity, SigningKey, WaitingItems } from './views/capture';
import { waitingItems } from '../use-cases/waiting';

export const ItemParams = z.object({ id: z.uuid('must be an item id (UUID)') });

const FindingBody = z.object({
  type: z.enum(DEFECT_TYPES),
  pageNumber: z.number().int().min(1).optional(),
  detail: z.string().min(1).max(1000),
});

/** Verify (质检): overrides and sampling reviews, fixity checked again, and the queues of items waiting on a person. */
export function verificationRoutes(ctx: ApiContext): Route[] {
  const rid = (req: { id: unknown }) => req.id as string;
  return [
    route({
      method: 'post',
      path: '/items/:id/quality/override',
      tag: 'verification',
      auth: true,
      summary: 'An archivist accepts a failed item as it is, with a recorded reason',
      params: ItemParams,
      body: z.object({ reason: z.string().trim().min(1, 'an override needs a reason').max(2000) }),
      errors: [404, 409],
      response: { status: 200, description: 'Override accepted', schema: Accepted },
      async handle({ req, actor, params, body }) {
        return overrideQuality(ctx, actor, await authorisedItem(ctx, actor, params.id, 'decide_quality', rid(req)), body.reason);
      },
    }),
    route({
      method: 'post',
      path: '/items/:id/quality/sample-review',
      tag: 'verification',
      auth: true,
      summary: 'Second-level sampling check (抽检): pass a sampled item, or send any verified item back with findings',
      params: ItemParams,
      errors: [404, 409],
      body: z
        .object({
          outcome: z.enum(['pass', 'send_back']),
          findings: z.array(FindingBody).max(100).optional(),
          reason: z.string().max(2000).optional(),
        })
        .refine((b) => b.outcome === 'pass' || (b.findings?.length ?? 0) > 0, {
          message: 'sending back needs at least one finding',
          path: ['findings'],
        }),
      response: { status: 200, description: 'Review recorded', schema: Accepted },
      async handle({ req, actor, params, body }) {
        return sampleReview(ctx, actor, await authorisedItem(ctx, actor, params.id, 'decide_quality', rid(req)), body);
      },
    }),
    route({
      method: 'get',
      path: '/items/:id/fixity',
      tag: 'verification',
      auth: true,
      summary: 'Re-read every current page and check its SHA-256, SM3 and SM2 signature against capture',
      params: ItemParams,
      errors: [404],
      response: { status: 200, description: 'Per-page fixity', schema: Fixity },
      async handle({ req, actor, params }) {
        return fixityOf(ctx, await authorisedItem(ctx, actor, params.id, 'read', rid(req)));
      },
    }),
    route({
      method: 'get',
      path: '/signing-keys/:id',
      tag: 'verification',
      auth: true,
      summary: 'The SM2 public key (PEM) that signed pages, by its id (SM3 of the key)',
      params: z.object({ id: z.string().regex(/^[0-9a-f]{64}$/, 'must be a key id (64 hex digits)') }),
      errors: [404],
      response: { status: 200, description: 'The public key', schema: SigningKey },
      handle: ({ params }) => signingKeyView(ctx, params.id),
    }),
    route({
      method: 'get',
      path: '/waiting',
      tag: 'verification',
      auth: true,
      summary:
        'Items waiting on a person (initial review, operator at a device, quality decision, sampling review), from Temporal search attributes',
      query: z.object({ on: z.enum(['initial_review', 'operator', 'quality_decision', 'sampling_review']).optional() }),
      response: { status: 200, description: 'Waiting items in the fonds the user works in', schema: WaitingItems },
      async handle({ req, actor, query }) {
        const ability = defineAbilityFor(actor);
        if (!ability.can('read', 'LifecycleStatus'))
          await deny(ctx, actor, 'read', 'waiting', 'your roles do not see work queues', rid(req));
        return waitingItems(ctx, actor, query.on);
      },
    }),
  ];
}
