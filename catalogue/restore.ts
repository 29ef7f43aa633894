import type { Db } from '../prisma/client';

/** The catalogue's tables in this database and how many items and audit events it holds (a restore's target check). */
export async function catalogueContents(db: Db): Promise<{ tables: number; items: number; auditEvents: number }> {
  const [{ tables }] = await db.$queryRaw<[{ tables: number }]>`
    SELECT count(*)::int AS tables FROM information_schema.tables
    WHERE table_schema NOT IN ('pg_catalog', 'information_schema') AND table_schema NOT LIKE 'pg_toast%'`;
  if (tables === 0) return { tables, items: 0, auditEvents: 0 };
  const has = async (table: string) =>
    (await db.$queryRaw<[{ found: boolean }]>`SELECT to_regclass(${table}) IS NOT NULL AS found`)[0].found;
  // Counted exactly: a restore is refused over a catalogue that holds anything, and this runs once, offline.
  const items = (await has('item')) ? (await db.$queryRaw<[{ n: number }]>`SELECT count(*)::int AS n FROM item`)[0].n : 0;
  const auditEvents = (await has('audit_event'))
    ? (await db.$queryRaw<[{ n: number }]>`SELECT count(*)::int AS n FROM audit_event`)[0].n
    : 0;
  return { tables, items, auditEvents };
}

/** Drops every schema of the database but PostgreSQL's own, and gives back an empty `public`, for a forced restore. */
export async function emptyCatalogue(db: Db): Promise<void> {
  const schemas = await db.$queryRaw<{ name: string }[]>`
    SELECT nspname AS name FROM pg_namespace
    WHERE nspname NOT IN ('pg_catalog', 'information_schema') AND nspname NOT LIKE 'pg_toast%' AND nspname NOT LIKE 'pg_temp%'`;
  for (const { name } of schemas) await db.$executeRawUnsafe(`DROP SCHEMA "${name.replaceAll('"', '""')}" CASCADE`);
  await db.$executeRawUnsafe('CREATE SCHEMA IF NOT EXISTS public');
}

/** Points the pages at the version ids a store gave the objects it was restored into, when it did not keep theirs. */
export async function renamePageVersions(db: Db, bucket: string, renamed: { key: string; from: string; to: string }[]): Promise<number> {
  if (renamed.length === 0) return 0;
  return db.$executeRaw`
    UPDATE page SET version_id = r.to_version
    FROM unnest(${renamed.map((r) => r.key)}::text[], ${renamed.map((r) => r.from)}::text[], ${renamed.map((r) => r.to)}::text[])
      AS r(key, from_version, to_version)
    WHERE page.bucket = ${bucket} AND page.key = r.key AND page.version_id = r.from_version`;
}
