import pg from 'pg';
import type { ItemRegistration } from '../catalogue/registration';

/** Cases per request: the most the batch registration route takes. */
export const BATCH = 1000;

interface BatchReply {
  results: { index: number; caseNumber: string; status: 'created' | 'existing' | 'refused'; error?: unknown }[];
}

export interface RegistrationOutcome {
  created: number;
  existing: number;
  seconds: number;
}

/**
 * Registers cases 0…count-1 through `POST /items/batch`, `clients` requests in flight (each a business system's
 * connection), as the business systems would. A refused case stops the build: the archive must hold every case.
 */
export async function registerThroughApi({
  api,
  token,
  count,
  clients,
  caseAt,
  say,
}: {
  api: string;
  token: string;
  count: number;
  clients: number;
  caseAt: (i: number) => ItemRegistration;
  say: (line: string) => void;
}): Promise<RegistrationOutcome> {
  const batches = Math.ceil(count / BATCH);
  const outcome: RegistrationOutcome = { created: 0, existing: 0, seconds: 0 };
  const started = performance.now();
  let next = 0;
  let reported = 0;
  const lane = async () => {
    while (next < batches) {
      const b = next++;
      const cases = Array.from({ length: Math.min(BATCH, count - b * BATCH) }, (_, k) => caseAt(b * BATCH + k));
      const res = await fetch(`${api}/items/batch`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ cases }),
      });
      const reply = (await res.json()) as BatchReply;
      if (res.status >= 400) throw new Error(`POST /items/batch: ${res.status} ${JSON.stringify(reply).slice(0, 500)}`);
      const refused = reply.results.filter((r) => r.status === 'refused');
      if (refused.length) throw new Error(`POST /items/batch refused ${refused.length} cases, e.g. ${JSON.stringify(refused[0])}`);
      for (const r of reply.results) outcome[r.status === 'created' ? 'created' : 'existing'] += 1;
      const done = outcome.created + outcome.existing;
      if (done - reported >= count / 10) {
        reported = done;
        const s = (performance.now() - started) / 1000;
        say(`  ${done} cases in ${s.toFixed(0)} s (${(done / s).toFixed(0)} cases/s)`);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(clients, batches) }, lane));
  outcome.seconds = (performance.now() - started) / 1000;
  return outcome;
}

/**
 * The raw rate of the same writes straight in SQL, in the same run: each case's item, its first history row and its
 * audit row, one statement per 1000 cases as the batch route writes them, from as many connections as the API had
 * clients, on the catalogue as it stands; each connection's transaction is rolled back, so the archive is unchanged.
 */
export async function rawRegistrationRate(databaseUrl: string, cases: ItemRegistration[], connections: number): Promise<number> {
  const batches = Array.from({ length: Math.ceil(cases.length / BATCH) }, (_, b) => cases.slice(b * BATCH, (b + 1) * BATCH));
  const clients = await Promise.all(
    Array.from({ length: Math.min(connections, batches.length) }, async () => {
      const c = new pg.Client({ connectionString: databaseUrl });
      await c.connect();
      return c;
    }),
  );
  const started = performance.now();
  try {
    let next = 0;
    await Promise.all(
      clients.map(async (client) => {
        await client.query('BEGIN');
        try {
          while (next < batches.length) await client.query(INSERT_STRAIGHT, [JSON.stringify(batches[next++])]);
        } finally {
          await client.query('ROLLBACK');
        }
      }),
    );
    return cases.length / ((performance.now() - started) / 1000);
  } finally {
    await Promise.all(clients.map((c) => c.end()));
  }
}

const INSERT_STRAIGHT = `WITH input AS (
    SELECT gen_random_uuid() AS id, c.*, f.id AS fonds_id, bt.id AS business_type_id, bt.default_retention, bt.name AS business_type_name, o.id AS office_id
    FROM jsonb_to_recordset($1::jsonb) AS c ("fonds" text, "caseNumber" text, "businessType" text, "citizenId" text, "personName" text, "employerName" text,
      "employerCreditCode" text, "clerk" text, "handledOn" date, "handlingOffice" text, "securityLevel" "SecurityLevel")
    JOIN fonds f ON f.code = c.fonds JOIN business_type bt ON bt.code = c."businessType" JOIN handling_office o ON o.code = c."handlingOffice"
  ), items AS (
    INSERT INTO item (id, fonds_id, business_type_id, year, retention_period, security_level, case_number, citizen_id, person_name, employer_name,
      employer_credit_code, clerk_name, handled_on, handling_office_id, title, updated_at)
    SELECT id, fonds_id, business_type_id, extract(year FROM "handledOn")::int, default_retention, "securityLevel", "caseNumber", "citizenId", "personName",
      "employerName", "employerCreditCode", clerk, "handledOn", office_id, "personName" || ' ' || business_type_name, now() FROM input
    ON CONFLICT (fonds_id, case_number) DO NOTHING RETURNING id, fonds_id, case_number
  ), history AS (
    INSERT INTO lifecycle_event (item_id, from_state, to_state, actor, transition_id) SELECT id, NULL, 'registered', 'bench-registrar', 'registration/' || id FROM items
  )
  INSERT INTO audit_event (actor, action, subject, outcome, details)
  SELECT 'bench-registrar', 'item.register', 'item:' || id, 'done', jsonb_build_object('caseNumber', case_number) FROM items`;
