import type { Actor } from '../api/access';
import type { ApiContext } from '../api/context';
import { conflict, notFound } from '../api/errors';
import { audit } from '../catalogue/audit';
import { findTask as findTaskRecord, resolveOpenTask, tasksOf, type ArchivistTask } from '../catalogue/tasks';

export function taskView(t: ArchivistTask) {
  return {
    id: t.id,
    fonds: t.fondsCode,
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

export async function listTasks(ctx: ApiContext, fondsIds: string[], status: 'open' | 'resolved', limit: number) {
  return (await tasksOf(ctx.db, fondsIds, status, limit)).map(taskView);
}

/** The task, or a 404. */
export async function findTask(ctx: ApiContext, id: string): Promise<ArchivistTask> {
  const task = await findTaskRecord(ctx.db, id);
  if (!task) throw notFound(`task ${id}`);
  return task;
}

/** Resolves an open task, saying what was done, audited; a task already resolved is a 409. */
export async function resolveTask(ctx: ApiContext, actor: Actor, task: ArchivistTask, resolution: string, requestId: string) {
  if (!(await resolveOpenTask(ctx.db, task.id, { resolvedBy: actor.username, resolution })))
    throw conflict(`task ${task.id} is already resolved`);
  await audit(ctx.db, {
    actorId: actor.id,
    actor: actor.username,
    action: 'task.resolve',
    subject: `task:${task.id}`,
    outcome: 'done',
    reason: resolution,
    requestId,
  });
  return taskView((await findTaskRecord(ctx.db, task.id))!);
}
