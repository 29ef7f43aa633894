import { faultError } from './faults';
import { listSaneDevices as list, SaneCommandError, type SaneDeviceListing } from './scanimage';

export { createSaneScanner, saneScannerSpecSchema, type SaneScannerSpec } from './scanner';
export type { SaneDeviceListing } from './scanimage';

export interface SaneListOptions {
  saneConfigDir?: string;
  scanimagePath?: string;
  timeoutMs?: number;
}

/** The devices SANE can see now (`scanimage -f`), for setting up a workstation. */
export async function listSaneDevices(options: SaneListOptions = {}): Promise<SaneDeviceListing[]> {
  const config = {
    scanimagePath: options.scanimagePath ?? 'scanimage',
    saneConfigDir: options.saneConfigDir,
    commandTimeoutMs: options.timeoutMs ?? 30_000,
  };
  try {
    return await list(config);
  } catch (err) {
    throw err instanceof SaneCommandError ? faultError('sane', err.fault, { pagesDelivered: 0, nextIndex: 1, attempts: 1 }) : err;
  }
}
