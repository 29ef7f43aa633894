import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createObjectStore } from '../store/object-store';
import { SEAL_OVERHEAD } from '../store/sealing';
import { appraisalScheduleId, ensureSchedule } from '../worker/schedules';
import { verifiedItems } from './fixtures/holdings';
import { apiHarness, eventually, killableWorker, type Harness } from './helpers';

let t: Awaited<ReturnType<typeof apiHarness>>;
let h: Harness;
const store = () => createObjectStore(h.config.s3);
const madeFonds: string[] = [];
const madeUsers: string[] = [];

// Two more committee members, and a manager who is also a compliance officer: the one person who could try to approve their own list.
const suffix = randomBytes(3).toString('hex');
const members: [string, string, string] = ['appraiser', `appraiser-b-${suffix}`, `appraiser-c-${suffix}`];
const managerWitness = `manager-cw-${suffix}`;

beforeAll(async () => {
  t = await apiHarness({ users: ['manager', 'archivist', 'head', 'compliance1', 'compliance2', 'appraiser', 'auditor'] });
  h = t.h;
  const model = await h.db.user.findUniqueOrThrow({ where: { username: 'appraiser' } });
  for (const [username, roles] of [
    [members[1], ['appraisal_member']],
    [members[2], ['appraisal_member']],
    [managerWitness, ['archive_manager', 'compliance_officer']],
  ] as const) {
    const user = await h.db.user.create({
      data: { username, displayName: username, passwordHash: model.passwordHash, roles: [...roles], clearance: 'secret' },
    });
    madeUsers.push(user.id);
    t.tokens[username] = await t.client.login(username);
  }
});

afterAll(async () => {
  await h.db.userFonds.deleteMany({ where: { fondsId: { in: madeFonds } } });
  await h.db.userFonds.deleteMany({ where: { userId: { in: madeUsers } } });
  await h.db.accessToken.deleteMany({ where: { userId: { in: madeUsers } } });
  await h.db.user.updateMany({ where: { id: { in: madeUsers } }, data: { active: false } });
  await t.close();
});

const call = <T = Record<string, unknown>>(method: string, url: string, user: string, body?: unknown) =>
  t.client.call<T>(method, url, { token: t.tokens[user], body });

/** A fonds of the test's own, so appraisal sees only the items made here; the demo staff and the test's users work in it. */
async function ownFonds(): Promise<string> {
  const code = `D${randomBytes(2).toString('hex').slice(0, 3).toUpperCase()}`;
  const j001 = await h.db.fonds.findUniqueOrThrow({ where: { code: 'J001' } });
  const fonds = await h.db.fonds.create({
    data: { code, name: '示范市失业保险科', orgCode: 'SY', agencyId: j001.agencyId, schemeId: j001.schemeId },
  });
  madeFonds.push(fonds.id);
  const users = await h.db.user.findMany({
    where: { username: { in: ['manager', 'archivist', 'head', 'compliance1', 'compliance2', 'auditor', ...members, managerWitness] } },
  });
  await h.db.userFonds.createMany({ data: users.map((u) => ({ userId: u.id, fondsId: fonds.id })) });
  return code;
}

interface BatchView {
  id: string;
  status: string;
  outstanding: number | null;
  items: {
    id: string;
    archivalCode: string;
    outcome: string | null;
    newPeriod: string | null;
    keptUntil: string | null;
    lifecycleState: string;
  }[];
}
interface ListView {
  id: string;
  status: string;
  stage: string | null;
  waitingFor: string[];
  escalations: number;
  approvals: { role: string; username: string }[];
  counts: Record<string, number>;
  documents: string[];
  entries: {
    itemId: string;
    status: string;
    reason: string | null;
    bytesFound: number | null;
    objectsGone: { pageNumber: number; bucket: string; key: string }[];
  }[];
}

async function openBatch(fonds: string, asOf: string, committee = members): Promise<BatchView> {
  const opened = await call<BatchView>('POST', '/appraisals', 'manager', { fonds, asOf, members: committee });
  expect(opened.status).toBe(202);
  return opened.body;
}

async function batchDecided(id: string): Promise<BatchView> {
  return eventually(
    async () => {
      const v = (await call<BatchView>('GET', `/appraisals/${id}`, 'manager')).body;
      return v.status === 'decided' ? v : undefined;
    },
    { what: `appraisal batch ${id} to be decided` },
  );
}

async function listReaches(id: string, statuses: string[], timeoutMs = 120_000): Promise<ListView> {
  return eventually(
    async () => {
      const v = (await call<ListView & { workflowId: string }>('GET', `/destruction-lists/${id}`, 'manager')).body;
      if (statuses.includes(v.status)) return v;
      // A workflow that failed will never get there: say why now rather than at the timeout.
      const run = await h.temporal.workflow.getHandle(v.workflowId).describe();
      if (run.status.name === 'FAILED') await h.temporal.workflow.getHandle(v.workflowId).result();
      return undefined;
    },
    { timeoutMs, what: `destruction list ${id} to become ${statuses.join(' or ')}` },
  );
}

async function approveAll(listId: string) {
  for (const user of ['compliance1', 'compliance2', 'head'])
    expect((await call('POST', `/destruction-lists/${listId}/approvals`, user, { decision: 'approve' })).status).toBe(200);
}

/** Every version and delete marker left in the store under the item's page keys. */
async function storedVersions(itemId: string) {
  const pages = await h.db.page.findMany({ where: { itemId } });
  const versions = [];
  for (const p of pages) versions.push(...(await store().listVersions(p.bucket, p.key)).filter((v) => v.key === p.key));
  return versions;
}

/** Items of a fonds through appraisal with every member deciding destroy on all of them, then a list proposed. */
async function listToDestroy(fonds: string, count: number, proposal: Record<string, unknown> = {}) {
  const items = await verifiedItems(h, { count, year: 2001, retention: 'D10', fonds, pages: 2, state: 'in_archive_room' });
  const batch = await openBatch(fonds, '2026-01-02');
  for (const member of members) {
    const decided = await call('POST', `/appraisals/${batch.id}/decisions`, member, {
      group: { retentionPeriod: 'D10' },
      decision: 'destroy',
      reason: '已过保管期限，无继续保存价值',
    });
    if (decided.status !== 200) throw new Error(`${member}: ${decided.status} ${JSON.stringify(decided.body)}`);
  }
  await batchDecided(batch.id);
  const list = await call<ListView>('POST', '/destruction-lists', 'manager', {
    batch: batch.id,
    method: '碎纸机粉碎',
    place: '档案室销毁间',
    ...proposal,
  });
  expect(list.status).toBe(202);
  return { items, batch, list: list.body };
}

describe('appraisal', () => {
  it('counts retention from 1 January of the year after formation: 31 December and 1 January fall a year apart', async () => {
    const fonds = await ownFonds();
    const [lastDay] = await verifiedItems(h, {
      count: 1,
      year: 2015,
      retention: 'D10',
      fonds,
      pages: 1,
      state: 'in_archive_room',
      formedOn: () => '2015-12-31',
    });
    const [firstDay] = await verifiedItems(h, {
      count: 1,
      year: 2016,
      retention: 'D10',
      fonds,
      pages: 1,
      state: 'in_archive_room',
      formedOn: () => '2016-01-01',
    });
    await verifiedItems(h, { count: 1, year: 1990, retention: 'Y', fonds, pages: 1, state: 'in_archive_room' });

    const early = await openBatch(fonds, '2025-12-31');
    expect(early.items).toEqual([]);
    const due = await openBatch(fonds, '2026-01-01');
    expect(due.items.map((i) => i.id)).toEqual([lastDay]);
    expect(await h.db.item.findUniqueOrThrow({ where: { id: lastDay } })).toMatchObject({ lifecycleState: 'under_appraisal' });
    expect(await h.db.item.findUniqueOrThrow({ where: { id: firstDay } })).toMatchObject({ lifecycleState: 'in_archive_room' });
    const year = await openBatch(fonds, '2027-01-01');
    expect(year.items.map((i) => i.id)).toEqual([firstDay]);
  });

  it('settles each item by the majority: destroyed, kept with a new expiry, or made permanent when nobody has a majority', async () => {
    const fonds = await ownFonds();
    const items = await verifiedItems(h, { count: 4, year: 2005, retention: 'D10', fonds, pages: 1, state: 'in_archive_room' });
    const batch = await openBatch(fonds, '2026-01-02');
    expect(batch.items).toHaveLength(4);
    const [a, b, c] = members;
    const decide = (member: string, body: Record<string, unknown>) =>
      call('POST', `/appraisals/${batch.id}/decisions`, member, { reason: '鉴定意见', ...body });

    expect((await decide(a, { items: items.slice(0, 2), decision: 'keep' })).status).toBe(400);
    expect((await decide('auditor', { items, decision: 'destroy' })).status).toBe(403);
    expect((await decide(a, { group: { retentionPeriod: 'D10' }, decision: 'destroy', reason: '' })).status).toBe(400);
    expect((await decide(a, { group: { retentionPeriod: 'D10' }, decision: 'destroy' })).status).toBe(200);
    const twice = await decide(a, { items: [items[0]], decision: 'keep', newPeriod: 'D30' });
    expect(twice.status).toBe(409);
    expect(JSON.stringify(twice.body)).toContain('already decided');

    await decide(b, { items: items.slice(0, 2), decision: 'destroy' });
    await decide(b, { items: [items[2], items[3]], decision: 'keep', newPeriod: 'D10' });
    await decide(c, { items: [items[0]], decision: 'destroy' });
    await decide(c, { items: [items[1]], decision: 'keep', newPeriod: 'D30' });
    await decide(c, { items: [items[2]], decision: 'keep', newPeriod: 'D30' });
    await decide(c, { items: [items[3]], decision: 'permanent' });

    const settled = await batchDecided(batch.id);
    const outcome = (id: string) => settled.items.find((i) => i.id === id)!;
    expect(outcome(items[0]!)).toMatchObject({ outcome: 'destroy', lifecycleState: 'under_appraisal' });
    expect(outcome(items[1]!)).toMatchObject({ outcome: 'destroy', lifecycleState: 'under_appraisal' });
    expect(outcome(items[2]!)).toMatchObject({
      outcome: 'keep',
      newPeriod: 'D30',
      keptUntil: '2056-01-01',
      lifecycleState: 'in_archive_room',
    });
    // destroy, keep, permanent: no majority, so the most conservative decision stands.
    expect(outcome(items[3]!)).toMatchObject({ outcome: 'permanent', lifecycleState: 'in_archive_room' });
    expect(await h.db.item.findUniqueOrThrow({ where: { id: items[3]! } })).toMatchObject({ madePermanent: true });
    expect((await h.db.item.findUniqueOrThrow({ where: { id: items[2]! } })).keptUntil?.toISOString().slice(0, 10)).toBe('2056-01-01');
    // The store keeps the kept item's pages until its new date.
    const keptPage = await h.db.page.findFirstOrThrow({ where: { itemId: items[2]! } });
    expect(
      (await store().head({ bucket: keptPage.bucket, key: keptPage.key, versionId: keptPage.versionId! })).retention?.retainUntil,
    ).toEqual(new Date('2056-01-01T00:00:00Z'));

    const later = await openBatch(fonds, '2055-12-31');
    expect(later.items).toEqual([]);
    const again = await openBatch(fonds, '2056-01-01');
    expect(again.items.map((i) => i.id)).toEqual([items[2]]);
  });
});

describe('retention in the store', () => {
  it('keeps the pages of items taken into custody under Object Lock until their retention runs out, and permanent ones for good', async () => {
    const fonds = await ownFonds();
    const [recent] = await verifiedItems(h, { count: 1, year: 2025, retention: 'D30', fonds, pages: 2 });
    const [old] = await verifiedItems(h, { count: 1, year: 1990, retention: 'D10', fonds, pages: 1 });
    const [permanent] = await verifiedItems(h, { count: 1, year: 2025, retention: 'Y', fonds, pages: 1 });
    const assembly = await call<{ id: string }>('POST', '/volume-assemblies', 'archivist', { fonds });
    const boxes = await eventually(
      async () => {
        const v = (await call<{ status: string; boxes: { id: string }[] }>('GET', `/volume-assemblies/${assembly.body.id}`, 'archivist'))
          .body;
        return v.status === 'assembled' ? v.boxes.map((b) => b.id) : undefined;
      },
      { what: 'the assembly' },
    );
    const list = await call<{ id: string }>('POST', '/hand-overs', 'archivist', {
      fonds,
      boxes,
      businessUnit: '失业保险科',
      itemCount: 3,
      pageCount: 4,
      handedOverBy: '王经办',
      receivedBy: '李档案',
      witness: '周见证',
    });
    await eventually(async () =>
      (await call<{ stage: string }>('GET', `/hand-overs/${list.body.id}`, 'manager')).body.stage === 'submitted' ? true : undefined,
    );
    const placements = boxes.map((boxId, i) => ({ boxId, room: 'R09', shelf: fonds, position: i + 1 }));
    expect((await call('POST', `/hand-overs/${list.body.id}/decision`, 'manager', { decision: 'accept', placements })).status).toBe(200);
    await eventually(
      async () =>
        (await h.db.item.count({ where: { id: { in: [recent!, old!, permanent!] }, lifecycleState: 'in_archive_room' } })) === 3
          ? true
          : undefined,
      { what: 'custody' },
    );

    for (const page of await h.db.page.findMany({ where: { itemId: recent! } })) {
      expect((await store().head({ bucket: page.bucket, key: page.key, versionId: page.versionId! })).retention).toEqual({
        mode: 'GOVERNANCE',
        retainUntil: new Date('2056-01-01T00:00:00Z'),
      });
      await expect(store().deleteVersion({ bucket: page.bucket, key: page.key, versionId: page.versionId! })).rejects.toMatchObject({
        name: 'ObjectLockedError',
      });
    }
    const oldPage = await h.db.page.findFirstOrThrow({ where: { itemId: old! } });
    expect((await store().head({ bucket: oldPage.bucket, key: oldPage.key, versionId: oldPage.versionId! })).retention).toBeUndefined();

    // A permanent item is locked in compliance mode, which not even a bypass of governance can lift, for ten years.
    const tenYears = new Date();
    tenYears.setUTCFullYear(tenYears.getUTCFullYear() + h.config.permanentLockYears);
    const window = new Date(`${tenYears.toISOString().slice(0, 10)}T00:00:00Z`);
    const kept = await h.db.page.findFirstOrThrow({ where: { itemId: permanent! } });
    const keptRef = { bucket: kept.bucket, key: kept.key, versionId: kept.versionId! };
    expect((await store().head(keptRef)).retention).toEqual({ mode: 'COMPLIANCE', retainUntil: window });
    await expect(store().deleteVersion({ ...keptRef, bypassGovernance: true })).rejects.toMatchObject({ name: 'ObjectLockedError' });
    expect((await h.db.item.findUniqueOrThrow({ where: { id: permanent! } })).lockedUntil).toEqual(window);

    // Years on, less than half the window is left: the fonds' inventory renews it as it checks the item.
    const fourYears = new Date(window);
    fourYears.setUTCFullYear(fourYears.getUTCFullYear() - 6);
    await h.db.item.update({ where: { id: permanent! }, data: { lockedUntil: fourYears } });
    const run = await call<{ id: string }>('POST', '/inventories', 'archivist', { fonds, rehash: 'sample' });
    expect(run.status).toBe(202);
    await eventually(
      async () => {
        const v = (await call<{ status: string }>('GET', `/inventories/${run.body.id}`, 'archivist')).body;
        return v.status === 'running' ? undefined : v.status;
      },
      { what: 'the inventory' },
    );
    expect((await h.db.item.findUniqueOrThrow({ where: { id: permanent! } })).lockedUntil).toEqual(window);
    expect((await store().head(keptRef)).retention).toEqual({ mode: 'COMPLIANCE', retainUntil: window });
    // A fixed-period item's lock is not given again by an inventory.
    expect((await h.db.item.findUniqueOrThrow({ where: { id: recent! } })).lockedUntil).toEqual(new Date('2056-01-01T00:00:00Z'));
  });
});

describe('appraisal schedule', () => {
  it('opens a fonds’ yearly batch from its Temporal Schedule in the agency’s time zone, skipping overlaps and catching up one day', async () => {
    const fonds = await ownFonds();
    const [due] = await verifiedItems(h, { count: 1, year: 2004, retention: 'D10', fonds, pages: 1, state: 'in_archive_room' });
    const request = {
      scheduleId: appraisalScheduleId(fonds),
      cron: h.config.appraisal.cron,
      timeZone: h.config.timeZone,
      workflowType: 'appraiseExpiredRecords',
      args: [{ fondsCode: fonds, rule: 'majority', openedBy: 'schedule' }],
      taskQueue: h.config.temporal.taskQueue,
    };
    expect(await ensureSchedule(h.temporal, request)).toBe('created');
    expect(await ensureSchedule(h.temporal, request)).toBe('unchanged');
    // A schedule an older Lantai made in UTC is brought to the configured zone.
    expect(await ensureSchedule(h.temporal, { ...request, timeZone: 'UTC' })).toBe('updated');
    expect(await ensureSchedule(h.temporal, request)).toBe('updated');
    const handle = h.temporal.schedule.getHandle(request.scheduleId);
    try {
      const described = await handle.describe();
      expect(h.config.timeZone).toBe('Asia/Shanghai');
      expect(described.spec.timezone).toBe('Asia/Shanghai');
      expect(described.policies).toMatchObject({ overlap: 'SKIP', catchupWindow: 86_400_000 });
      await handle.trigger();
      const batch = await eventually(
        () =>
          h.db.appraisalBatch
            .findFirst({ where: { fonds: { code: fonds }, openedBy: 'schedule' }, include: { entries: true } })
            .then((b) => b ?? undefined),
        { what: 'the scheduled batch to open' },
      );
      expect(batch.entries.map((e) => e.itemId)).toEqual([due]);
      expect([...batch.members].sort()).toEqual([...members].sort());
    } finally {
      await handle.delete();
    }
  });
});

describe('destruction', () => {
  it('needs the agency head and two different witnesses, never the proposer, and escalates a list left waiting', async () => {
    const fonds = await ownFonds();
    h.config.destruction.approvalTimeoutMs = 1_500;
    await verifiedItems(h, { count: 2, year: 2002, retention: 'D10', fonds, pages: 1, state: 'in_archive_room' });
    const batch = await openBatch(fonds, '2026-01-02');
    for (const member of members)
      await call('POST', `/appraisals/${batch.id}/decisions`, member, { group: {}, decision: 'destroy', reason: '无保存价值' });
    await batchDecided(batch.id);
    expect((await call('POST', '/destruction-lists', 'compliance1', { batch: batch.id, method: '粉碎', place: '销毁间' })).status).toBe(
      403,
    );
    expect((await call('POST', '/destruction-lists', managerWitness, { batch: batch.id, method: '', place: '销毁间' })).status).toBe(400);
    const proposed = await call<ListView>('POST', '/destruction-lists', managerWitness, {
      batch: batch.id,
      method: '粉碎',
      place: '销毁间',
    });
    expect(proposed.status).toBe(202);
    const listId = proposed.body.id;
    h.config.destruction.approvalTimeoutMs = 7 * 86_400_000;

    const own = await call('POST', `/destruction-lists/${listId}/approvals`, managerWitness, { decision: 'approve' });
    expect(own.status).toBe(409);
    expect(JSON.stringify(own.body)).toContain('proposed this list');
    expect((await call('POST', `/destruction-lists/${listId}/approvals`, 'appraiser', { decision: 'approve' })).status).toBe(403);
    expect((await call('POST', `/destruction-lists/${listId}/approvals`, 'compliance1', { decision: 'approve' })).status).toBe(200);
    const twice = await call('POST', `/destruction-lists/${listId}/approvals`, 'compliance1', { decision: 'approve' });
    expect(twice.status).toBe(409);
    expect(JSON.stringify(twice.body)).toContain('already decided');

    const waiting = await eventually(
      async () => {
        const v = (await call<ListView>('GET', `/destruction-lists/${listId}`, 'manager')).body;
        return v.escalations >= 1 ? v : undefined;
      },
      { what: 'the waiting approval to be escalated' },
    );
    expect(waiting.status).toBe('proposed');
    expect([...waiting.waitingFor].sort()).toEqual(['agency_head', 'witness']);
    const list = await h.db.destructionList.findUniqueOrThrow({ where: { id: listId } });
    expect(
      await h.db.archivistTask.count({
        where: { source: `destruction_list:${listId}`, kind: 'approval_overdue', status: 'open', fondsId: list.fondsId },
      }),
    ).toBeGreaterThanOrEqual(1);
    expect(
      await h.db.auditEvent.count({ where: { subject: `destruction_list:${listId}`, action: 'destruction_approval_escalated' } }),
    ).toBeGreaterThanOrEqual(1);
    expect(await h.db.destructionEntry.count({ where: { listId, status: 'destroyed' } })).toBe(0);

    expect((await call('POST', `/destruction-lists/${listId}/approvals`, 'head', { decision: 'reject' })).status).toBe(400);
    expect(
      (await call('POST', `/destruction-lists/${listId}/approvals`, 'head', { decision: 'reject', comment: '销毁方式需改为监督焚毁' }))
        .status,
    ).toBe(200);
    const rejected = await listReaches(listId, ['rejected']);
    expect(rejected.counts.destroyed).toBe(0);
    expect((await call('POST', `/destruction-lists/${listId}/approvals`, 'compliance2', { decision: 'approve' })).status).toBe(409);
  });

  it('takes held items off at proposal and at execution, refuses Object Lock, destroys the rest and keeps the certificate', async () => {
    const fonds = await ownFonds();
    const items = await verifiedItems(h, { count: 6, year: 2003, retention: 'D10', fonds, pages: 2, state: 'in_archive_room' });
    const [heldEarly, heldLate, locked, retained, ...destroyed] = items as [string, string, string, string, ...string[]];
    const batch = await openBatch(fonds, '2026-01-02');
    for (const member of members)
      await call('POST', `/appraisals/${batch.id}/decisions`, member, {
        group: { retentionPeriod: 'D10' },
        decision: 'destroy',
        reason: '已过保管期限',
      });
    await batchDecided(batch.id);

    expect((await call('POST', `/items/${heldEarly}/holds`, 'appraiser', { kind: 'legal', reason: '法院调取' })).status).toBe(403);
    const early = await call<{ id: string }>('POST', `/items/${heldEarly}/holds`, 'compliance1', {
      kind: 'legal',
      reason: '（2026）粤03民初123号案件调取',
    });
    expect(early.status).toBe(201);
    // An administrator's Object Lock straight on the store, outside Lantai: destruction must respect it all the same.
    // One on an item's first page, one on another's last: whichever version is checked first, nothing of either is deleted.
    const lockedPage = await h.db.page.findFirstOrThrow({ where: { itemId: locked, pageNumber: 1 } });
    await store().setLegalHold({ bucket: lockedPage.bucket, key: lockedPage.key, versionId: lockedPage.versionId! }, true);
    const retainedPage = await h.db.page.findFirstOrThrow({ where: { itemId: retained, pageNumber: 2 } });
    await store().setRetention(
      { bucket: retainedPage.bucket, key: retainedPage.key, versionId: retainedPage.versionId! },
      new Date(Date.now() + 86_400_000),
    );

    // One page of an item to destroy is lost from the store behind Lantai's back before the destruction.
    const lostPage = await h.db.page.findFirstOrThrow({ where: { itemId: destroyed[0]!, pageNumber: 2 } });
    await store().deleteVersion({ bucket: lostPage.bucket, key: lostPage.key, versionId: lostPage.versionId! });

    const scheduledFor = new Date(Date.now() + 6_000).toISOString();
    const proposed = await call<ListView>('POST', '/destruction-lists', 'manager', {
      batch: batch.id,
      method: '碎纸机粉碎',
      place: '档案室销毁间',
      scheduledFor,
    });
    const listId = proposed.body.id;
    const atProposal = await eventually(
      async () => {
        const entry = await h.db.destructionEntry.findUniqueOrThrow({ where: { listId_itemId: { listId, itemId: heldEarly } } });
        return entry.status === 'removed' ? entry : undefined;
      },
      { what: 'the held item to come off the list' },
    );
    expect(atProposal.reason).toContain('held at proposal');
    // The catalogue's hold also locks the objects in the store, against everyone.
    const heldPage = await h.db.page.findFirstOrThrow({ where: { itemId: heldEarly } });
    await expect(
      store().deleteVersion({ bucket: heldPage.bucket, key: heldPage.key, versionId: heldPage.versionId! }),
    ).rejects.toMatchObject({ name: 'ObjectLockedError' });

    await approveAll(listId);
    const late = await call<{ id: string }>('POST', `/items/${heldLate}/holds`, 'auditor', { kind: 'audit', reason: '社保基金专项审计' });
    expect(late.status).toBe(201);

    const done = await listReaches(listId, ['executed', 'executed_with_failures']);
    expect(done.status).toBe('executed_with_failures');
    const entry = (id: string) => done.entries.find((e) => e.itemId === id)!;
    expect(entry(heldEarly)).toMatchObject({ status: 'removed' });
    expect(entry(heldLate).status).toBe('removed');
    expect(entry(heldLate).reason).toMatch(/held at (approval|execution): audit hold/);
    expect(entry(locked).status).toBe('failed');
    expect(entry(locked).reason).toContain(
      `Object Lock protects 1 stored version(s): ${lockedPage.key} version ${lockedPage.versionId} (legal hold)`,
    );
    expect(entry(retained).status).toBe('failed');
    expect(entry(retained).reason).toContain(
      `Object Lock protects 1 stored version(s): ${retainedPage.key} version ${retainedPage.versionId} (GOVERNANCE retention until`,
    );
    for (const id of [locked, retained])
      expect(await h.db.archivistTask.count({ where: { itemId: id, kind: 'destruction_failed', status: 'open' } })).toBe(1);

    for (const id of destroyed) {
      expect(entry(id).status).toBe('destroyed');
      expect(await storedVersions(id)).toEqual([]);
      expect(await h.db.item.findUniqueOrThrow({ where: { id } })).toMatchObject({ lifecycleState: 'destroyed' });
      const tombstone = await h.db.itemTombstone.findUniqueOrThrow({ where: { itemId: id } });
      const item = await h.db.item.findUniqueOrThrow({ where: { id } });
      expect(tombstone.metadata).toMatchObject({
        archivalCode: item.archivalCode,
        caseNumber: item.caseNumber,
        businessType: 'GL02',
        handledOn: item.handledOn.toISOString().slice(0, 10),
        retentionPeriod: 'D10',
        pageCount: 2,
        box: null,
      });
      const pages = await h.db.page.findMany({ where: { itemId: id }, orderBy: { pageNumber: 'asc' } });
      expect(tombstone.objects).toEqual(
        pages.map((p) => ({
          pageNumber: p.pageNumber,
          bucket: p.bucket,
          key: p.key,
          versionId: p.versionId,
          size: Number(p.size),
          sha256: p.sha256,
          sm3: p.sm3,
        })),
      );
      expect(await h.db.page.count({ where: { itemId: id, destroyedAt: null } })).toBe(0);
      expect(await h.db.lifecycleEvent.count({ where: { itemId: id, toState: 'destroyed' } })).toBe(1);
    }
    for (const id of [heldEarly, heldLate, locked, retained]) {
      expect((await storedVersions(id)).filter((v) => !v.deleteMarker)).toHaveLength(2);
      expect(await h.db.item.findUniqueOrThrow({ where: { id } })).toMatchObject({ lifecycleState: 'under_appraisal' });
      expect(await h.db.itemTombstone.findUnique({ where: { itemId: id } })).toBeNull();
    }
    await store().setLegalHold({ bucket: lockedPage.bucket, key: lockedPage.key, versionId: lockedPage.versionId! }, false);
    // The application's role may not update a tombstone at all; the trigger refuses even the owner.
    await expect(h.db.itemTombstone.update({ where: { itemId: destroyed[0]! }, data: { archivalCode: 'changed' } })).rejects.toThrow(
      /append-only|permission denied/,
    );

    expect(done.documents.sort()).toEqual(['destruction-certificate.pdf', 'destruction-list.pdf']);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'destruction-'));
    const pdf = await fetch(`${t.api.url}/destruction-lists/${listId}/documents/destruction-certificate.pdf`, {
      headers: { authorization: `Bearer ${t.tokens.manager}` },
    });
    fs.writeFileSync(path.join(dir, 'certificate.pdf'), Buffer.from(await pdf.arrayBuffer()));
    const text = execFileSync('pdftotext', ['-layout', path.join(dir, 'certificate.pdf'), '-'], { encoding: 'utf8' });
    for (const id of destroyed) expect(text).toContain((await h.db.item.findUniqueOrThrow({ where: { id } })).archivalCode!);
    // The certificate states the bytes actually found and deleted, and names the page that was already gone.
    const pagesOf = (id: string) => h.db.page.findMany({ where: { itemId: id } });
    const deleted = (await Promise.all(destroyed.map(pagesOf))).flat().filter((p) => p.id !== lostPage.id);
    // What the store held: each page is sealed (SM4-GCM), its envelope beside the plaintext size the catalogue records.
    const stored = (p: { size: bigint }) => Number(p.size) + SEAL_OVERHEAD;
    const bytes = deleted.reduce((n, p) => n + stored(p), 0);
    expect(entry(destroyed[0]!)).toMatchObject({
      bytesFound: deleted.filter((p) => p.itemId === destroyed[0]).reduce((n, p) => n + stored(p), 0),
      objectsGone: [{ pageNumber: 2, bucket: lostPage.bucket, key: lostPage.key }],
    });
    expect(entry(destroyed[1]!).objectsGone).toEqual([]);
    expect(text.replace(/\s+/g, '')).toContain(`实际删除存储对象${bytes.toLocaleString('en-US')}字节`);
    expect(text).toContain('另有 1 个页面对象在销毁前已不在存储中');
    expect(text.replace(/\s+/g, '')).toContain(lostPage.key);
    expect(text).toContain('钱监销');
    expect(text).toContain('周局长');
    const kept = await h.db.destructionList.findUniqueOrThrow({ where: { id: listId } });
    const certificate = (kept.documents as { name: string; bucket: string; key: string }[]).find(
      (d) => d.name === 'destruction-certificate.pdf',
    )!;
    const [version] = (await store().listVersions(certificate.bucket, certificate.key)).filter((v) => v.key === certificate.key);
    await expect(
      store().deleteVersion({ bucket: certificate.bucket, key: certificate.key, versionId: version!.versionId }),
    ).rejects.toMatchObject({ name: 'ObjectLockedError' });

    expect((await call('POST', `/holds/${late.body.id}/lift`, 'auditor', { reason: '审计结束' })).status).toBe(200);
    expect((await call('POST', `/holds/${late.body.id}/lift`, 'auditor', { reason: '审计结束' })).status).toBe(409);
    const heldLatePage = await h.db.page.findFirstOrThrow({ where: { itemId: heldLate } });
    expect((await store().head({ bucket: heldLatePage.bucket, key: heldLatePage.key, versionId: heldLatePage.versionId! })).legalHold).toBe(
      false,
    );
  });

  it('resumes a destruction whose worker was killed, and deletes nothing that was not on the approved list', async () => {
    const fonds = await ownFonds();
    const { items, list } = await listToDestroy(fonds, 40);
    const bystanders = await verifiedItems(h, { count: 3, year: 2001, retention: 'D30', fonds, pages: 2, state: 'in_archive_room' });
    await h.stopWorkers();
    // Small pages, so the worker dies with part of the list destroyed.
    const doomed = await killableWorker(h.config.temporal.taskQueue, { LANTAI_DESTRUCTION_PAGE: '5' });
    await approveAll(list.id);
    await eventually(
      async () => {
        const n = await h.db.destructionEntry.count({ where: { listId: list.id, status: 'destroyed' } });
        return n >= 3 ? n : undefined;
      },
      { what: 'some items to be destroyed' },
    );
    await doomed.kill();
    const cutOff = await h.db.destructionEntry.count({ where: { listId: list.id, status: 'destroyed' } });
    expect(cutOff).toBeLessThan(40);
    await h.startWorker();

    const done = await listReaches(list.id, ['executed', 'executed_with_failures'], 300_000);
    expect(done.status).toBe('executed');
    expect(done.counts).toMatchObject({ destroyed: 40, failed: 0, removed: 0, listed: 0 });
    for (const id of items) expect(await storedVersions(id)).toEqual([]);
    expect(await h.db.itemTombstone.count({ where: { itemId: { in: items } } })).toBe(40);
    const moves = await h.db.lifecycleEvent.groupBy({
      by: ['itemId'],
      where: { itemId: { in: items }, toState: 'destroyed' },
      _count: true,
    });
    expect(moves.map((m) => m._count)).toEqual(Array(40).fill(1));
    for (const id of bystanders) {
      expect((await storedVersions(id)).filter((v) => !v.deleteMarker)).toHaveLength(2);
      expect(await h.db.item.findUniqueOrThrow({ where: { id } })).toMatchObject({ lifecycleState: 'in_archive_room' });
    }
  }, 300_000);
});
