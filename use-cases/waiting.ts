import type { WaitingOn } from '../domain/capture';
import { itemsInFonds } from '../catalogue/items';
import type { Actor } from '../api/access';
import type { ApiContext } from '../api/context';

/** Lists running step workflows by their LantaiWaitingOn search attribute, limited to the actor's fonds. */
export async function waitingItems(ctx: ApiContext, actor: Actor, on: Exclude<WaitingOn, 'none' | 'capture'> | undefined) {
  const query = `ExecutionStatus = 'Running' AND ${on ? `LantaiWaitingOn = '${on}'` : `LantaiWaitingOn IN ('initial_review', 'operator', 'quality_decision', 'sampling_review')`}`;
  const found: { workflowId: string; itemId: string; waitingOn: string; since: string }[] = [];
  for await (const wf of ctx.temporal.workflow.list({ query })) {
    const itemId = wf.workflowId.replace(/^(capture|verify)-/, '');
    const waitingOn = wf.searchAttributes.LantaiWaitingOn?.[0];
    found.push({ workflowId: wf.workflowId, itemId, waitingOn: String(waitingOn), since: wf.startTime.toISOString() });
    if (found.length >= 1000) break;
  }
  const items = await itemsInFonds(
    ctx.db,
    found.map((f) => f.itemId),
    actor.fondsIds,
  );
  const byId = new Map(items.map((i) => [i.id, i]));
  return found.flatMap((f) => {
    const item = byId.get(f.itemId);
    return item ? [{ ...f, fonds: item.fonds.code, caseNumber: item.caseNumber, lifecycleState: item.lifecycleState }] : [];
  });
}
