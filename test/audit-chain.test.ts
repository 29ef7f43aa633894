import pg from 'pg';
import { SEAL_CHAIN_WORKFLOW, type SealChainWorkflow } from '../contracts/audit-chain';
import { emptyCatalogue } from './fixtures/catalogue';
import { apiHarness, caseFor, type Reply } from './helpers';

/**
 * 审计链, tried as the database owner would: the sealing round runs as the worker's schedule runs it (its workflow on
 * a real Temporal), then rows of the audit trail and the lifecycle history are edited, deleted and slipped in as a
 * superuser with the triggers off (session_replication_role = replica), and the auditor's check must name each one;
 * a chain rebuilt to match the tampered rows is caught by the signed checkpoints in the store.
 */
interface Problem {
  kind: string;
  problem: string;
  label: string;
  entryId: string;
  seq?: string;
}
interface Report {
  intact: boolean;
  chains: { kind: string; links: number; checkpoints: number; problems: number }[];
  firstBroken: Problem | null;
  problems: Problem[];
}

let env: Awaited<ReturnType<typeof apiHarness>>;
let catalogue: Awaited<ReturnType<typeof emptyCatalogue>>;
let owner: pg.Client;

const check = () => env.client.call<Report>('GET', '/audit/chain', { token: env.tokens.auditor });
const seal = () =>
  env.h.temporal.workflow.execute<SealChainWorkflow>(SEAL_CHAIN_WORKFLOW, {
    workflowId: `audit-chain-test-${Date.now()}`,
    taskQueue: env.h.config.temporal.taskQueue,
  });
/** As the superuser that owns the database, with every trigger off for the session. */
async function asOwner(sql: string, values: unknown[] = []) {
  await owner.query('SET session_replication_role = replica');
  try {
    return await owner.query(sql, values);
  } finally {
    await owner.query('SET session_replication_role = origin');
  }
}

beforeAll(async () => {
  catalogue = await emptyCatalogue();
  env = await apiHarness({ postgresUrl: catalogue.url, users: ['clerk', 'auditor', 'manager'] });
  owner = new pg.Client({ connectionString: catalogue.ownerUrl });
  await owner.connect();
  // Entries of both chains, through the API: registrations (each a lifecycle entry and an audit entry), a denial.
  for (let i = 0; i < 5; i++)
    expect((await env.client.call('POST', '/items', { token: env.tokens.clerk, body: caseFor({ businessType: 'SY01' }) })).status).toBe(
      201,
    );
  expect((await env.client.call('GET', '/audit', { token: env.tokens.clerk })).status).toBe(403);
}, 120_000);

afterAll(async () => {
  await owner?.end();
  await env?.close();
  await catalogue?.drop();
});

describe('the audit chain (审计链)', () => {
  it('links every entry and checks out whole; only auditors check it', async () => {
    const round = await seal();
    expect(round.linked.lifecycle_event).toBe(5);
    expect(round.linked.audit_event).toBeGreaterThanOrEqual(1);
    expect(round.checkpoints).toBe(2);
    const r = await check();
    expect(r.status).toBe(200);
    expect(r.body.intact).toBe(true);
    expect(r.body.firstBroken).toBeNull();
    expect(Object.fromEntries(r.body.chains.map((c) => [c.kind, c.checkpoints]))).toEqual({ audit_event: 1, lifecycle_event: 1 });
    const links = Number((await owner.query<{ n: string }>('SELECT count(*) AS n FROM audit_event')).rows[0]!.n);
    // The check's own audit entry came after the round.
    expect(r.body.chains.find((c) => c.kind === 'audit_event')!.links).toBe(links - 1);
    expect((await env.client.call('GET', '/audit/chain', { token: env.tokens.manager })).status).toBe(403);
    // The application itself cannot change a link.
    await expect(owner.query('UPDATE chain_link SET chain_sm3 = chain_sm3')).rejects.toThrow(/append-only/);
  }, 120_000);

  it('names each entry the owner edited, deleted or slipped in with the triggers off', async () => {
    const audits = (await owner.query<{ id: string }>('SELECT id FROM audit_event ORDER BY id')).rows.map((r) => r.id);
    const moves = (await owner.query<{ id: string }>('SELECT id FROM lifecycle_event ORDER BY id')).rows.map((r) => r.id);
    const edited = audits[1]!;
    const deleted = moves[2]!;
    await asOwner(`UPDATE audit_event SET reason = '已篡改' WHERE id = $1`, [edited]);
    await asOwner('DELETE FROM lifecycle_event WHERE id = $1', [deleted]);
    // A back-dated approval slipped in after the fact: it gets linked, but its date gives it away.
    const backDated = (
      await asOwner(
        `INSERT INTO audit_event (at, actor, action, subject, outcome) VALUES (now() - interval '3 days', 'head', 'approve_destruction', 'destruction_list:x', 'done') RETURNING id`,
      )
    ).rows[0] as { id: string };
    await seal();
    // An entry given an id below the chain's head an hour on: no round will ever link it.
    await asOwner(`UPDATE chain_link SET sealed_at = sealed_at - interval '2 hours'`);
    await asOwner(`INSERT INTO audit_event (id, at, actor, action, outcome) VALUES (0, now(), 'admin', 'grant_role', 'done')`);

    const r = await check();
    expect(r.body.intact).toBe(false);
    const found = r.body.problems.map((p) => [p.kind, p.problem, p.entryId]);
    expect(found).toEqual(
      expect.arrayContaining([
        ['audit_event', 'edited', edited],
        ['lifecycle_event', 'deleted', deleted],
        ['audit_event', 'back_dated', String(backDated.id)],
        ['audit_event', 'inserted', '0'],
      ]),
    );
    expect(found).toHaveLength(4);
    expect(r.body.firstBroken).toMatchObject({ kind: 'audit_event', problem: 'edited', entryId: edited, label: '内容被修改' });
  }, 120_000);

  it('catches a chain rebuilt to match the tampered rows by the checkpoints signed in the store', async () => {
    await asOwner('DELETE FROM chain_link');
    await seal();
    const r = await check();
    const problems = r.body.problems.map((p) => p.problem);
    expect(problems).not.toContain('edited');
    expect(problems.filter((p) => p === 'checkpoint_mismatch')).toHaveLength(2);
  }, 120_000);

  it('lets the application role, which the API and the worker connect as, change neither the schema nor the record', async () => {
    const app = new pg.Client({ connectionString: catalogue.url });
    await app.connect();
    try {
      const refused = async (statement: string) =>
        expect(app.query(statement)).rejects.toThrow(/permission denied|must be owner|insufficient/i);
      await refused('ALTER TABLE audit_event DISABLE TRIGGER ALL');
      await refused('SET session_replication_role = replica');
      await refused("UPDATE audit_event SET reason = 'x'");
      await refused('DELETE FROM lifecycle_event');
      await refused('TRUNCATE audit_event');
      await refused('DELETE FROM chain_link');
      await refused('DROP TABLE page_text');
      await refused('CREATE TABLE shadow (id int)');
      await refused('DELETE FROM lantai_migration');
      // What it is for still works: reading, appending to the record, writing the catalogue's other rows.
      await app.query(`INSERT INTO audit_event (actor, action, outcome) VALUES ('test', 'least_privilege_probe', 'done')`);
      expect((await app.query('SELECT count(*) FROM item')).rowCount).toBe(1);
      await app.query(`UPDATE item SET title = title WHERE false`);
    } finally {
      await app.end();
    }
    expect(new URL(catalogue.url).username).toBe('lantai_app');
  });

  it('answers a caller without a token 401, and changes nothing', async () => {
    const before = await owner.query('SELECT count(*) FROM chain_link');
    const r: Reply = await env.client.call('GET', '/audit/chain');
    expect(r.status).toBe(401);
    expect((await owner.query('SELECT count(*) FROM chain_link')).rows).toEqual(before.rows);
  });
});
