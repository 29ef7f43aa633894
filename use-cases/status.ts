import { countsOfEveryFonds } from '../catalogue/lifecycle-counts';
import { catalogueAnswers } from '../catalogue/connection';
import { defineAbilityFor, fondsStatusSubject, type Actor } from '../api/access';
import { deny } from '../api/authorise';
import type { ApiContext } from '../api/context';

/** Counts of items by lifecycle state for each fonds the actor may see (or the one asked for). */
export async function lifecycleCounts(ctx: ApiContext, actor: Actor, fondsCode: string | undefined, requestId: string) {
  const ability = defineAbilityFor(actor);
  const all = await countsOfEveryFonds(ctx.db);
  const visible = all.filter((f) => ability.can('read', fondsStatusSubject(f.id)));
  let wanted = visible;
  if (fondsCode) {
    if (!all.some((f) => f.code === fondsCode)) return [];
    wanted = visible.filter((f) => f.code === fondsCode);
    if (!wanted.length) await deny(ctx, actor, 'read', `fonds:${fondsCode}`, `fonds ${fondsCode} is not among your fonds`, requestId);
  }
  return wanted.map(({ code, name, byState }) => ({
    fonds: code,
    name,
    total: Object.values(byState).reduce((a, b) => a + b, 0),
    byState,
  }));
}

type Check = { ok: true; latencyMs: number } | { ok: false; latencyMs: number; error: string };

async function timed(probe: () => Promise<unknown>): Promise<Check> {
  const start = performance.now();
  try {
    await Promise.race([probe(), new Promise((_, reject) => setTimeout(() => reject(new Error('no answer within 3 s')), 3000))]);
    return { ok: true, latencyMs: Math.round(performance.now() - start) };
  } catch (err) {
    return { ok: false, latencyMs: Math.round(performance.now() - start), error: (err as Error).message };
  }
}

/** Each dependency checked on its own, so a failing one is named. */
export async function health(ctx: ApiContext) {
  const [postgres, temporal, objectStore] = await Promise.all([
    timed(() => catalogueAnswers(ctx.db)),
    timed(() => ctx.temporal.workflowService.describeNamespace({ namespace: ctx.config.temporal.namespace })),
    timed(() => ctx.store.ping()),
  ]);
  const checks = { postgres, temporal, objectStore };
  return { status: Object.values(checks).every((c) => c.ok) ? ('ok' as const) : ('degraded' as const), checks };
}
