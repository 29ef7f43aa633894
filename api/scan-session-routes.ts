import { randomUUID } from 'node:crypto';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { z } from 'zod';
import {
  SCAN_SESSION_WORKFLOW,
  finishCapture,
  operatorReady,
  pagesArrived,
  scanRequested,
  scanSessionQuery,
  scanSessionWorkflowId,
  sessionStagingId,
  type ScanSessionWorkflow,
} from '../contracts/scan-session';
import { stageUpload } from './capture';
import { IMAGE_TYPES, ScanOrderBody } from './capture-routes';
import type { ApiContext } from './context';
import { conflict, forbidden, notFound } from './errors';
import { route, type Route } from './route';
import type { Actor } from './access';

const SessionParams = z.object({ id: z.uuid('must be a scan session id (UUID)') });

function requireScanningRole(actor: Actor): void {
  if (!actor.roles.some((r) => r === 'clerk' || r === 'archivist')) throw forbidden('only clerks and archivists run scan sessions');
}

/** Batch scanning afterwards (事后): a stack of several cases, sorted into cases by their processing slips. */
export function scanSessionRoutes(ctx: ApiContext): Route[] {
  const handle = (id: string) => ctx.temporal.workflow.getHandle(scanSessionWorkflowId(id));
  const describe = async (id: string) => {
    const h = handle(id);
    const description = await h.describe().catch(() => undefined);
    if (!description) throw notFound(`scan session ${id}`);
    const view = await h.query(scanSessionQuery);
    return { ...view, status: description.status.name };
  };
  return [
    route({
      method: 'post',
      path: '/scan-sessions',
      tag: 'capture',
      auth: true,
      summary: 'Open a batch scan session (事后扫描): scan or upload a stack of several cases, sorted by their slips',
      response: { status: 201, description: 'The session' },
      async handle({ res, actor }) {
        requireScanningRole(actor);
        const sessionId = randomUUID();
        await ctx.temporal.workflow.start<ScanSessionWorkflow>(SCAN_SESSION_WORKFLOW, {
          workflowId: scanSessionWorkflowId(sessionId),
          taskQueue: ctx.config.temporal.taskQueue,
          args: [{ sessionId, actor: actor.username, fondsIds: actor.fondsIds }],
        });
        const session = await describe(sessionId);
        res.status(201).json(session);
        return session;
      },
    }),
    route({
      method: 'post',
      path: '/scan-sessions/:id/scan',
      tag: 'capture',
      auth: true,
      summary: "Scan (part of) the stack on a workstation's feeder",
      params: SessionParams,
      body: ScanOrderBody.omit({ finish: true }),
      errors: [404],
      response: { status: 202, description: 'Scan ordered' },
      async handle({ actor, params, body }) {
        requireScanningRole(actor);
        await describe(params.id);
        await handle(params.id).signal(scanRequested, body);
        return describe(params.id);
      },
    }),
    route({
      method: 'post',
      path: '/scan-sessions/:id/pages',
      tag: 'capture',
      auth: true,
      summary: 'Add one page of the stack as an image (e.g. from a network scanner)',
      params: SessionParams,
      rawBody: { types: IMAGE_TYPES, limit: ctx.config.quality.maxUploadBytes },
      errors: [404],
      response: { status: 202, description: 'The page is staged' },
      async handle({ actor, params, body }) {
        requireScanningRole(actor);
        await describe(params.id);
        await handle(params.id).signal(pagesArrived, [await stageUpload(ctx, actor, body, sessionStagingId(params.id))]);
        return { staged: 1 };
      },
    }),
    route({
      method: 'post',
      path: '/scan-sessions/:id/finish',
      tag: 'capture',
      auth: true,
      summary: 'The whole stack is in: sort it into cases and hand each its pages',
      params: SessionParams,
      errors: [404, 409],
      response: { status: 200, description: 'Sorting started' },
      async handle({ actor, params }) {
        requireScanningRole(actor);
        await describe(params.id);
        try {
          return await handle(params.id).executeUpdate(finishCapture, { args: [{ actor: actor.username }] });
        } catch (err) {
          if (err instanceof WorkflowUpdateFailedError) throw conflict(err.cause?.message ?? err.message);
          throw err;
        }
      },
    }),
    route({
      method: 'post',
      path: '/scan-sessions/:id/resume',
      tag: 'capture',
      auth: true,
      summary: 'The operator has cleared the device fault: resume scanning the stack',
      params: SessionParams,
      errors: [404],
      response: { status: 200, description: 'Resumed' },
      async handle({ actor, params }) {
        requireScanningRole(actor);
        await handle(params.id).signal(operatorReady, { actor: actor.username });
        return describe(params.id);
      },
    }),
    route({
      method: 'get',
      path: '/scan-sessions/:id',
      tag: 'capture',
      auth: true,
      summary: 'The session: pages staged, device fault, and how the stack was sorted into cases',
      params: SessionParams,
      errors: [404],
      response: { status: 200, description: 'The session' },
      handle: ({ params }) => describe(params.id),
    }),
  ];
}
