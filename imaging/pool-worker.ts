import { parentPort } from 'node:worker_threads';
import { analysePage, decodeBarcodes, preparePage } from './index';

/** One imaging thread of the pool: runs the call it is sent and posts back the result or the error's name and message. */
const operations = { analysePage, preparePage, decodeBarcodes } as Record<string, (image: Buffer, options?: unknown) => Promise<unknown>>;

parentPort!.on('message', ({ id, operation, image, options }: { id: number; operation: string; image: Uint8Array; options?: unknown }) => {
  operations[operation]!(Buffer.from(image.buffer, image.byteOffset, image.byteLength), options).then(
    (result) => parentPort!.postMessage({ id, result }),
    (err: Error) => parentPort!.postMessage({ id, error: { name: err.name, message: err.message } }),
  );
});
