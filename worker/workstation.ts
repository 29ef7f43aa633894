import { NativeConnection, Runtime, makeTelemetryFilterString } from '@temporalio/worker';
import { loadConfigOrExit } from '../config';
import { temporalConnectionOptions } from '../config/temporal';
import { createLogger } from '../api/logger';
import { createWorkstationWorker } from './worker';

/**
 * A scanning workstation's own worker: it drives the local scanners and needs only Temporal and the S3 store,
 * never the catalogue. Run it on the workstation with LANTAI_WORKSTATION=<name>.
 */
async function main(): Promise<void> {
  const config = loadConfigOrExit();
  if (!config.devices.workstation) {
    process.stderr.write('LANTAI_WORKSTATION: must name this workstation (letters, digits, - or _)\n');
    process.exit(78);
  }
  const log = createLogger(config.logLevel).child({ component: 'workstation', workstation: config.devices.workstation });
  Runtime.install({ telemetryOptions: { logging: { filter: makeTelemetryFilterString({ core: 'WARN' }) } } });
  const connection = await NativeConnection.connect(temporalConnectionOptions(config.temporal));
  const worker = await createWorkstationWorker(config, connection, config.devices.workstation, log);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => worker.shutdown());
  log.info({ taskQueue: worker.options.taskQueue }, 'workstation polling');
  await worker.run();
  await connection.close();
}

main().catch((err: Error) => {
  console.error(`workstation worker failed: ${err.stack ?? err.message}`);
  process.exit(1);
});
