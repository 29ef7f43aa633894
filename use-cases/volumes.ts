import { randomUUID } from 'node:crypto';
import type { Actor } from '../api/access';
import type { ApiContext } from '../api/context';
import { notFound } from '../api/errors';
import { assemblyDocuments, assemblyWithBoxes, createAssembly, withdrawAssembly } from '../catalogue/assemblies';
import { inFonds } from '../contracts/search-attributes';
import {
  VOLUME_ASSEMBLY_WORKFLOW,
  assemblyQuery,
  volumeAssemblyWorkflowId,
  type StoredDocument,
  type VolumeAssemblyWorkflow,
  type VolumeDocumentName,
} from '../contracts/volume';
import type { AssemblyScope } from '../domain/volume';
import { boxView } from './boxes';
import { startOrWithdraw } from './commit-point';

export type Assembly = NonNullable<Awaited<ReturnType<typeof assemblyWithBoxes>>>;

/** Records the assembly and starts its workflow; returns its view. */
export async function startAssembly(ctx: ApiContext, actor: Actor, fonds: { id: string; code: string }, scope: AssemblyScope) {
  const id = randomUUID();
  const workflowId = volumeAssemblyWorkflowId(id);
  await createAssembly(ctx.db, { id, fondsId: fonds.id, workflowId, requestedBy: actor.displayName, scope });
  await startOrWithdraw<VolumeAssemblyWorkflow>(
    ctx,
    VOLUME_ASSEMBLY_WORKFLOW,
    {
      workflowId,
      taskQueue: ctx.config.temporal.taskQueue,
      args: [{ assemblyId: id, actor: actor.username }],
      typedSearchAttributes: inFonds(fonds.code),
    },
    () => withdrawAssembly(ctx.db, id),
  );
  return assemblyView(ctx, await assemblyOf(ctx, id));
}

/** The assembly with its boxes; 404 when there is none. */
export async function assemblyOf(ctx: ApiContext, id: string): Promise<Assembly> {
  const assembly = await assemblyWithBoxes(ctx.db, id);
  if (!assembly) throw notFound(`volume assembly ${id}`);
  return assembly;
}

/** The assembly as the API shows it: its stage while the workflow runs, its boxes and documents. */
export async function assemblyView(ctx: ApiContext, assembly: Assembly) {
  const live = await ctx.temporal.workflow
    .getHandle(assembly.workflowId)
    .query(assemblyQuery)
    .catch(() => undefined);
  return {
    id: assembly.id,
    workflowId: assembly.workflowId,
    status: assembly.status,
    stage: live?.stage ?? null,
    error: assembly.error,
    scope: assembly.scope,
    items: assembly.itemCount,
    boxes: assembly.boxes.map(boxView),
    documents: assembly.documents.map((d) => ({
      name: d.name,
      size: d.size,
      sha256: d.sha256,
      href: `/volume-assemblies/${assembly.id}/documents/${d.name}`,
    })),
    startedAt: assembly.createdAt.toISOString(),
    finishedAt: assembly.finishedAt?.toISOString() ?? null,
  };
}

/** The assembly's fonds and documents; 404 when there is no such assembly. */
export async function documentsOf(ctx: ApiContext, id: string) {
  const assembly = await assemblyDocuments(ctx.db, id);
  if (!assembly) throw notFound(`volume assembly ${id}`);
  return assembly;
}

/** One printed document of the assembly and its bytes; 404 when it was not printed. */
export async function assemblyDocument(ctx: ApiContext, id: string, documents: StoredDocument[], name: VolumeDocumentName) {
  const document = documents.find((d) => d.name === name);
  if (!document) throw notFound(`document ${name} of assembly ${id}`);
  return { contentType: document.contentType, body: await ctx.store.get({ bucket: document.bucket, key: document.key }) };
}
