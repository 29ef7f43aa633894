import { LIFECYCLE_STATES, type LifecycleState } from '../domain/lifecycle';
import type { Db } from '../prisma/client';

export type StateCounts = Record<LifecycleState, number>;

export interface FondsCounts {
  id: string;
  code: string;
  name: string;
  byState: StateCounts;
}

/**
 * Every fonds with its items by lifecycle state, in fonds code order, from the counts the catalogue keeps as items
 * are registered and moved (migration 0006): one query over a few hundred rows, however many items the fonds hold.
 */
export async function countsOfEveryFonds(db: Db): Promise<FondsCounts[]> {
  const rows = await db.$queryRaw<{ id: string; code: string; name: string; state: LifecycleState | null; items: number | null }[]>`
    SELECT f.id::text, f.code, f.name, c.lifecycle_state::text AS state, sum(c.items)::float8 AS items
    FROM fonds f LEFT JOIN lifecycle_count c ON c.fonds_id = f.id
    GROUP BY f.id, f.code, f.name, c.lifecycle_state
    ORDER BY f.code`;
  const byFonds = new Map<string, FondsCounts>();
  for (const r of rows) {
    let fonds = byFonds.get(r.id);
    if (!fonds)
      byFonds.set(
        r.id,
        (fonds = { id: r.id, code: r.code, name: r.name, byState: Object.fromEntries(LIFECYCLE_STATES.map((s) => [s, 0])) as StateCounts }),
      );
    if (r.state) fonds.byState[r.state] = r.items ?? 0;
  }
  return [...byFonds.values()];
}
