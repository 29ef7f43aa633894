import { LIFECYCLE_STATES, type LifecycleState } from '../domain/lifecycle';
import type { Db } from '../prisma/client';

export type StateCounts = Record<LifecycleState, number>;

/**
 * Items by lifecycle state in each of the fonds, from the counts the catalogue keeps as items are registered and
 * moved (migration 0006): a few hundred rows to add up, however many items the fonds hold.
 */
export async function countsByFonds(db: Db, fondsIds: readonly string[]): Promise<Map<string, StateCounts>> {
  const sums = await db.lifecycleCount.groupBy({ by: ['fondsId', 'lifecycleState'], where: { fondsId: { in: [...fondsIds] } }, _sum: { items: true } });
  const counts = new Map(fondsIds.map((id) => [id, Object.fromEntries(LIFECYCLE_STATES.map((s) => [s, 0])) as StateCounts]));
  for (const s of sums) counts.get(s.fondsId)![s.lifecycleState] = Number(s._sum.items ?? 0);
  return counts;
}
