import type { BarcodeReader, ReaderStatus } from './types';

export interface ShelfScanReading {
  /** Stop after this many barcodes. */
  count: number;
  /** Stop when no barcode has come for this long, delivering what was read. */
  idleMs: number;
  /** Barcodes handed on together; a batch goes as soon as it is full, the rest when reading stops. */
  batchSize?: number;
  onStatus?: (status: ReaderStatus) => void;
}

/**
 * A workstation's side of a shelf scan (架位扫描): reads barcodes from a reader as the archivist walks the shelves
 * and hands them on in the order read, batch after batch (to `POST /shelf-scans/{id}/readings`). One batch is
 * handed on at a time, so the session keeps the reading order. Resolves with the count delivered.
 */
export async function readShelfBarcodes(
  reader: BarcodeReader,
  { count, idleMs, batchSize = 20, onStatus }: ShelfScanReading,
  deliver: (barcodes: string[]) => Promise<void>,
): Promise<number> {
  const pending: string[] = [];
  let read = 0;
  let delivered = 0;
  let wake: (() => void) | undefined;
  let lastScanAt = Date.now();
  await reader.start((scan) => {
    if (read >= count) return;
    read += 1;
    lastScanAt = Date.now();
    pending.push(scan.text);
    wake?.();
  }, onStatus);
  try {
    for (;;) {
      const done = read >= count || Date.now() - lastScanAt >= idleMs;
      if (pending.length >= batchSize || (done && pending.length > 0)) {
        const batch = pending.splice(0, batchSize);
        await deliver(batch);
        delivered += batch.length;
        continue;
      }
      if (done) return delivered;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(1, idleMs - (Date.now() - lastScanAt)));
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wake = undefined;
    }
  } finally {
    await reader.stop();
  }
}
