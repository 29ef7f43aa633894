import { z } from 'zod';
import { USE_FORMS, USE_PURPOSES } from '../domain/consultation';
import { accessPage, accessPdf } from '../use-cases/access-copies';
import {
  consultationList,
  consultationOf,
  consultationView,
  decide,
  fileConsultation,
  lend,
  recordOutcome,
  renew,
  requireSight,
  takeBack,
} from '../use-cases/consultations';
import { defineAbilityFor } from './access';
import { deny } from './authorise';
import type { ApiContext } from './context';
import { route, type Route } from './route';
import { ConsultationList, ConsultationView } from './views/consultations';

const text = (max: number) => z.string().trim().min(1).max(max);

const Request = z
  .object({
    purpose: z.enum(USE_PURPOSES).describe('benefit_claim 查档（待遇申领）, audit 审计, judicial 司法, personal 个人查询, other 其他'),
    purposeText: text(500).optional().describe('what the use is for, in words; required when purpose is other'),
    form: z.enum(USE_FORMS).describe('view 在线查阅, copy 复制/摘录 (a stamped PDF), borrow 借阅 (the paper)'),
    items: z
      .array(z.uuid('must be an item id (UUID)'))
      .min(1)
      .max(200)
      .refine((ids) => new Set(ids).size === ids.length, 'an item is named twice'),
    outsideUnit: z
      .object({
        name: text(200).describe('the outside unit (a court, an audit office…)'),
        introductionLetter: text(100).describe('介绍信编号'),
      })
      .optional(),
  })
  .refine((r) => r.purpose !== 'other' || Boolean(r.purposeText), { message: 'say what the use is for', path: ['purposeText'] });

const Decision = z.discriminatedUnion('decision', [
  z.object({ decision: z.literal('approve') }),
  z.object({ decision: z.literal('refuse'), reason: text(500).describe('why the request is refused; the requester reads it') }),
]);

const idParam = z.object({ id: z.uuid('must be a request id (UUID)') });
const itemParam = z.object({ id: z.uuid('must be a request id (UUID)'), itemId: z.uuid('must be an item id (UUID)') });
const pageParam = itemParam.extend({ n: z.coerce.number().int().min(1).max(100_000) });
const rid = (req: { id: unknown }) => String(req.id);

/** 利用: requests, their approval, renewal, paper loans and returns, the outcome, and the stamped access copies. */
export function consultationRoutes(ctx: ApiContext): Route[] {
  return [
    route({
      method: 'post',
      path: '/consultations',
      tag: 'use',
      auth: true,
      summary:
        'File a request to use records (利用申请): purpose, items and form of use; own records in self-service are approved as filed',
      body: Request,
      errors: [409],
      response: { status: 201, description: 'Filed; the number is what the requester quotes', schema: ConsultationView },
      async handle({ req, res, actor, body }) {
        const view = await fileConsultation(ctx, actor, body, rid(req));
        res.status(201).json(view);
        return view;
      },
    }),
    route({
      method: 'get',
      path: '/consultations',
      tag: 'use',
      auth: true,
      summary: 'Your requests, newest first; with awaiting=true, the requests of your fonds that wait for approval',
      query: z.object({
        awaiting: z.enum(['true', 'false']).default('false'),
        limit: z.coerce.number().int().min(1).max(100).default(50),
      }),
      response: { status: 200, description: 'Requests', schema: ConsultationList },
      async handle({ req, actor, query }) {
        const awaiting = query.awaiting === 'true';
        if (awaiting && !defineAbilityFor(actor).can('approve_use', 'UseApproval'))
          await deny(ctx, actor, 'approve_use', 'consultations', 'only the archive manager and the agency head approve requests', rid(req));
        return consultationList(ctx, actor, awaiting, query.limit);
      },
    }),
    route({
      method: 'get',
      path: '/consultations/:id',
      tag: 'use',
      auth: true,
      summary: 'One request: its state, approval, time limit, items and loans',
      params: idParam,
      errors: [404],
      response: { status: 200, description: 'The request', schema: ConsultationView },
      async handle({ req, actor, params }) {
        const c = await consultationOf(ctx, params.id);
        await requireSight(ctx, actor, c, rid(req));
        return consultationView(ctx, actor, c);
      },
    }),
    route({
      method: 'post',
      path: '/consultations/:id/decision',
      tag: 'use',
      auth: true,
      summary:
        'Approve a request, granting access until its time limit, or refuse it with a reason (archive manager; agency head for 秘密 and up)',
      params: idParam,
      body: Decision,
      errors: [404, 409],
      response: { status: 200, description: 'Decided', schema: ConsultationView },
      async handle({ req, actor, params, body }) {
        return decide(ctx, actor, await consultationOf(ctx, params.id), body, rid(req));
      },
    }),
    route({
      method: 'post',
      path: '/consultations/:id/renewal',
      tag: 'use',
      auth: true,
      summary: 'Renew an approved request once, by whoever may approve it: its grants (and paper lent) run on by the renewal period',
      params: idParam,
      errors: [404, 409],
      response: { status: 200, description: 'Renewed', schema: ConsultationView },
      async handle({ req, actor, params }) {
        return renew(ctx, actor, await consultationOf(ctx, params.id), rid(req));
      },
    }),
    route({
      method: 'post',
      path: '/consultations/:id/loans',
      tag: 'use',
      auth: true,
      summary: 'Hand out the paper of items of an approved borrowing request (借出); due back when the request’s time runs out',
      params: idParam,
      body: z.object({ items: z.array(z.uuid('must be an item id (UUID)')).min(1).max(200) }),
      errors: [404, 409],
      response: { status: 200, description: 'Lent', schema: ConsultationView },
      async handle({ req, actor, params, body }) {
        return lend(ctx, actor, await consultationOf(ctx, params.id), body.items, rid(req));
      },
    }),
    route({
      method: 'post',
      path: '/consultations/:id/returns',
      tag: 'use',
      auth: true,
      summary: 'Record the return of a lent item, checked face to face (归还), with the condition it came back in',
      params: idParam,
      body: z.object({ itemId: z.uuid('must be an item id (UUID)'), condition: text(500).describe('e.g. 完好，页数无误') }),
      errors: [404, 409],
      response: { status: 200, description: 'Returned', schema: ConsultationView },
      async handle({ req, actor, params, body }) {
        return takeBack(ctx, actor, await consultationOf(ctx, params.id), body, rid(req));
      },
    }),
    route({
      method: 'post',
      path: '/consultations/:id/outcome',
      tag: 'use',
      auth: true,
      summary: 'Record what the use achieved (利用效果), by the requester or an archivist',
      params: idParam,
      body: z.object({ outcome: text(1000) }),
      errors: [404, 409],
      response: { status: 200, description: 'Recorded', schema: ConsultationView },
      async handle({ req, actor, params, body }) {
        return recordOutcome(ctx, actor, await consultationOf(ctx, params.id), body.outcome, rid(req));
      },
    }),
    route({
      method: 'get',
      path: '/consultations/:id/items/:itemId/pages/:n',
      tag: 'use',
      auth: true,
      summary: 'Page n of an item as an access copy: stamped with the requester, the request number and the time; audited and registered',
      params: pageParam,
      errors: [404, 409],
      response: { status: 200, description: 'The stamped page (JPEG)', binary: ['image/jpeg'] },
      async handle({ req, res, actor, params }) {
        const image = await accessPage(ctx, actor, await consultationOf(ctx, params.id), params.itemId, params.n, rid(req));
        res.type('image/jpeg').set('cache-control', 'no-store').send(image);
        return undefined;
      },
    }),
    route({
      method: 'get',
      path: '/consultations/:id/items/:itemId/copy.pdf',
      tag: 'use',
      auth: true,
      summary: 'All pages of an item as a stamped PDF (复制件) for a copy request; audited and registered',
      params: itemParam,
      errors: [404, 409],
      response: { status: 200, description: 'The stamped copy (PDF)', binary: ['application/pdf'] },
      async handle({ req, res, actor, params }) {
        const pdf = await accessPdf(ctx, actor, await consultationOf(ctx, params.id), params.itemId, rid(req));
        res.type('application/pdf').set('cache-control', 'no-store').send(pdf);
        return undefined;
      },
    }),
  ];
}
