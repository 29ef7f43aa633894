import { WorkflowUpdateFailedError } from '@temporalio/client';
import { registerItem } from '../api/items';
import type { Actor } from '../api/access';
import { createObjectStore } from '../store/object-store';
import { advanceLifecycle, lifecycleQuery } from '../workflows';
import { caseFor, harness, log, type Harness } from './helpers';

let h: Harness;
const clerk: Actor = { id: '00000000-0000-0000-0000-000000000000', username: 'clerk', displayName: '王经办', roles: ['clerk'], clearance: 'internal', fondsIds: [], citizenId: null, creditCode: null, grantedItemIds: [] };

beforeAll(async () => {
  h = await harness();
  const j001 = await h.db.fonds.findUniqueOrThrow({ where: { code: 'J001' } });
  clerk.fondsIds = [j001.id];
});
afterAll(() => h.close());

async function register() {
  const ctx = { config: h.config, db: h.db, temporal: h.temporal, store: createObjectStore(h.config.s3), log };
  const { item } = await registerItem(ctx, clerk, { ...caseFor(), securityLevel: 'internal' }, 'test');
  return { item, handle: h.temporal.workflow.getHandle(item.workflowId!) };
}

async function catalogueState(itemId: string) {
  return (await h.db.item.findUniqueOrThrow({ where: { id: itemId } })).lifecycleState;
}

describe('item lifecycle on the real Temporal server', () => {
  it('moves an item on, mirrors every move into the catalogue, and survives a worker restart', async () => {
    const first = await h.startWorker();
    const { item, handle } = await register();
    await handle.executeUpdate(advanceLifecycle, { args: [{ to: 'captured', actor: 'clerk' }] });
    expect(await handle.query(lifecycleQuery)).toMatchObject({ state: 'captured' });
    expect(await catalogueState(item.id)).toBe('captured');

    await first.shutdown();
    // With no worker polling, the move waits in Temporal; a new worker picks it up where the first stopped.
    const pending = handle.executeUpdate(advanceLifecycle, { args: [{ to: 'verified', actor: 'archivist', reason: 'checked' }] });
    await new Promise((r) => setTimeout(r, 1500));
    expect(await catalogueState(item.id)).toBe('captured');
    await h.startWorker();
    await expect(pending).resolves.toMatchObject({ from: 'captured', to: 'verified', actor: 'archivist' });

    expect(await handle.query(lifecycleQuery)).toMatchObject({ state: 'verified', transitions: 2 });
    expect(await catalogueState(item.id)).toBe('verified');
    const history = await h.db.lifecycleEvent.findMany({ where: { itemId: item.id }, orderBy: { id: 'asc' } });
    expect(history.map((e) => [e.fromState, e.toState, e.actor])).toEqual([
      [null, 'registered', 'clerk'],
      ['registered', 'captured', 'clerk'],
      ['captured', 'verified', 'archivist'],
    ]);
    const described = await handle.describe();
    expect(described.searchAttributes.LantaiLifecycleState).toEqual(['verified']);
  });

  it('refuses a move the lifecycle does not allow and changes nothing', async () => {
    const { item, handle } = await register();
    const refused = await handle.executeUpdate(advanceLifecycle, { args: [{ to: 'destroyed', actor: 'clerk' }] }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(WorkflowUpdateFailedError);
    expect((refused as WorkflowUpdateFailedError).cause).toMatchObject({ type: 'TransitionNotAllowed' });
    expect((refused as Error & { cause: Error }).cause.message).toMatch(/registered cannot become destroyed/);
    expect(await handle.query(lifecycleQuery)).toMatchObject({ state: 'registered', transitions: 0 });
    expect(await catalogueState(item.id)).toBe('registered');
    expect(await h.db.lifecycleEvent.count({ where: { itemId: item.id } })).toBe(1);
  });
});
