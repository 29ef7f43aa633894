import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import type { Logger } from 'pino';
import type { Config } from '../config';
import { temporalConnectionOptions } from '../config/temporal';
import { createActivities } from '../activities';
import { createDeviceActivities } from '../activities/devices';
import { createPageSource, type PageSource } from '../devices';
import { recordSigningKey } from '../catalogue/signing-keys';
import type { Db } from '../prisma/client';
import { createImagingPool } from '../imaging';
import { sealedObjectStore } from '../store/sealed-store';
import { loadOrCreateSigner, SIGNATURE_ALGORITHM } from '../store/signing';
import { WORKFLOW_BUNDLE_PATH } from './build-bundle';

// On shutdown, running activities get 5 s to finish before they are cancelled (each is safe to run again);
// after 30 s the worker stops regardless, so a stuck device or store cannot hold a restart forever.
const SHUTDOWN = { shutdownGraceTime: '5 seconds', shutdownForceTime: '30 seconds' } as const;

export interface LantaiWorker {
  workers: Worker[];
  /** The worker's own client of the Temporal frontend. */
  temporal: Client;
  run(): Promise<void>;
  shutdown(): Promise<void>;
}

export interface WorkerOptions {
  taskQueue?: string;
  bundlePath?: string;
  /** Also serve this scanning workstation's device queue (`workstation-<name>`) from this process. */
  workstation?: string;
  /** The workstation's page sources by device name; SANE scanners unless given. */
  pageSourceFor?: (device: string) => PageSource;
}

/**
 * The main worker: the prebuilt workflow bundle and the activities built from their dependencies;
 * with a workstation name, also that workstation's device activities.
 */
export async function createWorker(
  config: Config,
  { db, log }: { db: Db; log: Logger },
  options: WorkerOptions = {},
): Promise<LantaiWorker> {
  const {
    taskQueue = config.temporal.taskQueue,
    bundlePath = WORKFLOW_BUNDLE_PATH,
    workstation = config.devices.workstation,
    pageSourceFor,
  } = options;
  const connection = await NativeConnection.connect(temporalConnectionOptions(config.temporal));
  const clientConnection = await Connection.connect(temporalConnectionOptions(config.temporal));
  const temporal = new Client({ connection: clientConnection, namespace: config.temporal.namespace });
  const store = sealedObjectStore(config, db);
  const signer = loadOrCreateSigner(config.signingKeyPath);
  const imaging = createImagingPool();
  await recordSigningKey(db, { id: signer.keyId, algorithm: SIGNATURE_ALGORITHM, publicKeyPem: signer.publicKeyPem });

  const workers = [
    await Worker.create({
      connection,
      namespace: config.temporal.namespace,
      taskQueue,
      workflowBundle: { codePath: bundlePath },
      activities: createActivities({ db, log, store, signer, temporal, config, imaging }),
      ...SHUTDOWN,
    }),
  ];
  if (workstation) workers.push(await createWorkstationWorker(config, connection, workstation, log, pageSourceFor));
  let running: Promise<void> | undefined;
  return {
    workers,
    temporal,
    run() {
      running ??= Promise.all(workers.map((w) => w.run()))
        .catch((err: Error) => {
          if (err.name !== 'GracefulShutdownPeriodExpiredError') throw err;
          log.warn('worker stopped before its activities finished; they will run again elsewhere');
        })
        .then(async () => {
          await imaging.close();
          await connection.close();
          await clientConnection.close();
        });
      return running;
    },
    async shutdown() {
      for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
      await running;
    },
  };
}

/** A worker for one scanning workstation's devices: it can run on the workstation itself, with only S3 access. */
export async function createWorkstationWorker(
  config: Config,
  connection: NativeConnection,
  workstation: string,
  log: Logger,
  pageSourceFor = (device: string) => createPageSource({ kind: 'sane', device, saneConfigDir: config.devices.saneConfigDir }),
): Promise<Worker> {
  const store = sealedObjectStore(config);
  return Worker.create({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: `workstation-${workstation}`,
    ...SHUTDOWN,
    activities: createDeviceActivities({
      store,
      config,
      log: log.child({ workstation }),
      pageSourceFor,
    }),
  });
}
