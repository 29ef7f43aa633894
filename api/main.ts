import { Client, Connection } from '@temporalio/client';
import { loadConfigOrExit } from '../config';
import { temporalApiConnectionOptions } from '../config/temporal';
import { createDb } from '../prisma/client';
import { sealedObjectStore } from '../store/sealed-store';
import { createApp, listenApi } from './app';
import { createLogger } from './logger';

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const log = createLogger(config.logLevel).child({ component: 'api' });
  const db = createDb(config.postgres.url);
  const connection = await Connection.connect(temporalApiConnectionOptions(config.temporal));
  const temporal = new Client({ connection, namespace: config.temporal.namespace });
  const store = sealedObjectStore(config, db);
  const server = await listenApi(createApp({ config, db, temporal, store, log }), config.api);
  log.info({ url: `${config.api.tls ? 'https' : 'http'}://${config.api.host}:${config.api.port}` }, 'API listening');
  const stop = () => {
    server.close(() => void Promise.all([db.$disconnect(), connection.close()]).then(() => process.exit(0)));
    server.closeAllConnections();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err: Error) => {
  console.error(`API failed: ${err.stack ?? err.message}`);
  process.exit(1);
});
