import type { z } from 'zod';
import { DeviceConfigError } from './errors';

/** Device configuration is checked once, when the device is created, and every bad field is named. */
export function parseSpec<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const raw = input as { id?: unknown; device?: unknown; path?: unknown; kind?: unknown } | undefined;
  const name = [raw?.id, raw?.device, raw?.path, raw?.kind].find((v): v is string => typeof v === 'string') ?? 'device';
  throw new DeviceConfigError(
    name,
    parsed.error.issues.map((i) => `${i.path.join('.') || '(spec)'}: ${i.message}`),
  );
}
