import { z } from 'zod';
import { addSessionPage, describeSession, finishSession, openSession, orderSessionScan, resumeSession } from '../use-cases/scan-sessions';
import { IMAGE_TYPES, ScanOrderBody } from './capture-routes';
import type { ApiContext } from './context';
import { deny } from './authorise';
import { route, type Route } from './route';
import type { Actor } from './access';
import { CaptureFinished, ScanSession, SessionPageStaged } from './views/capture';

const SessionParams = z.object({ id: z.uuid('must be a scan session id (UUID)') });

const rid = (req: { id: unknown }) => String(req.id);

/** Refuses, audited like every denial, anyone but clerks and archivists. */
async function requireScanningRole(ctx: ApiContext, actor: Actor, requestId: string): Promise<void> {
  if (!actor.roles.some((r) => r === 'clerk' || r === 'archivist'))
    await deny(ctx, actor, 'scan', 'scan_session', 'only clerks and archivists run scan sessions', requestId);
}

/** Batch scanning afterwards (事后): a stack of several cases, sorted into cases by their processing slips. */
export function scanSessionRoutes(ctx: ApiContext): Route[] {
  return [
    route({
      method: 'post',
      path: '/scan-sessions',
      tag: 'capture',
      auth: true,
      summary: 'Open a batch scan session (事后扫描): scan or upload a stack of several cases, sorted by their slips',
      response: { status: 201, description: 'The session', schema: ScanSession },
      async handle({ req, res, actor }) {
        await requireScanningRole(ctx, actor, rid(req));
        const session = await openSession(ctx, actor);
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
      response: { status: 202, description: 'Scan ordered', schema: ScanSession },
      async handle({ req, actor, params, body }) {
        await requireScanningRole(ctx, actor, rid(req));
        return orderSessionScan(ctx, params.id, body);
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
      response: { status: 202, description: 'The page is staged', schema: SessionPageStaged },
      async handle({ req, actor, params, body }) {
        await requireScanningRole(ctx, actor, rid(req));
        return addSessionPage(ctx, actor, params.id, body);
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
      response: { status: 200, description: 'Sorting started', schema: CaptureFinished },
      async handle({ req, actor, params }) {
        await requireScanningRole(ctx, actor, rid(req));
        return finishSession(ctx, actor, params.id);
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
      response: { status: 200, description: 'Resumed', schema: ScanSession },
      async handle({ req, actor, params }) {
        await requireScanningRole(ctx, actor, rid(req));
        return resumeSession(ctx, actor, params.id);
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
      response: { status: 200, description: 'The session', schema: ScanSession },
      handle: ({ params }) => describeSession(ctx, params.id),
    }),
  ];
}
