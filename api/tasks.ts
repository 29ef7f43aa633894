import { z } from 'zod';
import { defineAbilityFor, fondsSubject } from './access';
import { findTask, listTasks, resolveTask } from '../use-cases/tasks';
import type { ApiContext } from './context';
import { route, type Route } from './route';
import { TaskView } from './views/inventory';
import { deny, fondsFor, requireInFonds } from './authorise';

const TaskQuery = z.object({
  status: z.enum(['open', 'resolved']).default('open'),
  fonds: z.string().min(1).optional().describe('one fonds; all the fonds whose tasks you handle when absent'),
  limit: z.coerce.number().int().min(1).max(1000).default(200),
});

const Resolution = z.object({ resolution: z.string().trim().min(1, 'say what was done').max(2000) });

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
        return listTasks(ctx, fondsIds, query.status, query.limit);
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
        const task = await findTask(ctx, params.id);
        await requireInFonds(ctx, actor, 'handle_tasks', task.fondsId, `task:${task.id}`, req.id as string);
        return resolveTask(ctx, actor, task, body.resolution, req.id as string);
      },
    }),
  ];
}
