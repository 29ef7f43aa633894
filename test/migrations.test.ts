import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { loadConfig } from '../config';
import { createDb, Prisma } from '../prisma/client';
import { LIFECYCLE_MOVES } from '../domain/lifecycle';
import { migrate, readMigrations } from '../prisma/migrate';

const config = loadConfig(process.env);
const dbName = `lantai_migrations_${randomBytes(4).toString('hex')}`;
const adminUrl = withDatabase(config.postgres.ownerUrl, 'postgres');
const url = withDatabase(config.postgres.ownerUrl, dbName);

function withDatabase(databaseUrl: string, name: string): string {
  const u = new URL(databaseUrl);
  u.pathname = `/${name}`;
  return u.toString();
}

async function sql<T extends pg.QueryResultRow>(connection: string, text: string, values: unknown[] = []): Promise<T[]> {
  const c = new pg.Client({ connectionString: connection });
  await c.connect();
  try {
    return (await c.query<T>(text, values)).rows;
  } finally {
    await c.end();
  }
}

beforeAll(async () => {
  await sql(adminUrl, `CREATE DATABASE ${dbName}`);
});

afterAll(async () => {
  await sql(adminUrl, `DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
});

describe('catalogue migrations', () => {
  it('build the whole catalogue on an empty database', async () => {
    const { applied, skipped } = await migrate(url);
    expect(applied).toEqual(readMigrations().map((m) => m.name));
    expect(skipped).toEqual([]);
    const tables = (
      await sql<{ table_name: string }>(url, "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'")
    ).map((r) => r.table_name);
    expect(tables).toEqual(
      expect.arrayContaining(['fonds', 'item', 'page', 'box', 'legal_hold', 'audit_event', 'lifecycle_event', 'app_user']),
    );
  });

  it('apply nothing a second time', async () => {
    const { applied, skipped } = await migrate(url);
    expect(applied).toEqual([]);
    expect(skipped).toHaveLength(readMigrations().length);
  });

  it('match schema.prisma: every model reads through the Prisma client', async () => {
    const db = createDb(url, { poolSize: 1 });
    try {
      for (const model of Object.values(Prisma.ModelName)) {
        const delegate = (db as unknown as Record<string, { findFirst(): Promise<unknown> }>)[
          model.charAt(0).toLowerCase() + model.slice(1)
        ];
        // Only the allowed lifecycle moves and the installation's one row are written by the migrations themselves.
        if (model === Prisma.ModelName.LifecycleMove || model === Prisma.ModelName.Installation)
          await expect(delegate!.findFirst()).resolves.not.toBeNull();
        else await expect(delegate!.findFirst()).resolves.toBeNull();
      }
    } finally {
      await db.$disconnect();
    }
  });

  it('refuse a migration that was edited after it was applied', async () => {
    const [first, ...rest] = readMigrations();
    const edited = { ...first!, sql: `${first!.sql}\n-- edited`, checksum: '0'.repeat(64) };
    await expect(migrate(url, [edited, ...rest])).rejects.toThrow(/changed after it was applied/);
  });

  it('roll back a failing migration whole', async () => {
    const broken = { name: '9999_broken', sql: 'CREATE TABLE half_done (id int); SELECT no_such_function();', checksum: '1'.repeat(64) };
    await expect(migrate(url, [...readMigrations(), broken])).rejects.toThrow(/9999_broken failed and was rolled back/);
    const left = await sql(url, "SELECT 1 FROM information_schema.tables WHERE table_name = 'half_done'");
    expect(left).toHaveLength(0);
  });

  it('keep the audit trail append-only', async () => {
    await sql(url, "INSERT INTO audit_event (actor, action, outcome) VALUES ('test', 'probe', 'done')");
    await expect(sql(url, "UPDATE audit_event SET outcome = 'changed'")).rejects.toThrow(/append-only/);
    await expect(sql(url, 'DELETE FROM audit_event')).rejects.toThrow(/append-only/);
    await expect(sql(url, 'TRUNCATE audit_event')).rejects.toThrow(/append-only/);
    expect(await sql(url, "SELECT outcome FROM audit_event WHERE action = 'probe'")).toEqual([{ outcome: 'done' }]);
  });

  it('allow exactly the lifecycle moves of domain/lifecycle.ts', async () => {
    const allowed = await sql<{ from_state: string; to_state: string }>(
      url,
      'SELECT from_state, to_state FROM lifecycle_move ORDER BY 1, 2',
    );
    expect(allowed.map((m) => `${m.from_state}>${m.to_state}`).sort()).toEqual(LIFECYCLE_MOVES.map((m) => `${m.from}>${m.to}`).sort());
  });
});
