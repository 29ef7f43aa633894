import { randomUUID } from 'node:crypto';
import { TypedSearchAttributes } from '@temporalio/common';
import { moveItems, movePages, type PagedMoveOutcome } from '../catalogue/lifecycle';
import { registerCase } from '../catalogue/registration';
import { ItemRegistration } from '../catalogue/registration';
import { lifecycleStateKey } from '../contracts/search-attributes';
import { RETIRED_ITEM_WORKFLOW, retireItemLifecycleWorkflows } from '../worker/upgrade';
import { verifiedItems } from './fixtures/holdings';
import { renderPage } from '../ops/sample-pages';
import { apiHarness, caseFor, eventually, log } from './helpers';

let t: Awaited<ReturnType<typeof apiHarness>>;
const ROLES = ['clerk', 'archivist', 'manager', 'appraiser', 'compliance1', 'head', 'auditor', 'admin'];

beforeAll(async () => {
  t = await apiHarness({ users: ROLES, worker: false });
});
afterAll(() => t.close());

const register = async (overrides: Record<string, unknown> = {}) =>
  (await registerCase(t.h.db, ItemRegistration.parse(caseFor(overrides)), { name: 'clerk' })).item;
const stateOf = async (id: string) => (await t.h.db.item.findUniqueOrThrow({ where: { id } })).lifecycleState;

describe('item state in the catalogue', () => {
  it('registers an item with its first history row, and of 20 registrations of one case at once exactly one creates it', async () => {
    const body = ItemRegistration.parse(caseFor());
    const outcomes = await Promise.all(Array.from({ length: 20 }, () => registerCase(t.h.db, body, { name: 'clerk' })));
    expect(outcomes.filter((o) => o.created)).toHaveLength(1);
    expect(new Set(outcomes.map((o) => o.item.id)).size).toBe(1);
    const history = await t.h.db.lifecycleEvent.findMany({ where: { itemId: outcomes[0]!.item.id } });
    expect(history.map((e) => [e.fromState, e.toState, e.actor])).toEqual([[null, 'registered', 'clerk']]);
  });

  it('moves only the items in the expected state, reports the others, and records each move once however often it is retried', async () => {
    const ids = await verifiedItems(t.h, { count: 3, year: 2021, retention: 'D30' });
    const stray = await register();
    const order = {
      itemIds: [...ids, stray.id],
      to: 'assembled' as const,
      actor: 'volume assembly test',
      reason: 'test',
      transition: `test-${randomUUID()}`,
    };
    const first = await moveItems(t.h.db, order);
    expect(first).toEqual({ moved: 3, already: 0, refused: [{ itemId: stray.id, state: 'registered' }] });
    const again = await moveItems(t.h.db, order);
    expect(again).toMatchObject({ moved: 0, already: 3 });
    for (const id of ids) expect(await stateOf(id)).toBe('assembled');
    expect(await stateOf(stray.id)).toBe('registered');
    expect(await t.h.db.lifecycleEvent.count({ where: { itemId: { in: ids }, toState: 'assembled' } })).toBe(3);
    expect(
      await t.h.db.auditEvent.count({ where: { subject: { in: ids.map((id) => `item:${id}`) }, action: 'lifecycle.transition' } }),
    ).toBe(3);
  });

  it('moves the items a step selects page by page, and a move taken up again at its cursor moves each item once', async () => {
    const stray = await register();
    const ids = [...(await verifiedItems(t.h, { count: 5, year: 2021, retention: 'D30' })), stray.id].sort();
    const asked: (string | null)[] = [];
    // The step's pages: two ids at a time, in id order.
    const page = (after: string | null) => {
      asked.push(after);
      return Promise.resolve(ids.filter((id) => after === null || id > after).slice(0, 2));
    };
    const order = { to: 'assembled' as const, actor: 'volume assembly test', transition: `test-${randomUUID()}` };
    let cutOff: PagedMoveOutcome | undefined;
    await expect(
      movePages(t.h.db, order, page, {
        onChunk: (progress) => {
          cutOff = structuredClone(progress);
          throw new Error('worker lost');
        },
      }),
    ).rejects.toThrow('worker lost');
    expect(cutOff).toMatchObject({ cursor: ids[1], moved: ids.slice(0, 2).includes(stray.id) ? 1 : 2 });
    asked.length = 0;
    const done = await movePages(t.h.db, order, page, { resume: cutOff });
    expect(asked[0]).toBe(ids[1]);
    expect(done).toMatchObject({
      moved: 5,
      already: 0,
      refusedCount: 1,
      refused: [{ itemId: stray.id, state: 'registered' }],
      cursor: ids[5],
    });
    expect(await t.h.db.lifecycleEvent.count({ where: { itemId: { in: ids }, toState: 'assembled' } })).toBe(5);
    // Taken up again from the start, the same transition moves nothing twice.
    expect(await movePages(t.h.db, order, page)).toMatchObject({ moved: 0, already: 5, refusedCount: 1 });
    expect(await t.h.db.lifecycleEvent.count({ where: { itemId: { in: ids }, toState: 'assembled' } })).toBe(5);
  });

  it('refuses a move the lifecycle does not allow when it is made straight in SQL', async () => {
    const item = await register();
    await expect(t.h.db.$executeRaw`UPDATE item SET lifecycle_state = 'destroyed' WHERE id = ${item.id}::uuid`).rejects.toThrow(
      /registered cannot become destroyed/,
    );
    await expect(t.h.db.item.update({ where: { id: item.id }, data: { lifecycleState: 'in_archive_room' } })).rejects.toThrow(
      /registered cannot become in_archive_room/,
    );
    expect(await stateOf(item.id)).toBe('registered');
  });

  it('lets no role move an item by hand past a step', async () => {
    const item = await register();
    for (const role of ROLES) {
      for (const to of ['captured', 'verified', 'assembled', 'in_archive_room', 'destroyed']) {
        const r = await t.client.call('POST', `/items/${item.id}/transitions`, { token: t.tokens[role], body: { to, reason: 'by hand' } });
        expect(r.status).toBe(404);
      }
    }
    expect(await stateOf(item.id)).toBe('registered');
    const history = await t.client.call<{ events: { to: string; actor: string }[] }>('GET', `/items/${item.id}/history`, {
      token: t.tokens.archivist,
    });
    expect(history.status).toBe(200);
    expect(history.body.events).toEqual([expect.objectContaining({ to: 'registered', actor: 'clerk' })]);
  });
});

describe('upgrade from a Lantai with a lifecycle workflow per item', () => {
  it('closes the open item workflows, keeps every state the catalogue holds, and gives an item without history its first row', async () => {
    const items = [await register(), await register()];
    await t.h.db.item.update({ where: { id: items[1]!.id }, data: { lifecycleState: 'pending_initial_review' } });
    // The older Lantai's per-item workflows, open on a queue no worker of this version polls.
    const queue = `older-lantai-${randomUUID()}`;
    for (const item of items) {
      await t.h.db.item.update({ where: { id: item.id }, data: { workflowId: `item-${item.id}` } });
      await t.h.temporal.workflow.start(RETIRED_ITEM_WORKFLOW, {
        workflowId: `item-${item.id}`,
        taskQueue: queue,
        args: [{ itemId: item.id, state: 'registered', registeredBy: 'clerk' }],
        typedSearchAttributes: new TypedSearchAttributes([{ key: lifecycleStateKey, value: 'registered' }]),
      });
    }
    const withoutHistory = await t.h.db.item.create({
      data: {
        ...(await t.h.db.item.findUniqueOrThrow({
          where: { id: items[0]!.id },
          select: {
            fondsId: true,
            businessTypeId: true,
            year: true,
            retentionPeriod: true,
            citizenId: true,
            personName: true,
            clerkName: true,
            handledOn: true,
            handlingOfficeId: true,
            title: true,
          },
        })),
        caseNumber: `U-${randomUUID()}`,
      },
    });
    await t.h.temporal.workflow.start(RETIRED_ITEM_WORKFLOW, {
      workflowId: `item-${withoutHistory.id}`,
      taskQueue: queue,
      args: [{ itemId: withoutHistory.id, state: 'registered', registeredBy: 'clerk' }],
    });

    const retiredIds = [...items, withoutHistory].map((i) => `item-${i.id}`);
    const outcome = await retireItemLifecycleWorkflows({ temporal: t.h.temporal, db: t.h.db, log });
    expect(outcome.retired).toBeGreaterThanOrEqual(3);
    expect(outcome.differing).toBeGreaterThanOrEqual(1);
    for (const workflowId of retiredIds)
      expect((await t.h.temporal.workflow.getHandle(workflowId).describe()).status.name).toBe('TERMINATED');
    expect(await stateOf(items[1]!.id)).toBe('pending_initial_review');
    expect(
      await t.h.db.lifecycleEvent.findMany({
        where: { itemId: withoutHistory.id },
        select: { fromState: true, toState: true, actor: true },
      }),
    ).toEqual([{ fromState: null, toState: 'registered', actor: 'upgrade' }]);
    expect(await retireItemLifecycleWorkflows({ temporal: t.h.temporal, db: t.h.db, log })).toEqual({ retired: 0, differing: 0 });
  });
});

describe('step workflows in Temporal', () => {
  it('list what is in flight by step and fonds', async () => {
    await t.h.startWorker();
    const item = (await t.client.call<{ id: string }>('POST', '/items', { token: t.tokens.clerk, body: caseFor() })).body;
    const page = await renderPage({ lines: 10 });
    const staged = await t.client.call('POST', `/items/${item.id}/pages`, {
      token: t.tokens.clerk,
      body: page,
      headers: { 'content-type': 'image/png' },
    });
    expect(staged.status).toBe(202);
    const listed = await eventually(
      async () => {
        const found: string[] = [];
        for await (const wf of t.h.temporal.workflow.list({
          query: `LantaiStep = 'capture' AND LantaiFonds = 'J001' AND ExecutionStatus = 'Running'`,
        }))
          found.push(wf.workflowId);
        return found.includes(`capture-${item.id}`) ? found : undefined;
      },
      { what: 'the capture to be listed by step and fonds' },
    );
    expect(listed).toContain(`capture-${item.id}`);
    await t.h.temporal.workflow.getHandle(`capture-${item.id}`).terminate('test done');
  });
});
