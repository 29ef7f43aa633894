import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { PageAnalysis, PageThresholds } from './analyse-page';
import type { DecodedBarcode } from './barcodes';
import { UnreadableImageError } from './errors';
import type { PreparedPage, PrepareOptions } from './prepare-page';

/** The page operations of `imaging/`, run on a pool of threads so a worker uses every core for pixel work. */
export interface ImagingPool {
  analysePage(image: Buffer, thresholds?: Partial<PageThresholds>): Promise<PageAnalysis>;
  preparePage(image: Buffer, options: PrepareOptions): Promise<PreparedPage>;
  decodeBarcodes(image: Buffer): Promise<DecodedBarcode[]>;
  close(): Promise<void>;
}

interface Job {
  id: number;
  operation: 'analysePage' | 'preparePage' | 'decodeBarcodes';
  image: Buffer;
  options?: unknown;
  resolve(value: unknown): void;
  reject(err: Error): void;
}

type Reply = { id: number; result?: unknown; error?: { name: string; message: string } };

// Threads load the TypeScript sources through tsx's require hook, whether the host runs under tsx, jest or plain node.
const BOOT = `require(require('node:worker_threads').workerData.tsx); require(require('node:worker_threads').workerData.entry);`;

// Measured on 2 cores: analysing and preparing a page is mostly JavaScript pixel loops (about 400 ms an A4 page
// at 200 dpi); on the event loop they use one core, on threads all of them.
export function createImagingPool(size = Math.max(1, os.availableParallelism())): ImagingPool {
  const queue: Job[] = [];
  const idle: Worker[] = [];
  const busy = new Map<Worker, Job>();
  let nextId = 1;
  let closed = false;

  const spawn = () => {
    const worker = new Worker(BOOT, {
      eval: true,
      workerData: { tsx: require.resolve('tsx/cjs'), entry: path.join(__dirname, 'pool-worker.ts') },
    });
    worker.unref();
    worker.on('message', (reply: Reply) => {
      const job = busy.get(worker);
      busy.delete(worker);
      if (job) settle(job, reply);
      idle.push(worker);
      pump();
    });
    worker.on('error', (err) => {
      const job = busy.get(worker);
      busy.delete(worker);
      job?.reject(err);
      if (!closed) spawn();
      pump();
    });
    idle.push(worker);
  };

  const pump = () => {
    while (idle.length && queue.length) {
      const worker = idle.pop()!;
      const job = queue.shift()!;
      busy.set(worker, job);
      worker.postMessage({ id: job.id, operation: job.operation, image: job.image, options: job.options });
    }
  };

  const run = <T>(operation: Job['operation'], image: Buffer, options?: unknown) =>
    new Promise<T>((resolve, reject) => {
      if (closed) return reject(new Error('the imaging pool is closed'));
      queue.push({ id: nextId++, operation, image, options, resolve: resolve, reject });
      pump();
    });

  for (let i = 0; i < size; i++) spawn();
  return {
    analysePage: (image, thresholds) => run<PageAnalysis>('analysePage', image, thresholds),
    preparePage: async (image, options) => {
      const prepared = await run<PreparedPage>('preparePage', image, options);
      return { ...prepared, image: Buffer.from(prepared.image.buffer, prepared.image.byteOffset, prepared.image.byteLength) };
    },
    decodeBarcodes: (image) => run<DecodedBarcode[]>('decodeBarcodes', image),
    async close() {
      closed = true;
      for (const job of queue.splice(0)) job.reject(new Error('the imaging pool was closed'));
      await Promise.all([...idle, ...busy.keys()].map((w) => w.terminate()));
    },
  };
}

function settle(job: Job, reply: Reply): void {
  if (!reply.error) return job.resolve(reply.result);
  const err =
    reply.error.name === 'UnreadableImageError'
      ? new UnreadableImageError(reply.error.message)
      : Object.assign(new Error(reply.error.message), { name: reply.error.name });
  job.reject(err);
}
