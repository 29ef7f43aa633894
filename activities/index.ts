import type { Logger } from 'pino';
import type { Db } from '../prisma/client';
import { createLifecycleActivities } from './lifecycle';

export interface ActivityDeps {
  db: Db;
  log: Logger;
}

/** Every activity Lantai's workers run, built once from their dependencies. */
export function createActivities(deps: ActivityDeps) {
  return {
    ...createLifecycleActivities(deps),
  };
}
