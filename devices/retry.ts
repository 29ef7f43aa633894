import { z } from 'zod';

export const retryPolicySchema = z.object({
  /** Runs in all, the first included; 1 means never retry. */
  attempts: z.number().int().min(1).max(20).default(3),
  initialDelayMs: z.number().int().min(0).default(1000),
  maxDelayMs: z.number().int().min(0).default(10_000),
});

export type RetryPolicy = z.infer<typeof retryPolicySchema>;

/** Delay before the given retry (1 for the first): doubling from the initial delay, capped. */
export function retryDelay(policy: RetryPolicy, retry: number): number {
  return Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** (retry - 1));
}

/** Resolves after `ms`, or false at once if the signal aborts first. */
export function pause(ms: number, signal?: AbortSignal): Promise<boolean> {
  if (signal?.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
