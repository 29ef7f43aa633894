export interface Latency {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

/** Runs `probe` `count` times one after the other (after a few unmeasured warm-up calls) and returns its latencies in ms. */
export async function measure(count: number, probe: (i: number) => Promise<unknown>, warmUp = 10): Promise<Latency> {
  for (let i = 0; i < warmUp; i++) await probe(i);
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    const t = performance.now();
    await probe(i);
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  const at = (q: number) => times[Math.min(times.length - 1, Math.ceil(q * times.length) - 1)]!;
  return { count, p50: at(0.5), p95: at(0.95), p99: at(0.99), max: times[times.length - 1]! };
}

export function describe(l: Latency): string {
  const ms = (v: number) => (v < 10 ? v.toFixed(2) : v.toFixed(1));
  return `p50 ${ms(l.p50)} ms, p95 ${ms(l.p95)} ms, p99 ${ms(l.p99)} ms, max ${ms(l.max)} ms (${l.count} calls)`;
}
