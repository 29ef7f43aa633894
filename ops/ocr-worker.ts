import path from 'node:path';
import type { Config } from '../config';

/**
 * How an OCR worker (ocr/worker.py) is started for this configuration: Python with the packages ops/install.sh put in
 * the tools folder, told the Temporal and the task queue the rest of Lantai uses, and to trust the API's own
 * certificate when it has one (the page links point at the API). `./lantai start`, the tests and the benchmarks all
 * start it this way.
 */
export function ocrWorkerProcess(config: Config, threads = config.ocr.threads) {
  return {
    command: 'python3',
    args: [path.resolve(__dirname, '..', 'ocr', 'worker.py')],
    env: {
      ...process.env,
      PYTHONPATH: path.join(config.toolsDir, 'ocr'),
      PYTHONUNBUFFERED: '1',
      TEMPORAL_ADDRESS: config.temporal.address,
      TEMPORAL_NAMESPACE: config.temporal.namespace,
      LANTAI_OCR_TASK_QUEUE: config.ocr.taskQueue,
      LANTAI_OCR_THREADS: String(threads),
      ...(config.api.tls && !process.env.LANTAI_API_CA && { LANTAI_API_CA: config.api.tls.certPath }),
    },
  };
}
