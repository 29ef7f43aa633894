import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { LIFECYCLE_MOVES } from '../domain/lifecycle';

const MIGRATIONS_DIR = path.join(__dirname, 'migrations');
// Any constant shared by every Lantai process: two starts at once apply migrations one after the other.
const LOCK_KEY = 0x1a47a1;

export interface Migration {
  name: string;
  sql: string;
  checksum: string;
}

export function readMigrations(dir = MIGRATIONS_DIR): Migration[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && fs.existsSync(path.join(dir, d.name, 'migration.sql')))
    .map((d) => d.name)
    .sort()
    .map((name) => {
      const sql = fs.readFileSync(path.join(dir, name, 'migration.sql'), 'utf8');
      return { name, sql, checksum: createHash('sha256').update(sql).digest('hex') };
    });
}

/**
 * Applies the migrations not yet applied, each in its own transaction, in name order.
 * A migration already applied whose file has since changed stops everything: history is not rewritten.
 */
export async function migrate(
  databaseUrl: string,
  migrations = readMigrations(),
  { appUrl }: { appUrl?: string } = {},
): Promise<{ applied: string[]; skipped: string[] }> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [LOCK_KEY]);
    await client.query(`CREATE TABLE IF NOT EXISTS lantai_migration (
      name text PRIMARY KEY, checksum char(64) NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
    const { rows } = await client.query<{ name: string; checksum: string }>('SELECT name, checksum FROM lantai_migration');
    const done = new Map(rows.map((r) => [r.name, r.checksum]));
    const applied: string[] = [];
    const skipped: string[] = [];
    for (const m of migrations) {
      const recorded = done.get(m.name);
      if (recorded === m.checksum) {
        skipped.push(m.name);
        continue;
      }
      if (recorded) throw new Error(`migration ${m.name} was changed after it was applied; add a new migration instead`);
      await client.query('BEGIN');
      try {
        await client.query(m.sql);
        await client.query('INSERT INTO lantai_migration (name, checksum) VALUES ($1, $2)', [m.name, m.checksum]);
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK');
        throw new Error(`migration ${m.name} failed and was rolled back: ${(err as Error).message}`);
      }
      applied.push(m.name);
    }
    if (done.has(LIFECYCLE_MOVES_MIGRATION) || applied.includes(LIFECYCLE_MOVES_MIGRATION)) await writeLifecycleMoves(client);
    if (appUrl) await grantApplicationRole(client, appUrl);
    return { applied, skipped };
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [LOCK_KEY]).catch(() => undefined);
    await client.end();
  }
}

const LIFECYCLE_MOVES_MIGRATION = '0005_lifecycle_in_catalogue';

/** Tables that are only ever appended to: the application role may read and insert, never change or remove. */
export const APPEND_ONLY_TABLES = [
  'audit_event',
  'lifecycle_event',
  'chain_link',
  'chain_checkpoint',
  'item_tombstone',
  'appraisal_decision',
];

/**
 * Least privilege: the API and the worker connect as a role that owns nothing. It reads and writes the catalogue's
 * rows, but cannot change the schema, turn a trigger off (only a table's owner or a superuser can), truncate, or
 * update or delete a row of the audit trail, the lifecycle history or the chain. The role is created with the
 * password of its URL when missing (the migrating role needs CREATEROLE for that; else create it beforehand), and
 * given exactly these rights on every run, so a table a new migration adds is covered too.
 */
async function grantApplicationRole(client: pg.Client, appUrl: string): Promise<void> {
  const app = new URL(appUrl);
  const role = decodeURIComponent(app.username);
  const { rows } = await client.query<{ me: string; exists: boolean }>(
    'SELECT current_user AS me, EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1) AS exists',
    [role],
  );
  if (!role || rows[0]!.me === role) return;
  const ident = (name: string) => `"${name.replace(/"/g, '""')}"`;
  if (!rows[0]!.exists) {
    const password = decodeURIComponent(app.password);
    await client.query(
      `CREATE ROLE ${ident(role)} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION PASSWORD ${client.escapeLiteral(password)}`,
    );
  }
  const { rows: db } = await client.query<{ name: string }>('SELECT current_database() AS name');
  const statements = [
    `GRANT CONNECT ON DATABASE ${ident(db[0]!.name)} TO ${ident(role)}`,
    `GRANT USAGE ON SCHEMA public TO ${ident(role)}`,
    `GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ${ident(role)}`,
    `GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO ${ident(role)}`,
    `REVOKE UPDATE, DELETE, TRUNCATE ON ${APPEND_ONLY_TABLES.map(ident).join(', ')} FROM ${ident(role)}`,
    `REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON lantai_migration, lifecycle_move FROM ${ident(role)}`,
  ];
  for (const sql of statements) await client.query(sql);
}

/** The moves the catalogue allows are domain/lifecycle.ts's, written afresh on every run so the two never differ. */
async function writeLifecycleMoves(client: pg.Client): Promise<void> {
  await client.query('BEGIN');
  try {
    await client.query('DELETE FROM lifecycle_move');
    await client.query(
      'INSERT INTO lifecycle_move (from_state, to_state) SELECT * FROM unnest($1::"LifecycleState"[], $2::"LifecycleState"[])',
      [LIFECYCLE_MOVES.map((m) => m.from), LIFECYCLE_MOVES.map((m) => m.to)],
    );
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK');
    throw err;
  }
}

if (require.main === module) {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { loadConfigOrExit } = require('../config') as typeof import('../config');
  const config = loadConfigOrExit();
  migrate(config.postgres.ownerUrl, undefined, { appUrl: config.postgres.url }).then(
    ({ applied, skipped }) =>
      console.log(
        `migrations: ${applied.length} applied${applied.length ? ` (${applied.join(', ')})` : ''}, ${skipped.length} already in place`,
      ),
    (err: Error) => {
      console.error(err.message);
      process.exit(1);
    },
  );
}
