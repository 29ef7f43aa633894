import type pg from 'pg';
import { parseTemplate } from '../domain/reference-code';

/**
 * The bench archive's later life, written straight into the catalogue in a few set-based statements: for each
 * registered item a state that fits its age, retention and business type, the history of allowed moves that led
 * there (dated over the twenty years), two page rows (catalogue only, no object behind them), and the archival
 * code, box, hand-over, transfer, appraisal or destruction its state implies. Imaging and the steps themselves are
 * measured by their own benchmarks; this builds the archive they would have left.
 *
 * Item by item: younger than 60 days, still with the clerk or in verification; 60–270 days, verified, boxed or
 * handed over; older, in the archive room, except permanent records older than ten years (transferred to the city
 * archive) and 10-year records whose retention has run out (under appraisal this year; destroyed or kept before).
 */
export interface LoadPhase {
  name: string;
  seconds: number;
  rows: number;
}

const STATES_BEFORE_BOXING = ['registered', 'captured', 'verification_failed', 'verified'];
// Tables the loader fills: their secondary indexes are built once after the rows are in, as a restore does, instead
// of taking a million row-by-row insertions each.
const REINDEXED = ['item', 'lifecycle_event', 'page'];

/**
 * Loads the archive in one transaction: the catalogue is never seen half-loaded, and what the loader sets aside (the
 * per-row checks, the secondary indexes) is never seen set aside by anyone else.
 */
export async function loadArchive(
  client: pg.Client,
  { today, bucket }: { today: string; bucket: string },
  say: (line: string) => void,
): Promise<LoadPhase[]> {
  const phases: LoadPhase[] = [];
  const phase = async (name: string, work: () => Promise<number>) => {
    const t = performance.now();
    const rows = await work();
    phases.push({ name, seconds: (performance.now() - t) / 1000, rows });
    say(`  ${name}: ${rows} rows in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  };
  const rows = async (sql: string, values: unknown[] = []) => (await client.query(sql, values)).rowCount ?? 0;
  await client.query("SET work_mem = '256MB'");
  await client.query("SET maintenance_work_mem = '512MB'");
  await client.query('BEGIN');
  try {
    await phase('plan: states, dates, numbers, boxes', () => plan(client, today));
    const { rows: indexes } = await client.query<{ name: string; definition: string }>(
      `SELECT indexname AS name, indexdef AS definition FROM pg_indexes
       WHERE schemaname = 'public' AND tablename = ANY($1) AND indexname NOT IN (SELECT conname FROM pg_constraint)`,
      [REINDEXED],
    );
    for (const i of indexes) await client.query(`DROP INDEX "${i.name}"`);
    // Every row is built from the catalogue's own rows, so the per-row foreign-key checks add only time (60% of an
    // insert into lifecycle_event, measured); replication role skips them, and the append-only guard, in this
    // transaction only.
    await client.query("SET LOCAL session_replication_role = 'replica'");
    await phase('pages and quality defects', async () => (await rows(PAGES, [bucket])) + (await rows(DEFECTS)));
    await phase('history', async () => {
      const moves = await rows(HISTORY);
      // The archive compresses twenty years into minutes: each registration is dated on its case's handled day.
      return moves + (await rows('UPDATE lifecycle_event e SET at = p.t_reg FROM plan p WHERE e.item_id = p.id AND e.from_state IS NULL'));
    });
    await client.query("SET LOCAL session_replication_role = 'origin'");
    await phase('states', async () => {
      // Each item is written once, in its final state, the whole path of allowed moves that led there in its history:
      // the row triggers that check one move (and its foreign keys) per update are set aside for this statement; the
      // statement-level triggers that keep the per-fonds counts run as for any update.
      await client.query('ALTER TABLE item DISABLE TRIGGER ALL');
      await client.query('ALTER TABLE item ENABLE TRIGGER item_counted_update');
      const n = await rows(STATES);
      await client.query('ALTER TABLE item ENABLE TRIGGER ALL');
      return n;
    });
    await phase(`secondary indexes of ${REINDEXED.join(', ')} built`, async () => {
      for (const i of indexes) await client.query(i.definition);
      return indexes.length;
    });
    await phase('appraisal, destruction and tombstones', () => appraisalAndDestruction(client));
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK');
    throw err;
  }
  // The plan's temporary tables count in the database's size while the session lasts.
  await client.query('DISCARD TEMP');
  return phases;
}

async function plan(client: pg.Client, today: string): Promise<number> {
  const { rows: fonds } = await client.query<{ id: string; template: string }>('SELECT id, reference_code_template AS template FROM fonds');
  const { rowCount } = await client.query(
    `CREATE TEMP TABLE plan AS
     WITH drawn AS MATERIALIZED (
       SELECT i.id, i.fonds_id, i.year, i.retention_period AS retention, i.case_number, i.title, i.person_name, i.handled_on,
         bt.min_dpi, $1::date - i.handled_on AS age,
         ${[1, 2, 3, 4].map((k) => `(hashtextextended(i.id::text, ${k}) & 4294967295)::float8 / 4294967296 AS u${k}`).join(', ')}
       FROM item i JOIN business_type bt ON bt.id = i.business_type_id
       WHERE i.lifecycle_state = 'registered'
     ), decided AS MATERIALIZED (
       SELECT d.*, CASE
         -- Capture and verification of a case take up to about four days: the newest cases wait for them.
         WHEN age < 5 THEN 'registered'
         WHEN age < 60 THEN CASE WHEN u1 < 0.3 THEN 'registered' WHEN u1 < 0.55 THEN 'captured' WHEN u1 < 0.6 THEN 'verification_failed' ELSE 'verified' END
         WHEN age < 120 THEN CASE WHEN u1 < 0.45 THEN 'verified' ELSE 'assembled' END
         WHEN age < 270 THEN CASE WHEN u1 < 0.15 THEN 'verified' WHEN u1 < 0.5 THEN 'assembled' ELSE 'in_archive_room' END
         -- Retention counts from 1 January of the following year: a 10-year record of year Y is due on 1 January Y+11.
         WHEN retention = 'D10' AND year + 11 = extract(year FROM $1::date) THEN CASE WHEN make_date(year + 11, 1, 3) <= $1::date THEN 'under_appraisal' ELSE 'in_archive_room' END
         WHEN retention = 'D10' AND year + 11 < extract(year FROM $1::date) THEN CASE WHEN u1 < 0.85 THEN 'destroyed' ELSE 'kept' END
         WHEN retention = 'Y' AND year + 11 <= extract(year FROM $1::date) THEN 'transferred'
         ELSE 'in_archive_room' END AS outcome,
         u2 < 0.04 AS rescanned,
         ((d.handled_on + time '09:00') + d.u3 * interval '8 hours') AT TIME ZONE 'Asia/Shanghai' AS t_reg
       FROM drawn d
     ), timed AS MATERIALIZED (
       SELECT c.*, c.t_reg + c.u4 * interval '20 hours' AS t_cap,
         c.t_reg + c.u4 * interval '20 hours' + interval '1 hour' AS t_fail,
         c.t_reg + c.u4 * interval '20 hours' + interval '2 days' AS t_recap,
         c.t_reg + c.u4 * interval '20 hours' + CASE WHEN c.rescanned THEN interval '2 days' ELSE interval '0' END + interval '4 hours' + c.u3 * interval '20 hours' AS t_ver,
         CASE WHEN c.outcome = 'transferred' THEN make_timestamptz(c.year + 10, 6, 15, 10, 0, 0, 'Asia/Shanghai')
           ELSE make_timestamptz(c.year + 11, 1, 2, 3, 0, 0, 'Asia/Shanghai') END AS t_out
       FROM decided c
     ), dated AS MATERIALIZED (
       SELECT t.*, t.t_ver + interval '20 days' + t.u4 * interval '30 days' AS t_asm,
         t.t_ver + interval '30 days' + t.u4 * interval '30 days' + t.u2 * interval '20 days' AS t_room,
         t.t_out + interval '60 days' + t.u3 * interval '20 days' AS t_end,
         t.outcome NOT IN (${STATES_BEFORE_BOXING.map((s) => `'${s}'`).join(', ')}) AS boxed
       FROM timed t
     ), pathed AS (
       SELECT d.*,
         (CASE WHEN outcome = 'registered' THEN '{}' WHEN outcome = 'captured' THEN '{captured}' WHEN outcome = 'verification_failed' THEN '{captured,verification_failed}'
            WHEN rescanned THEN '{captured,verification_failed,captured,verified}' ELSE '{captured,verified}' END)::text[]
         || CASE WHEN boxed THEN '{assembled}'::text[] ELSE '{}' END
         || CASE WHEN boxed AND outcome <> 'assembled' THEN '{in_archive_room}'::text[] ELSE '{}' END
         || CASE outcome WHEN 'transferred' THEN '{transferred}'::text[] WHEN 'under_appraisal' THEN '{under_appraisal}' WHEN 'destroyed' THEN '{under_appraisal,destroyed}'
            WHEN 'kept' THEN '{under_appraisal,in_archive_room}' ELSE '{}' END AS path,
         (CASE WHEN outcome = 'registered' THEN '{}' WHEN outcome = 'captured' THEN ARRAY[t_cap] WHEN outcome = 'verification_failed' THEN ARRAY[t_cap, t_fail]
            WHEN rescanned THEN ARRAY[t_cap, t_fail, t_recap, t_ver] ELSE ARRAY[t_cap, t_ver] END)
         || CASE WHEN boxed THEN ARRAY[t_asm] ELSE '{}' END
         || CASE WHEN boxed AND outcome <> 'assembled' THEN ARRAY[t_room] ELSE '{}' END
         || CASE outcome WHEN 'transferred' THEN ARRAY[t_out] WHEN 'under_appraisal' THEN ARRAY[t_out] WHEN 'destroyed' THEN ARRAY[t_out, t_end]
            WHEN 'kept' THEN ARRAY[t_out, t_end] ELSE '{}' END AS times
       FROM dated d
     )
     SELECT p.*, coalesce(p.path[cardinality(p.path)], 'registered')::"LifecycleState" AS final_state,
       coalesce(p.times[cardinality(p.times)], p.t_reg) AS t_last
     FROM pathed p`,
    [today],
  );
  await client.query('CREATE UNIQUE INDEX ON plan (id)');
  await client.query('ANALYZE plan (id, outcome)');

  // Numbers run without gaps in each group (fonds, year, retention): the boxes handed over first, then those not yet.
  const code = `CASE b.fonds_id ${fonds.map((f) => `WHEN '${f.id}' THEN ${codeExpression(f.template)}`).join(' ')} END`;
  await client.query(`CREATE TEMP TABLE numbering AS
    WITH ranked AS (
      SELECT p.id, p.fonds_id, p.year, p.retention, p.t_asm, p.outcome = 'assembled' AS later,
        row_number() OVER (PARTITION BY p.fonds_id, p.year, p.retention ORDER BY p.outcome = 'assembled', p.t_asm, p.id) AS item_number,
        row_number() OVER (PARTITION BY p.fonds_id, p.year, p.retention, p.outcome = 'assembled' ORDER BY p.t_asm, p.id) AS in_stage,
        count(*) FILTER (WHERE p.outcome <> 'assembled') OVER (PARTITION BY p.fonds_id, p.year, p.retention) AS earlier,
        CASE f.box_capacity_unit WHEN 'items' THEN f.box_capacity ELSE greatest(1, f.box_capacity / 2) END AS per_box
      FROM plan p JOIN fonds f ON f.id = p.fonds_id WHERE p.boxed
    ), boxed AS (
      SELECT r.*, (CASE WHEN later THEN ceil(earlier::numeric / per_box) ELSE 0 END + ceil(in_stage::numeric / per_box))::int AS box_number FROM ranked r
    )
    SELECT b.*, ${code} AS archival_code, s.category, f.code AS fonds_code, f.org_code, f.name AS fonds_name
    FROM boxed b JOIN fonds f ON f.id = b.fonds_id JOIN classification_scheme s ON s.id = f.scheme_id`);
  await client.query(`CREATE TEMP TABLE box_plan AS
    SELECT gen_random_uuid() AS id, fonds_id, fonds_code, fonds_name, category, org_code, year, retention, box_number, later,
      min(item_number) AS first_item, max(item_number) AS last_item, count(*)::int AS items, min(t_asm) AS arranged_at
    FROM numbering GROUP BY fonds_id, fonds_code, fonds_name, category, org_code, year, retention, box_number, later`);
  await client.query(`CREATE TEMP TABLE numbered AS
    SELECT n.id, n.item_number, n.archival_code, b.id AS box_id FROM numbering n
    JOIN box_plan b ON b.fonds_id = n.fonds_id AND b.year = n.year AND b.retention = n.retention AND b.box_number = n.box_number`);
  await client.query('DROP TABLE numbering');
  await client.query('CREATE UNIQUE INDEX ON numbered (id)');
  await client.query('ANALYZE numbered');
  // One assembly per fonds and year, one accepted hand-over of its boxes, one transfer of its permanent records.
  await client.query(`CREATE TEMP TABLE run_plan AS
    SELECT fonds_id, fonds_name, year, gen_random_uuid() AS assembly_id, gen_random_uuid() AS hand_over_id, gen_random_uuid() AS transfer_id,
      sum(items)::int AS items, count(*)::int AS boxes, sum(items) FILTER (WHERE NOT later)::int AS handed_over, min(arranged_at) AS started
    FROM box_plan GROUP BY fonds_id, fonds_name, year`);
  await client.query(`INSERT INTO volume_assembly (id, fonds_id, workflow_id, requested_by, scope, status, item_count, box_count, created_at, finished_at)
    SELECT assembly_id, fonds_id, 'bench-archive/assembly/' || assembly_id, 'archivist', jsonb_build_object('years', jsonb_build_array(year)), 'assembled', items, boxes, started, started
    FROM run_plan`);
  await client.query(`INSERT INTO hand_over (id, fonds_id, workflow_id, business_unit, item_count, page_count, handed_over_by, received_by, witness, status, decided_by, decided_at, created_by, created_at)
    SELECT hand_over_id, fonds_id, 'bench-archive/hand-over/' || hand_over_id, fonds_name, handed_over, handed_over * 2, 'clerk', 'manager', 'auditor', 'accepted', 'manager', started + interval '30 days', 'clerk', started
    FROM run_plan WHERE handed_over > 0`);
  await client.query(`INSERT INTO transfer (id, fonds_id, package_id, workflow_id, receiver, selection, encoding, status, created_by, created_at, finished_at)
    SELECT r.transfer_id, r.fonds_id, 'bench-archive-' || r.transfer_id, 'bench-archive/transfer/' || r.transfer_id, '示范市档案馆',
      jsonb_build_object('years', jsonb_build_array(r.year), 'retentionPeriods', jsonb_build_array('Y')), 'UTF-8', 'accepted', 'manager', min(p.t_out), min(p.t_out)
    FROM run_plan r JOIN plan p ON p.fonds_id = r.fonds_id AND p.year = r.year AND p.outcome = 'transferred'
    GROUP BY r.transfer_id, r.fonds_id, r.year`);
  await client.query(`INSERT INTO box (id, fonds_id, category, box_number, year, retention_period, org_code, first_item_number, last_item_number, item_count, page_count,
      assembly_id, arranged_by, arranged_at, checked_by, checked_at, hand_over_id, barcode, created_at)
    SELECT b.id, b.fonds_id, b.category, b.box_number, b.year, b.retention, b.org_code, b.first_item, b.last_item, b.items, b.items * 2,
      r.assembly_id, 'archivist', b.arranged_at, 'manager', b.arranged_at + interval '1 day', CASE WHEN b.later THEN NULL ELSE r.hand_over_id END,
      b.fonds_code || '-' || b.category || '-' || b.year || '-' || b.retention || '-' || b.org_code || '-B' || lpad(b.box_number::text, 3, '0'), b.arranged_at
    FROM box_plan b JOIN run_plan r ON r.fonds_id = b.fonds_id AND r.year = b.year`);
  await client.query(`INSERT INTO numbering_group (fonds_id, category, year, retention_period, org_code, last_item_number, last_box_number)
    SELECT fonds_id, category, year, retention, org_code, max(last_item), max(box_number) FROM box_plan GROUP BY fonds_id, category, year, retention, org_code
    ON CONFLICT (fonds_id, category, year, retention_period, org_code) DO UPDATE
      SET last_item_number = greatest(numbering_group.last_item_number, EXCLUDED.last_item_number), last_box_number = greatest(numbering_group.last_box_number, EXCLUDED.last_box_number)`);
  return rowCount ?? 0;
}

/** The archival code (档号) in SQL, segment by segment as domain/reference-code.ts writes it. */
function codeExpression(template: string): string {
  const column = {
    fonds: 'f.code',
    category: 's.category',
    year: 'b.year::text',
    retention: 'b.retention::text',
    org: 'f.org_code',
    item: 'b.item_number::text',
  };
  return parseTemplate(template)
    .map((s) => {
      if ('literal' in s) return `'${s.literal.replace(/'/g, "''")}'`;
      const value = column[s.field];
      // lpad cuts a longer value down; a number wider than its segment is written whole.
      return s.width ? `CASE WHEN length(${value}) >= ${s.width} THEN ${value} ELSE lpad(${value}, ${s.width}, '0') END` : value;
    })
    .join(' || ');
}

const PAGES = `INSERT INTO page (id, item_id, page_number, bucket, key, size, format, dpi, sha256, sm3, source, created_at, destroyed_at)
  SELECT gen_random_uuid(), p.id, n, $1,
    coalesce(c.archival_code, 'bench-archive/' || p.case_number) || '/' || lpad(n::text, 4, '0') || '.jpg',
    100000 + (p.u3 * 80000)::int + n, 'jpeg', p.min_dpi, encode(sha256((p.id::text || n)::bytea), 'hex'), md5(p.id::text || n) || md5(n || p.id::text),
    'bench-archive', p.t_cap, CASE WHEN p.outcome = 'destroyed' THEN p.t_end END
  FROM plan p LEFT JOIN numbered c ON c.id = p.id CROSS JOIN generate_series(1, 2) AS n
  WHERE p.outcome <> 'registered'`;

const DEFECTS = `INSERT INTO quality_defect (id, item_id, page_number, type, detail, detected_by, detected_at, resolved_at, resolution, resolved_by)
  SELECT gen_random_uuid(), p.id, 2, 'image_blurred', 'page 2 is out of focus', 'quality check', p.t_fail,
    CASE WHEN p.rescanned THEN p.t_recap END, CASE WHEN p.rescanned THEN 'rescanned' END, CASE WHEN p.rescanned THEN 'clerk' END
  FROM plan p WHERE p.rescanned AND p.outcome NOT IN ('registered', 'captured', 'verification_failed') OR p.outcome = 'verification_failed'`;

const HISTORY = `INSERT INTO lifecycle_event (item_id, from_state, to_state, actor, reason, transition_id, at)
  SELECT p.id, coalesce(p.path[s.n::int - 1], 'registered')::"LifecycleState", s.state::"LifecycleState",
    CASE s.state WHEN 'captured' THEN 'clerk' WHEN 'verification_failed' THEN 'quality check' WHEN 'verified' THEN 'archivist' WHEN 'assembled' THEN 'archivist'
      WHEN 'transferred' THEN 'manager' WHEN 'under_appraisal' THEN 'lantai' WHEN 'destroyed' THEN 'manager'
      ELSE CASE WHEN p.path[s.n::int - 1] = 'under_appraisal' THEN 'appraisal committee' ELSE 'manager' END END,
    CASE s.state WHEN 'verification_failed' THEN 'page 2 is out of focus' WHEN 'under_appraisal' THEN 'retention ran out by ' || (p.year + 11) || '-01-01'
      WHEN 'transferred' THEN 'transferred to the city archive' WHEN 'destroyed' THEN 'destruction list executed'
      ELSE CASE WHEN p.path[s.n::int - 1] = 'under_appraisal' THEN 'kept for a new period of 10 years' END END,
    'bench-archive/' || s.n || '/' || p.id, s.at
  FROM plan p CROSS JOIN LATERAL unnest(p.path, p.times) WITH ORDINALITY AS s (state, at, n)`;

const STATES = `UPDATE item i SET lifecycle_state = p.final_state, archival_code = c.archival_code, item_number = c.item_number,
    barcode = regexp_replace(c.archival_code, '[^\\x21-\\x7e]', '-', 'g'), box_id = c.box_id,
    transfer_id = CASE WHEN p.outcome = 'transferred' THEN r.transfer_id END,
    kept_until = CASE WHEN p.outcome = 'kept' THEN make_date(p.year + 21, 1, 1) END,
    capture_mode = CASE WHEN p.u4 < 0.7 THEN 'window'::"CaptureMode" ELSE 'batch'::"CaptureMode" END,
    created_at = p.t_reg, updated_at = p.t_last
  FROM plan p LEFT JOIN numbered c ON c.id = p.id LEFT JOIN run_plan r ON r.fonds_id = p.fonds_id AND r.year = p.year
  WHERE i.id = p.id`;

/** This year's open appraisal, the earlier years' decisions, destruction lists and tombstones. */
async function appraisalAndDestruction(client: pg.Client): Promise<number> {
  let rows = 0;
  const run = async (sql: string) => {
    rows += (await client.query(sql)).rowCount ?? 0;
  };
  await client.query("SET LOCAL session_replication_role = 'replica'");
  await client.query(`CREATE TEMP TABLE appraisal_plan AS
    SELECT fonds_id, year + 11 AS appraised_in, gen_random_uuid() AS batch_id, gen_random_uuid() AS list_id, bool_and(outcome = 'under_appraisal') AS open,
      min(t_out) AS opened_at, max(t_end) AS decided_at
    FROM plan WHERE outcome IN ('under_appraisal', 'destroyed', 'kept') GROUP BY fonds_id, year + 11`);
  await run(`INSERT INTO appraisal_batch (id, fonds_id, workflow_id, as_of, rule, members, status, opened_by, opened_at, decided_at)
    SELECT batch_id, fonds_id, 'bench-archive/appraisal/' || batch_id, make_date(appraised_in, 1, 1), 'majority', ARRAY['appraiser'],
      CASE WHEN open THEN 'open' ELSE 'decided' END::"AppraisalStatus", 'lantai', opened_at, CASE WHEN NOT open THEN decided_at END
    FROM appraisal_plan`);
  await run(`INSERT INTO appraisal_entry (batch_id, item_id, outcome, new_period, kept_until)
    SELECT a.batch_id, p.id, CASE p.outcome WHEN 'destroyed' THEN 'destroy' WHEN 'kept' THEN 'keep' END::"AppraisalDecisionKind",
      CASE WHEN p.outcome = 'kept' THEN 'D10'::"RetentionPeriod" END, CASE WHEN p.outcome = 'kept' THEN make_date(p.year + 21, 1, 1) END
    FROM plan p JOIN appraisal_plan a ON a.fonds_id = p.fonds_id AND a.appraised_in = p.year + 11`);
  await run(`INSERT INTO appraisal_decision (batch_id, item_id, member, decision, new_period, reason, at)
    SELECT a.batch_id, p.id, 'appraiser', CASE p.outcome WHEN 'destroyed' THEN 'destroy' ELSE 'keep' END::"AppraisalDecisionKind",
      CASE WHEN p.outcome = 'kept' THEN 'D10'::"RetentionPeriod" END,
      CASE WHEN p.outcome = 'destroyed' THEN '已过保管期限，无继续保存价值' ELSE '涉及待遇追溯，延长保管' END, p.t_end - interval '30 days'
    FROM plan p JOIN appraisal_plan a ON a.fonds_id = p.fonds_id AND a.appraised_in = p.year + 11 WHERE p.outcome IN ('destroyed', 'kept')`);
  await run(`INSERT INTO destruction_list (id, fonds_id, batch_id, workflow_id, status, proposed_by, method, place, created_at, executed_at)
    SELECT list_id, fonds_id, batch_id, 'bench-archive/destruction/' || list_id, 'executed', 'manager', '碎纸机粉碎', '档案室销毁间', decided_at - interval '20 days', decided_at
    FROM appraisal_plan WHERE NOT open`);
  await run(`INSERT INTO destruction_entry (list_id, item_id, status, attempts, destroyed_at)
    SELECT a.list_id, p.id, 'destroyed', 1, p.t_end FROM plan p JOIN appraisal_plan a ON a.fonds_id = p.fonds_id AND a.appraised_in = p.year + 11
    WHERE p.outcome = 'destroyed'`);
  await run(`INSERT INTO item_tombstone (item_id, list_id, archival_code, metadata, objects, destroyed_at)
    SELECT p.id, a.list_id, c.archival_code,
      jsonb_build_object('caseNumber', p.case_number, 'title', p.title, 'personName', p.person_name, 'year', p.year, 'retentionPeriod', p.retention),
      (SELECT jsonb_agg(jsonb_build_object('bucket', g.bucket, 'key', g.key, 'size', g.size, 'sha256', g.sha256) ORDER BY g.page_number) FROM page g WHERE g.item_id = p.id),
      p.t_end
    FROM plan p JOIN appraisal_plan a ON a.fonds_id = p.fonds_id AND a.appraised_in = p.year + 11 JOIN numbered c ON c.id = p.id
    WHERE p.outcome = 'destroyed'`);
  return rows;
}
