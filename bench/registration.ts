/**
 * Cases per second registered through the API, in batches and as single requests from concurrent clients, beside
 * the raw rate of inserting the same rows (item, history, audit) straight into the catalogue, in the same run. The
 * requests come from a business system process of their own (bench/business-system.ts), as they would in service.
 *   npm run bench:registration -- [--cases 20000] [--batch 1000] [--clients 8] [--pg 56642 --temporal 7543 --minio 9392]
 * Starts its own PostgreSQL, MinIO and Temporal (unless DATABASE_URL, TEMPORAL_ADDRESS, S3_ENDPOINT point elsewhere).
 */
import { fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { Db } from '../prisma/client';
import { benchApi } from './api';
import { casesOf, type Order, type Report } from './business-system';
import { benchStack } from './stack';

const { values } = parseArgs({
  options: {
    cases: { type: 'string', default: '20000' },
    batch: { type: 'string', default: '1000' },
    clients: { type: 'string', default: '8' },
    pg: { type: 'string', default: '56642' },
    temporal: { type: 'string', default: '7543' },
    minio: { type: 'string', default: '9392' },
  },
});
const CASES = Number(values.cases);
const BATCH = Number(values.batch);
const CLIENTS = Number(values.clients);

type Case = ReturnType<typeof casesOf>[number];

/** Runs the order in a business system process of its own, and returns its report. */
function businessSystem(order: Order): Promise<Report> {
  const child = fork(path.join(__dirname, 'business-system.ts'), { execArgv: ['--import', 'tsx'] });
  return new Promise((resolve, reject) => {
    child.once('message', (report: Report) => resolve(report));
    child.once('exit', (code) => reject(new Error(`the business system process exited with ${code} before reporting`)));
    child.send(order);
  });
}

/** The same rows registration writes, by one INSERT … SELECT FROM unnest per chunk, with history and audit rows. */
async function insertStraight(db: Db, cases: Case[]): Promise<void> {
  const refs = await db.$queryRaw<{ fonds: string; gl02: string; gl03: string; office: string }[]>`
    SELECT (SELECT id::text FROM fonds WHERE code = 'J001') AS fonds, (SELECT id::text FROM business_type WHERE code = 'GL02') AS gl02,
      (SELECT id::text FROM business_type WHERE code = 'GL03') AS gl03, (SELECT id::text FROM handling_office WHERE code = 'BS01') AS office`;
  const { fonds, gl02, gl03, office } = refs[0]!;
  for (let start = 0; start < cases.length; start += BATCH) {
    const chunk = cases.slice(start, start + BATCH);
    const col = <T>(f: (c: Case) => T) => chunk.map(f);
    await db.$executeRaw`
      WITH given AS (
        SELECT * FROM unnest(${col(() => randomUUID())}::uuid[], ${col((c) => (c.businessType === 'GL02' ? gl02 : gl03))}::uuid[],
          ${col((c) => Number(c.handledOn.slice(0, 4)))}::int[], ${col((c) => c.caseNumber)}::text[], ${col((c) => c.citizenId)}::text[],
          ${col((c) => c.personName)}::text[], ${col((c) => c.clerk)}::text[], ${col((c) => c.handledOn)}::date[], ${col((c) => c.title)}::text[])
          AS g(id, business_type_id, year, case_number, citizen_id, person_name, clerk_name, handled_on, title)
      ), created AS (
        INSERT INTO item (id, fonds_id, business_type_id, year, retention_period, security_level, case_number, citizen_id, person_name,
          clerk_name, handled_on, handling_office_id, title, updated_at)
        SELECT id, ${fonds}::uuid, business_type_id, year, 'D100', 'internal', case_number, citizen_id, person_name, clerk_name, handled_on, ${office}::uuid, title, now()
        FROM given
        RETURNING id, case_number
      ), history AS (
        INSERT INTO lifecycle_event (item_id, from_state, to_state, actor, transition_id)
        SELECT id, NULL, 'registered', 'bench', 'registration/' || id::text FROM created
      )
      INSERT INTO audit_event (actor, action, subject, outcome, details)
      SELECT 'bench', 'item.register', 'item:' || id::text, 'done', jsonb_build_object('fonds', 'J001', 'caseNumber', case_number) FROM created`;
  }
}

async function main(): Promise<void> {
  const { config, db, store, temporal, log, close } = await benchStack({
    pg: Number(values.pg),
    temporal: Number(values.temporal),
    minio: Number(values.minio),
  });
  const api = await benchApi({ config, db, store, temporal, log });
  try {
    const run = Date.now().toString(36);
    const loadAtStart = os.loadavg()[0]!;
    const seconds = async (work: () => Promise<void>) => {
      const t = performance.now();
      await work();
      return (performance.now() - t) / 1000;
    };
    const tokens = await Promise.all(Array.from({ length: CLIENTS }, () => api.login('clerk')));
    // One small request of each kind first, so no phase pays for connections and compiled code the others reuse.
    await api.call('POST', '/items/batch', tokens[0], { cases: casesOf(`WARM-${run}-B`, 10) });
    await api.call('POST', '/items', tokens[0], casesOf(`WARM-${run}-S`, 1)[0]);

    const rawSeconds = await seconds(() => insertStraight(db, casesOf(`RAW-${run}`, CASES)));

    // The API's own CPU time per case beside the wall clock: on a shared machine the first says what the code costs.
    const measured = async (order: Order) => {
      const before = process.cpuUsage();
      const report = await businessSystem(order);
      const used = process.cpuUsage(before);
      if (report.created !== CASES)
        throw new Error(`registered ${report.created} of ${CASES} cases (${order.prefix}); replies ${JSON.stringify(report.statuses)}`);
      return { seconds: report.seconds, cpuMsPerCase: (used.user + used.system) / 1000 / CASES };
    };
    const batched = await measured({ url: api.url, tokens: tokens.slice(0, 1), prefix: `BATCH-${run}`, cases: CASES, batch: BATCH });
    const singly = await measured({ url: api.url, tokens, prefix: `SINGLE-${run}`, cases: CASES });
    const rate = (s: number) => CASES / s;
    const line = (what: string, s: number, cpuMsPerCase?: number) =>
      `${what.padEnd(44)} ${rate(s).toFixed(0).padStart(6)} cases/s (${s.toFixed(1)} s; ${(rate(s) / rate(rawSeconds)).toFixed(2)} of raw${cpuMsPerCase === undefined ? '' : `; API process ${cpuMsPerCase.toFixed(2)} ms CPU a case`})`;
    process.stdout.write(
      [
        `machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, load average ${loadAtStart.toFixed(1)} at the start, ${os.loadavg()[0]!.toFixed(1)} at the end`,
        `cases: ${CASES} per way, into a catalogue of ${await db.item.count()} items at the end`,
        line(`raw INSERT … FROM unnest, ${BATCH} a statement`, rawSeconds),
        line(`API POST /items/batch, ${BATCH} a request`, batched.seconds, batched.cpuMsPerCase),
        line(`API POST /items, ${CLIENTS} clients`, singly.seconds, singly.cpuMsPerCase),
      ].join('\n') + '\n',
    );
  } finally {
    api.close();
    await close();
  }
}

main().catch((err: Error) => {
  console.error(err.stack ?? err.message);
  process.exit(1);
});
