import { z } from 'zod';
import { parseSpec } from './spec';
import { createSaneScanner, saneScannerSpecSchema } from './sane';
import { createSerialBarcodeReader, serialReaderSpecSchema } from './serial-barcode';
import type { BarcodeReader, PageSource } from './types';

export type * from './types';
export * from './errors';
export { listSaneDevices, type SaneDeviceListing } from './sane';
export { parseWedgeInput, type WedgeOptions } from './keyboard-wedge';

// A new kind of device is one driver file plus one entry in each pair below.
const pageSourceSpecSchema = z.discriminatedUnion('kind', [saneScannerSpecSchema]);
const barcodeReaderSpecSchema = z.discriminatedUnion('kind', [serialReaderSpecSchema]);

export type PageSourceSpec = z.input<typeof pageSourceSpecSchema>;
export type BarcodeReaderSpec = z.input<typeof barcodeReaderSpecSchema>;

const pageSources: { [K in PageSourceSpec['kind']]: (spec: Extract<PageSourceSpec, { kind: K }>) => PageSource } = {
  sane: createSaneScanner,
};

const barcodeReaders: { [K in BarcodeReaderSpec['kind']]: (spec: Extract<BarcodeReaderSpec, { kind: K }>) => BarcodeReader } = {
  serial: createSerialBarcodeReader,
};

/** Builds a page source from configuration, e.g. `{ kind: 'sane', device: 'fujitsu:fi-7160:1234' }`; rejects bad configuration by field. */
export function createPageSource(spec: PageSourceSpec): PageSource {
  const checked = parseSpec(pageSourceSpecSchema, spec);
  return pageSources[checked.kind](checked);
}

/** Builds a barcode reader from configuration, e.g. `{ kind: 'serial', path: '/dev/ttyUSB0', baudRate: 9600, suffix: '\r' }`. */
export function createBarcodeReader(spec: BarcodeReaderSpec): BarcodeReader {
  const checked = parseSpec(barcodeReaderSpecSchema, spec);
  return barcodeReaders[checked.kind](checked);
}
