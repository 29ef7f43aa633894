import { z } from 'zod';
import { DESTRUCTION_DOCUMENTS } from '../contracts/destruction';
import {
  batchToPropose,
  decideOnList,
  destructionDocument,
  destructionListView,
  findList,
  proposeDestruction,
} from '../use-cases/destruction-lists';
import type { Action, Actor } from './access';
import type { ApiContext } from './context';
import { route, type Route } from './route';
import { ApprovalRecorded, DestructionListView } from './views/destruction';
import { requireInFonds } from './authorise';

const Proposal = z.object({
  batch: z.uuid('must be an appraisal batch id (UUID)'),
  method: z.string().trim().min(1, 'say how the paper will be destroyed, e.g. 碎纸机粉碎').max(200),
  place: z.string().trim().min(1, 'say where the destruction takes place').max(200),
  scheduledFor: z.iso
    .datetime({ offset: true, message: 'must be a date and time, e.g. 2026-12-01T09:00:00+08:00' })
    .optional()
    .describe('when the destruction is carried out, with the witnesses present; at once on approval when omitted'),
});
const Approval = z
  .object({ decision: z.enum(['approve', 'reject']), comment: z.string().trim().max(2000).optional() })
  .refine((a) => a.decision === 'approve' || Boolean(a.comment), { message: 'a rejection needs its reason', path: ['comment'] });

async function propose(ctx: ApiContext, actor: Actor, proposal: z.infer<typeof Proposal>, requestId: string) {
  const batch = await batchToPropose(ctx, proposal.batch);
  await requireInFonds(ctx, actor, 'propose_destruction', batch.fondsId, `appraisal_batch:${batch.id}`, requestId);
  return proposeDestruction(ctx, actor, batch, proposal);
}

async function listFor(ctx: ApiContext, actor: Actor, id: string, requestId: string, action: Action = 'read') {
  const list = await findList(ctx, id);
  await requireInFonds(ctx, actor, action, list.fondsId, `destruction_list:${id}`, requestId);
  return list;
}

export function destructionRoutes(ctx: ApiContext): Route[] {
  const idParam = z.object({ id: z.uuid() });
  return [
    route({
      method: 'post',
      path: '/destruction-lists',
      tag: 'destruction',
      auth: true,
      summary: 'Propose a destruction list (销毁清册) from an appraisal batch’s destroy decisions; held items are taken off at once',
      body: Proposal,
      errors: [409],
      response: { status: 202, description: 'List proposed; it waits for the agency head and two witnesses', schema: DestructionListView },
      async handle({ req, res, actor, body }) {
        const view = await propose(ctx, actor, body, req.id as string);
        res.status(202).json(view);
        return view;
      },
    }),
    route({
      method: 'get',
      path: '/destruction-lists/:id',
      tag: 'destruction',
      auth: true,
      summary: 'A destruction list: its approvals, who it still waits for, and each item with its status and reason',
      params: idParam,
      errors: [404],
      response: { status: 200, description: 'The list', schema: DestructionListView },
      async handle({ req, actor, params }) {
        await listFor(ctx, actor, params.id, req.id as string);
        return destructionListView(ctx, params.id);
      },
    }),
    route({
      method: 'post',
      path: '/destruction-lists/:id/approvals',
      tag: 'destruction',
      auth: true,
      summary: 'Approve or reject the list as agency head or as witness (监销人); nobody decides twice or on a list they proposed',
      params: idParam,
      body: Approval,
      errors: [404, 409],
      response: { status: 200, description: 'The approval as recorded, with the role it filled', schema: ApprovalRecorded },
      async handle({ req, actor, params, body }) {
        const list = await listFor(ctx, actor, params.id, req.id as string, 'approve_destruction');
        return decideOnList(ctx, list, actor, body);
      },
    }),
    route({
      method: 'get',
      path: '/destruction-lists/:id/documents/:name',
      tag: 'destruction',
      auth: true,
      summary: 'The destruction list or certificate (PDF), kept permanently once the destruction has run',
      params: z.object({ id: z.uuid(), name: z.enum(DESTRUCTION_DOCUMENTS) }),
      errors: [404],
      response: { status: 200, description: 'The document (PDF)', binary: ['application/pdf'] },
      async handle({ req, res, actor, params }) {
        await listFor(ctx, actor, params.id, req.id as string);
        const body = await destructionDocument(ctx, params.id, params.name);
        res.type('application/pdf').send(body);
        return undefined;
      },
    }),
  ];
}
