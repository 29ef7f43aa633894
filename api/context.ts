import type { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import type { Config } from '../config';
import type { Db } from '../prisma/client';
import type { ObjectStore } from '../store/object-store';

/** What the API's use cases need, built once in api/main.ts (or by a test). */
export interface ApiContext {
  config: Config;
  db: Db;
  temporal: Client;
  store: ObjectStore;
  log: Logger;
}
