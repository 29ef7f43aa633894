import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { registerDemoItems } from '../ops/demo-items';
import { DEMO_PASSWORD_DEFAULT } from '../prisma/seed';
import { emptyCatalogue } from './fixtures/catalogue';
import { apiHarness, eventually } from './helpers';

/**
 * Schemathesis (PyPI, installed by `./lantai install`) fuzzes the live API from its own OpenAPI document: every
 * operation with examples, the boundary values of each field, random inputs, and chains of calls whose ids it
 * takes from earlier responses. It fails on any 5xx and on any response that is off the document.
 */

const SCHEMATHESIS = path.join(process.env.LANTAI_TOOLS ?? path.join(os.homedir(), '.cache', 'lantai'), 'schemathesis');
const CHECKS = ['not_a_server_error', 'response_schema_conformance', 'status_code_conformance', 'content_type_conformance'];
const EXAMPLES_PER_OPERATION = Number(process.env.LANTAI_SCHEMATHESIS_EXAMPLES ?? 4);
const SEED = process.env.LANTAI_SCHEMATHESIS_SEED ?? '20261202';

/** Left out, each for its reason; everything else is fuzzed. */
const EXCLUDED: { operationId: string; why: string }[] = [
  {
    operationId: 'putFondsCodeInventoryschedule',
    why: "changes the fonds' Temporal Schedule, which is shared by every catalogue on the test stack's Temporal (not only this test's own)",
  },
  { operationId: 'postAuthLogout', why: 'revokes the token the run itself uses (test/mfa.test.ts covers it)' },
];

let catalogue: Awaited<ReturnType<typeof emptyCatalogue>>;
let t: Awaited<ReturnType<typeof apiHarness>>;
let configFile: string;

/**
 * Records that exist, for schemathesis to use besides the ids it makes up (which find nothing): the demo cases,
 * captured and verified (or failed) by the real steps, the verified one assembled into a box and handed over, a
 * hold, a shelf scan, a scan session and an inventory run.
 * Each operation on one draws its path parameter from these half of the time, so its replies on a real record are
 * checked too.
 */
async function knownRecords(): Promise<Record<string, { values: string[]; operations: string[] }>> {
  await registerDemoItems(t.api.url, DEMO_PASSWORD_DEFAULT);
  const items = await t.h.db.item.findMany({ select: { id: true } });
  const manager = t.tokens.manager!;
  const [item] = items;
  const hold = await t.client.call<{ id: string }>('POST', `/items/${item!.id}/holds`, {
    token: manager,
    body: { kind: 'audit', reason: 'schemathesis' },
  });
  const scan = await t.client.call<{ id: string }>('POST', '/shelf-scans', { token: manager, body: { reader: 'wedge-1', fonds: 'J001' } });
  await t.client.call('POST', `/shelf-scans/${scan.body.id}/readings`, { token: manager, body: { barcodes: ['SHELF-A101-01', 'X-1'] } });
  const run = await t.client.call<{ id: string }>('POST', '/inventories', { token: manager, body: { fonds: 'J001' } });
  const session = await t.client.call<{ sessionId: string }>('POST', '/scan-sessions', { token: t.tokens.archivist });
  const keys = await t.h.db.signingKey.findMany({ select: { id: true } });
  // The verified case numbered and boxed, with its documents, and the box handed over to the archive room.
  const assembly = await t.client.call<{ id: string }>('POST', '/volume-assemblies', { token: manager, body: { fonds: 'J001' } });
  const assembled = await eventually(
    async () => {
      const r = await t.client.call<{ status: string; boxes: { id: string }[] }>('GET', `/volume-assemblies/${assembly.body.id}`, {
        token: manager,
      });
      return ['assembled', 'failed'].includes(r.body.status) ? r.body : undefined;
    },
    { what: 'the assembly of the verified demo case' },
  );
  const handOver = await t.client.call<{ id: string }>('POST', '/hand-overs', {
    token: manager,
    body: {
      fonds: 'J001',
      boxes: assembled.boxes.map((b) => b.id),
      businessUnit: '养老保险科',
      itemCount: 1,
      pageCount: 3,
      handedOverBy: '张经办',
      receivedBy: '李库管',
      witness: '王监交',
    },
  });
  const businessTypes = await t.h.db.businessType.findMany({ select: { code: true } });
  const offices = await t.h.db.handlingOffice.findMany({ select: { code: true } });
  const made = [hold, scan, run, session, assembly, handOver];
  if (made.some((r) => r.status >= 300) || assembled.status !== 'assembled' || keys.length === 0)
    throw new Error(`could not make the records to use: ${JSON.stringify([...made.map((r) => r.body), assembled])}`);
  const onItems = ['GET ', 'GET /history', 'GET /capture', 'GET /pages', 'GET /holds', 'GET /fixity', 'POST /holds']
    .concat(['POST /scan', 'POST /pages', 'POST /capture/finish', 'POST /capture/resume', 'POST /initial-review'])
    .concat(['POST /quality/override', 'POST /quality/sample-review'])
    .map((o) => o.replace(' ', ' /items/{id}'));
  const onSessions = ['GET ', 'POST /scan', 'POST /pages', 'POST /finish', 'POST /resume'].map((o) =>
    o.replace(' ', ' /scan-sessions/{id}'),
  );
  return {
    items: { values: items.map((i) => i.id), operations: onItems },
    holds: { values: [hold.body.id], operations: ['POST /holds/{id}/lift'] },
    sessions: { values: [session.body.sessionId], operations: onSessions },
    fonds: { values: ['J001', 'J002'], operations: ['GET /fonds/{code}/arrangement', 'GET /fonds/{code}/inventory-schedule'] },
    shelfScans: {
      values: [scan.body.id],
      operations: ['GET /shelf-scans/{id}', 'POST /shelf-scans/{id}/readings', 'POST /shelf-scans/{id}/close'],
    },
    inventories: { values: [run.body.id], operations: ['GET /inventories/{id}'] },
    signingKeys: { values: keys.map((k) => k.id), operations: ['GET /signing-keys/{id}'] },
    assemblies: {
      values: [assembly.body.id],
      operations: ['GET /volume-assemblies/{id}', 'GET /volume-assemblies/{id}/documents/{name}'],
    },
    handOvers: {
      values: [handOver.body.id],
      operations: ['', '/shelf-labels.pdf', '/decision', '/resubmission'].map(
        (p) => `${p.startsWith('/d') || p.startsWith('/r') ? 'POST' : 'GET'} /hand-overs/{id}${p}`,
      ),
    },
    businessTypes: { values: businessTypes.map((b) => b.code), operations: [] },
    offices: { values: offices.map((o) => o.code), operations: [] },
  };
}

/** Fields of any body or query that name a catalogue record by its code, drawn from the real ones half of the time. */
const CODES: Record<string, string> = {
  'body.fonds': 'fonds',
  'query.fonds': 'fonds',
  'body.businessType': 'businessTypes',
  'body.handlingOffice': 'offices',
  'body.items[*]': 'items',
  'body.shelfScans[*]': 'shelfScans',
};

/** schemathesis.toml: a dictionary of each kind of record, and the operations that draw their path parameter from it. */
function configOf(records: Record<string, { values: string[]; operations: string[] }>): string {
  const lines: string[] = [];
  lines.push(
    '[parameters]',
    ...Object.entries(CODES).map(([field, name]) => `"${field}" = { dictionary = "${name}", probability = 0.5 }`),
    '',
  );
  for (const [name, { values }] of Object.entries(records)) lines.push(`[dictionaries.${name}]`, `values = ${JSON.stringify(values)}`, '');
  for (const [name, { operations }] of Object.entries(records))
    for (const operation of operations) {
      const parameter = operation.includes('{code}') ? 'code' : 'id';
      lines.push(
        '[[operations]]',
        `include-name = ${JSON.stringify(operation)}`,
        `parameters = { "path.${parameter}" = { dictionary = "${name}", probability = 0.5 } }`,
        '',
      );
    }
  return lines.join('\n');
}

beforeAll(async () => {
  // A catalogue of this test's own: what the fuzzer registers, moves or opens touches no other test's data.
  catalogue = await emptyCatalogue();
  t = await apiHarness({ users: ['manager', 'archivist'], postgresUrl: catalogue.url });
  configFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'lantai-schemathesis-config-')), 'schemathesis.toml');
  fs.writeFileSync(configFile, configOf(await knownRecords()));
}, 240_000);

afterAll(async () => {
  await t?.close();
  await catalogue?.drop();
  if (configFile) fs.rmSync(path.dirname(configFile), { recursive: true, force: true });
});

function schemathesis(args: string[], cwd: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    // In a directory of its own: schemathesis keeps a cache there.
    const child = spawn('python3', ['-m', 'schemathesis.cli', '--config-file', configFile, 'run', ...args], {
      cwd,
      env: { ...process.env, PYTHONPATH: SCHEMATHESIS, NO_COLOR: '1', SCHEMATHESIS_HOOKS: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code: code ?? 1, output }));
  });
}

describe('the API under schemathesis', () => {
  it.each(['manager', 'archivist'])(
    'answers every generated request as its OpenAPI document says, without a server error, as the %s',
    async (user) => {
      if (!fs.existsSync(path.join(SCHEMATHESIS, 'schemathesis')))
        throw new Error(`schemathesis is not installed in ${SCHEMATHESIS}: run ./lantai install`);
      const reportDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lantai-schemathesis-'));
      const started = Date.now();
      const { code, output } = await schemathesis(
        [
          `${t.api.url}/openapi.json`,
          '--checks',
          CHECKS.join(','),
          '--phases',
          'examples,coverage,fuzzing,stateful',
          '--max-examples',
          String(EXAMPLES_PER_OPERATION),
          '--seed',
          SEED,
          // One worker: Python 3.11's AST parser keeps its depth in state its threads share, and Hypothesis parses its
          // own source as it generates, so two workers at once fail with "AST constructor recursion depth mismatch".
          '--workers',
          '1',
          '--request-timeout',
          '20',
          '--header',
          `Authorization: Bearer ${t.tokens[user]}`,
          '--generation-database',
          'none',
          '--no-color',
          '--report',
          'junit',
          '--report-dir',
          reportDir,
          ...EXCLUDED.flatMap((e) => ['--exclude-operation-id', e.operationId]),
        ],
        reportDir,
      );
      process.stdout.write(`schemathesis as ${user}: ${Math.round((Date.now() - started) / 1000)} s\n`);
      fs.writeFileSync(path.join(reportDir, 'output.txt'), output);
      if (code !== 0) throw new Error(`schemathesis found failures (exit ${code}; all of it in ${reportDir}):\n${output.slice(-20000)}`);
      // Every case it made was answered as the document says (a run that made none would prove nothing).
      const [, generated, passed] = /(\d+) generated, (\d+) passed/.exec(output) ?? [];
      expect(Number(generated)).toBeGreaterThan(1000);
      expect(passed).toBe(generated);
      fs.rmSync(reportDir, { recursive: true, force: true });
    },
    300_000,
  );
});
