/**
 * Cases per second registered through the API, in batches and as single requests from concurrent clients, beside
 * the raw rate of inserting the same rows (item, history, audit) straight into the catalogue, in the same run.
 *   npm run bench:registration -- [--cases 20000] [--batch 1000] [--clients 8]
 * Starts its own PostgreSQL, MinIO and Temporal (unless DATABASE_URL, TEMPORAL_ADDRESS, S3_ENDPOINT point elsewhere).
 */
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { citizenIdCheckChar } from '../domain/citizen-id';
import type { Db } from '../prisma/client';
import { benchApi } from './api';
import { benchStack } from './stack';

const { values } = parseArgs({ options: { cases: { type: 'string', default: '20000' }, batch: { type: 'string', default: '1000' }, clients: { type: 'string', default: '8' } } });
const CASES = Number(values.cases);
const BATCH = Number(values.batch);
const CLIENTS = Number(values.clients);

/** N cases of valid index data, their case numbers under `prefix`, handled over five years. */
function casesOf(prefix: string, n: number) {
  return Array.from({ length: n }, (_, i) => {
    const first17 = `44030419${String(60 + (i % 40))}0615${String(i % 1000).padStart(3, '0')}`;
    const handledOn = new Date(Date.UTC(2020, 0, 1 + (i % 1800))).toISOString().slice(0, 10);
    return {
      fonds: 'J001', caseNumber: `${prefix}-${i}`, businessType: i % 3 ? 'GL02' : 'GL03', citizenId: first17 + citizenIdCheckChar(first17),
      personName: '林晓', clerk: '王经办', handledOn, handlingOffice: 'BS01', title: `林晓 参保人员登记 第${i + 1}件`,
    };
  });
}
type Case = ReturnType<typeof casesOf>[number];

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
  const { config, db, store, temporal, log, close } = await benchStack({ pg: 56642, temporal: 7543, minio: 9392 });
  const api = await benchApi({ config, db, store, temporal, log });
  try {
    const run = Date.now().toString(36);
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

    const batched = casesOf(`BATCH-${run}`, CASES);
    let createdInBatches = 0;
    const batchSeconds = await seconds(async () => {
      for (let start = 0; start < batched.length; start += BATCH) {
        const reply = await api.call<{ counts: { created: number } }>('POST', '/items/batch', tokens[0], { cases: batched.slice(start, start + BATCH) });
        createdInBatches += reply.counts.created;
      }
    });

    const singles = casesOf(`SINGLE-${run}`, CASES);
    let next = 0;
    const singleSeconds = await seconds(async () => {
      await Promise.all(tokens.map(async (token) => {
        for (let i = next++; i < singles.length; i = next++) await api.call('POST', '/items', token, singles[i]);
      }));
    });
    const createdSingly = await db.item.count({ where: { caseNumber: { startsWith: `SINGLE-${run}-` } } });
    if (createdInBatches !== CASES || createdSingly !== CASES) throw new Error(`registered ${createdInBatches} in batches and ${createdSingly} singly, not ${CASES} each`);

    const rate = (s: number) => CASES / s;
    const line = (what: string, s: number) => `${what.padEnd(44)} ${rate(s).toFixed(0).padStart(6)} cases/s (${s.toFixed(1)} s; ${(rate(s) / rate(rawSeconds)).toFixed(2)} of raw)`;
    process.stdout.write(
      [
        `machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, load ${os.loadavg()[0]!.toFixed(1)}`,
        `cases: ${CASES} per way, into a catalogue of ${await db.item.count()} items at the end`,
        line(`raw INSERT … FROM unnest, ${BATCH} a statement`, rawSeconds),
        line(`API POST /items/batch, ${BATCH} a request`, batchSeconds),
        line(`API POST /items, ${CLIENTS} clients`, singleSeconds),
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
