import { execFile } from 'node:child_process';
import path from 'node:path';
import pg from 'pg';
import {
  CHAIN_CHECK_WORKFLOW,
  SEAL_CHAIN_WORKFLOW,
  chainCheckWorkflowId,
  type ChainCheckWorkflow,
  type SealChainWorkflow,
} from '../contracts/audit-chain';
import { emptyCatalogue } from './fixtures/catalogue';
import { apiHarness, caseFor, eventually, type Reply } from './helpers';

/**
 * 审计链, tried as the database owner would: the sealing round runs as the worker's schedule runs it (its workflow on
 * a real Temporal), then rows of the audit trail and the lifecycle history are edited, deleted and slipped in as a
 * superuser with the triggers off (session_replication_role = replica), and the auditor's check must name each one;
 * a chain rebuilt to match the tampered rows is caught by the signed checkpoints in the store. The check runs as the
 * auditor starts it (a workflow, page by page), as the periodic inventory runs it (a finding and a task), and as the
 * operator runs it (`./lantai verify-audit`).
 */
interface Problem {
  kind: string;
  problem: string;
  label: string;
  entryId: string;
  seq?: string;
}
interface Report {
  id: string;
  status: string;
  intact: boolean;
  progress: { linksTotal: number; linksChecked: number; checkpointsChecked: number; problemCount: number };
  chains: { kind: string; links: number; checkpoints: number; problems: number }[];
  firstBroken: Problem | null;
  problems: Problem[];
}

let env: Awaited<ReturnType<typeof apiHarness>>;
let catalogue: Awaited<ReturnType<typeof emptyCatalogue>>;
let owner: pg.Client;

/** An auditor's check, started and followed through the API until it completes. */
async function check(): Promise<Report> {
  const started = await env.client.call<Report>('POST', '/audit/chain/checks', { token: env.tokens.auditor });
  expect(started.status).toBe(202);
  return finished(started.body.id);
}
const finished = (id: string) =>
  eventually(
    async () => {
      const r = await env.client.call<Report>('GET', `/audit/chain/checks/${id}`, { token: env.tokens.auditor });
      expect(r.status).toBe(200);
      if (r.body.status === 'failed') throw new Error(`the check failed: ${JSON.stringify(r.body)}`);
      return r.body.status === 'completed' ? r.body : undefined;
    },
    { what: `audit chain check ${id}` },
  );

/** `./lantai verify-audit` as an operator runs it, pointed at this file's catalogue and the test stack's store. */
function verifyAudit(): Promise<{ code: number; stdout: string }> {
  const { s3 } = env.h.config;
  const vars = {
    ...process.env,
    DATABASE_URL: catalogue.url,
    DATABASE_OWNER_URL: catalogue.ownerUrl,
    S3_ENDPOINT: s3.endpoint,
    S3_ACCESS_KEY_ID: s3.accessKeyId,
    S3_SECRET_ACCESS_KEY: s3.secretAccessKey,
  };
  return new Promise((resolve) =>
    execFile(path.resolve(__dirname, '..', 'lantai'), ['verify-audit'], { env: vars, timeout: 120_000 }, (err, stdout) =>
      resolve({ code: err ? Number(err.code) : 0, stdout }),
    ),
  );
}
const auditCount = async () => Number((await owner.query<{ n: string }>('SELECT count(*) AS n FROM audit_event')).rows[0]!.n);

/** An inventory of the demo fonds (no item of it is in custody here: what it checks is the chain). */
async function inventory() {
  const started = await env.client.call<{ id: string }>('POST', '/inventories', { token: env.tokens.archivist, body: { fonds: 'J001' } });
  expect(started.status).toBe(202);
  return eventually(
    async () => {
      const run = (
        await env.client.call<{
          status: string;
          findings: { kind: string; detail: string; taskId: string | null; taskStatus: string | null }[];
          auditChainCheck: { id: string; intact: boolean | null } | null;
        }>('GET', `/inventories/${started.body.id}`, { token: env.tokens.archivist })
      ).body;
      if (run.status === 'failed') throw new Error(`inventory failed: ${JSON.stringify(run)}`);
      return run.status === 'completed' ? run : undefined;
    },
    { what: 'the inventory' },
  );
}
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
  env = await apiHarness({ postgresUrl: catalogue.url, users: ['clerk', 'auditor', 'manager', 'archivist'] });
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
  it('links every entry and checks out whole through the API, the inventory and the command; only auditors check it', async () => {
    const round = await seal();
    expect(round.linked.lifecycle_event).toBe(5);
    expect(round.linked.audit_event).toBeGreaterThanOrEqual(1);
    expect(round.checkpoints).toBe(2);
    const sealed = await auditCount();
    expect((await env.client.call('GET', '/audit/chain', { token: env.tokens.auditor })).status).toBe(404);
    const r = await check();
    expect(r.intact).toBe(true);
    expect(r.firstBroken).toBeNull();
    expect(Object.fromEntries(r.chains.map((c) => [c.kind, c.checkpoints]))).toEqual({ audit_event: 1, lifecycle_event: 1 });
    // The check covers the chains as they stood when it opened: every entry the round linked, each checked once.
    expect(Object.fromEntries(r.chains.map((c) => [c.kind, c.links]))).toEqual({ audit_event: sealed, lifecycle_event: 5 });
    expect(r.progress).toEqual({ linksTotal: sealed + 5, linksChecked: sealed + 5, checkpointsChecked: 2, problemCount: 0 });
    // The quick read is the last completed check, without walking the chains again.
    const last = await env.client.call<{ checkId: string; intact: boolean; chains: unknown }>('GET', '/audit/chain', {
      token: env.tokens.auditor,
    });
    expect(last.status).toBe(200);
    expect(last.body).toMatchObject({ checkId: r.id, intact: true, chains: r.chains });

    const run = await inventory();
    expect(run.auditChainCheck).toMatchObject({ intact: true });
    expect(run.findings).toEqual([]);

    const cli = await verifyAudit();
    expect(cli.code).toBe(0);
    expect(cli.stdout).toMatch(/审计日志 \(audit_event\): 已检查 \d+ 条链接, 1 个检查点, 0 个问题/);
    expect(cli.stdout).toContain('结果: 完好 (intact)');

    for (const [method, url] of [
      ['GET', '/audit/chain'],
      ['POST', '/audit/chain/checks'],
      ['GET', `/audit/chain/checks/${r.id}`],
    ] as const)
      expect((await env.client.call(method, url, { token: env.tokens.manager })).status).toBe(403);
    const denials = await owner.query<{ subject: string }>(
      `SELECT subject FROM audit_event WHERE actor = 'manager' AND outcome = 'denied' AND subject LIKE 'audit_chain%' ORDER BY id`,
    );
    expect(denials.rows.map((d) => d.subject)).toEqual(['audit_chain', 'audit_chain', `audit_chain_check:${r.id}`]);
    // The application itself cannot change a link.
    await expect(owner.query('UPDATE chain_link SET chain_sm3 = chain_sm3')).rejects.toThrow(/append-only/);
  }, 240_000);

  it('checks a chain page by page, continuing as new, and keeps its place in the catalogue', async () => {
    await seal();
    const workflowId = chainCheckWorkflowId(`paged-${Date.now()}`);
    const handle = await env.h.temporal.workflow.start<ChainCheckWorkflow>(CHAIN_CHECK_WORKFLOW, {
      workflowId,
      taskQueue: env.h.config.temporal.taskQueue,
      args: [{ order: { trigger: 'on_demand', requestedBy: 'auditor' }, pacing: { batch: 2, piecesPerPage: 1, pagesPerExecution: 3 } }],
    });
    const result = await handle.result();
    expect(result.intact).toBe(true);
    // Two links a page: more pages than one execution takes, so it started afresh, and carried on where it stood.
    expect((await handle.describe()).runId).not.toBe(handle.firstExecutionRunId);
    const row = await owner.query<{ step: number; links_total: number; links_checked: number; checkpoints_checked: number }>(
      'SELECT step, links_total, links_checked, checkpoints_checked FROM audit_chain_check WHERE workflow_id = $1',
      [workflowId],
    );
    const { step, links_total, links_checked, checkpoints_checked } = row.rows[0]!;
    expect(links_checked).toBe(links_total);
    expect(step).toBeGreaterThanOrEqual(Math.ceil(links_total / 2));
    const whole = await check();
    expect(checkpoints_checked).toBe(whole.progress.checkpointsChecked);
  }, 240_000);

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
    expect(r.intact).toBe(false);
    const found = r.problems.map((p) => [p.kind, p.problem, p.entryId]);
    expect(found).toEqual(
      expect.arrayContaining([
        ['audit_event', 'edited', edited],
        ['lifecycle_event', 'deleted', deleted],
        ['audit_event', 'back_dated', String(backDated.id)],
        ['audit_event', 'inserted', '0'],
      ]),
    );
    expect(found).toHaveLength(4);
    expect(r.firstBroken).toMatchObject({ kind: 'audit_event', problem: 'edited', entryId: edited, label: '内容被修改' });
    expect(r.progress.problemCount).toBe(4);

    // The periodic inventory checks the chain too, and opens one task per broken chain naming its first broken entry.
    const first = await inventory();
    expect(first.auditChainCheck).toMatchObject({ intact: false });
    const broken = first.findings.filter((f) => f.kind === 'audit_chain_broken');
    const lifecycleBreak = r.problems.find((p) => p.kind === 'lifecycle_event')!;
    expect(broken.map((f) => f.detail.split(':')[0]).sort()).toEqual([
      `audit_event entry ${edited} (link ${r.firstBroken!.seq})`,
      `lifecycle_event entry ${deleted} (link ${lifecycleBreak.seq})`,
    ]);
    expect(broken.find((f) => f.detail.startsWith('audit_event'))!.detail).toContain('内容被修改 (edited)');
    expect(broken.every((f) => f.taskId && f.taskStatus === 'open')).toBe(true);
    // A second run finds the same breaks: linked to the tasks still open, not given new ones.
    const second = await inventory();
    const taskIds = (run: typeof first) =>
      run.findings
        .filter((f) => f.kind === 'audit_chain_broken')
        .map((f) => f.taskId)
        .sort();
    expect(taskIds(second)).toEqual(taskIds(first));
    const tasks = await env.client.call<{ kind: string; title: string }[]>('GET', '/tasks?status=open&fonds=J001', {
      token: env.tokens.archivist,
    });
    expect(tasks.body.filter((t) => t.kind === 'audit_chain_broken').map((t) => t.title)).toEqual(
      expect.arrayContaining([`Audit chain broken (审计链断裂): audit_event entry ${edited} (link ${r.firstBroken!.seq})`]),
    );
    expect(tasks.body.filter((t) => t.kind === 'audit_chain_broken')).toHaveLength(2);

    // The operator's command names the same first broken entry, and fails.
    const cli = await verifyAudit();
    expect(cli.code).toBe(1);
    expect(cli.stdout).toContain('结果: 已损坏 (broken), 共 4 个问题');
    expect(cli.stdout).toContain(
      `第一处损坏 (first broken entry): 审计日志 (audit_event) 记录 ${edited}（链接 ${r.firstBroken!.seq}）: 内容被修改 (edited)`,
    );
    expect(cli.stdout).toContain(`生命周期记录 (lifecycle_event) 记录 ${deleted}`);
    expect(cli.stdout).toContain(`记录 0: 链外插入的记录 (inserted)`);
  }, 300_000);

  it('catches a chain rebuilt to match the tampered rows by the checkpoints signed in the store', async () => {
    await asOwner('DELETE FROM chain_link');
    await seal();
    const r = await check();
    const problems = r.problems.map((p) => p.problem);
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

  it('answers a caller without a token 401, and an unknown check 404, changing nothing', async () => {
    const counts = 'SELECT (SELECT count(*) FROM chain_link) AS links, (SELECT count(*) FROM audit_chain_check) AS checks';
    const before = await owner.query(counts);
    for (const [method, url] of [
      ['GET', '/audit/chain'],
      ['POST', '/audit/chain/checks'],
    ] as const) {
      const r: Reply = await env.client.call(method, url);
      expect(r.status).toBe(401);
    }
    const unknown = '00000000-0000-4000-8000-000000000000';
    expect((await env.client.call('GET', `/audit/chain/checks/${unknown}`, { token: env.tokens.auditor })).status).toBe(404);
    expect((await env.client.call('GET', '/audit/chain/checks/not-a-uuid', { token: env.tokens.auditor })).status).toBe(400);
    expect((await owner.query(counts)).rows).toEqual(before.rows);
  });
});
