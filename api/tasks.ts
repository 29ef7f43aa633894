import { z } from 'zod';
import { defineAbilityFor, fondsSubject } from './access';
import { audit } from '../catalogue/audit';
import type { ApiContext } from './context';
import { conflict, notFound } from './errors';
import { route, type Route } from './route';
import { deny, fondsFor, requireInFonds } from './authorise';

const TaskQuery = z.object({
  status: z.enum(['open', 'resolved']).default('open'),
  fonds: z.string().min(1).optional().describe('one fonds; all the fonds whose tasks you handle when absent'),
  limit: z.coerce.number().int().min(1).max(1000).default(200),
});

const Resolution = z.object({ resolution: z.string().trim().min(1, 'say what was done').max(2000) });

function taskView(t: {
  id: string;
  kind: string;
  itemId: string | null;
  source: string;
  title: string;
  detail: string;
  status: string;
  createdAt: Date;
  resolvedBy: string | null;
  resolvedAt: Date | null;
  resolution: string | null;
  fonds: { code: string };
  archivalCode?: string | null;
}) {
  return {
    id: t.id,
    fonds: t.fonds.code,
    kind: t.kind,
    itemId: t.itemId,
    archivalCode: t.archivalCode ?? null,
    source: t.source,
    title: t.title,
    detail: t.detail,
    status: t.status,
    createdAt: t.createdAt.toISOString(),
    resolvedBy: t.resolvedBy,
    resolvedAt: t.resolvedAt?.toISOString() ?? null,
    resolution: t.resolution,
  };
}

const TaskView = z
  .object({
    id: z.string(),
    fonds: z.string(),
    kind: z.string(),
    itemId: z.string().nullable(),
    source: z.string(),
    title: z.string(),
    detail: z.string(),
    status: z.enum(['open', 'resolved']),
  })
  .loose();

export function taskRoutes(ctx: ApiContext): Route[] {
  return [
    route({
      method: 'get',
      path: '/tasks',
      tag: 'inventory',
      auth: true,
      summary: "Archivists' tasks (from inventory findings and other checks), oldest first",
      query: TaskQuery,
      response: { status: 200, description: 'Tasks', schema: z.array(TaskView) },
      async handle({ req, actor, query }) {
        const ability = defineAbilityFor(actor);
        const fondsIds = query.fonds
          ? [(await fondsFor(ctx, actor, query.fonds, 'handle_tasks', req.id as string)).id]
          : actor.fondsIds.filter((id) => ability.can('handle_tasks', fondsSubject(id)));
        if (fondsIds.length === 0)
          await deny(
            ctx,
            actor,
            'handle_tasks',
            'tasks',
            `your roles (${actor.roles.join(', ')}) do not handle archivists' tasks`,
            req.id as string,
          );
        const tasks = await ctx.db.archivistTask.findMany({
          where: { fondsId: { in: fondsIds }, status: query.status },
          orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
          take: query.limit,
          include: { fonds: { select: { code: true } } },
        });
        const items = await ctx.db.item.findMany({
          where: { id: { in: tasks.flatMap((t) => (t.itemId ? [t.itemId] : [])) } },
          select: { id: true, archivalCode: true },
        });
        const codeOf = new Map(items.map((i) => [i.id, i.archivalCode]));
        return tasks.map((t) => taskView({ ...t, archivalCode: t.itemId ? codeOf.get(t.itemId) : null }));
      },
    }),
    route({
      method: 'post',
      path: '/tasks/:id/resolve',
      tag: 'inventory',
      auth: true,
      summary: 'Resolve a task, saying what was done (e.g. the object restored from the transfer copy, the box put back on its shelf)',
      params: z.object({ id: z.uuid() }),
      body: Resolution,
      errors: [404, 409],
      response: { status: 200, description: 'The resolved task', schema: TaskView },
      async handle({ req, actor, params, body }) {
        const task = await ctx.db.archivistTask.findUnique({ where: { id: params.id } });
        if (!task) throw notFound(`task ${params.id}`);
        await requireInFonds(ctx, actor, 'handle_tasks', task.fondsId, `task:${task.id}`, req.id as string);
        const resolved = await ctx.db.archivistTask.updateMany({
          where: { id: task.id, status: 'open' },
          data: { status: 'resolved', resolvedBy: actor.username, resolvedAt: new Date(), resolution: body.resolution },
        });
        if (resolved.count !== 1) throw conflict(`task ${task.id} is already resolved`);
        await audit(ctx.db, {
          actorId: actor.id,
          actor: actor.username,
          action: 'task.resolve',
          subject: `task:${task.id}`,
          outcome: 'done',
          reason: body.resolution,
          requestId: req.id as string,
        });
        const after = await ctx.db.archivistTask.findUniqueOrThrow({
          where: { id: task.id },
          include: { fonds: { select: { code: true } } },
        });
        const item = after.itemId ? await ctx.db.item.findUnique({ where: { id: after.itemId }, select: { archivalCode: true } }) : null;
        return taskView({ ...after, archivalCode: item?.archivalCode ?? null });
      },
    }),
  ];
}
