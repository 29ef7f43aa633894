import {
  CoverOpenError,
  DeviceBusyError,
  DeviceIoError,
  DeviceNotFoundError,
  FeederEmptyError,
  PaperJamError,
  ScanFailedError,
  type BatchProgress,
  type DeviceError,
} from '../errors';

export type SaneStatus =
  'jammed' | 'no-docs' | 'cover-open' | 'io-error' | 'device-busy' | 'access-denied' | 'no-mem' | 'invalid' | 'unsupported' | 'cancelled';

// sane_strstatus() wording, which scanimage prints after the call that failed. The child runs under LC_ALL=C,
// otherwise these would arrive translated.
const STATUS_TEXT: [SaneStatus, string][] = [
  ['jammed', 'Document feeder jammed'],
  ['no-docs', 'Document feeder out of documents'],
  ['cover-open', 'Scanner cover is open'],
  ['io-error', 'Error during device I/O'],
  ['device-busy', 'Device busy'],
  ['access-denied', 'Access to resource has been denied'],
  ['no-mem', 'Out of memory'],
  ['invalid', 'Invalid argument'],
  ['unsupported', 'Operation not supported'],
  ['cancelled', 'Operation was cancelled'],
];

export interface SaneFault {
  status: SaneStatus | undefined;
  /** scanimage's own line, for the log and for faults Lantai has no name for. */
  detail: string;
  atOpen: boolean;
}

/** The fault scanimage reported on stderr, if any; warnings such as rounded values are not faults. */
export function findFault(stderr: string, exitCode: number | null): SaneFault | undefined {
  const lines = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  for (const line of lines) {
    const status = STATUS_TEXT.find(([, text]) => line.includes(text))?.[0];
    if (status) return { status, detail: line.replace(/^scanimage: /, ''), atOpen: /open of device/.test(line) };
  }
  if (exitCode === 0) return undefined;
  const last = lines.filter((l) => l.startsWith('scanimage:')).at(-1) ?? lines.at(-1) ?? `scanimage exited with code ${exitCode}`;
  return { status: undefined, detail: last.replace(/^scanimage: /, ''), atOpen: false };
}

export function faultError(deviceId: string, fault: SaneFault, progress: BatchProgress): DeviceError {
  switch (fault.status) {
    case 'jammed':
      return new PaperJamError(deviceId, progress);
    case 'cover-open':
      return new CoverOpenError(deviceId, progress);
    case 'no-docs':
      return new FeederEmptyError(deviceId, progress);
    case 'io-error':
      return new DeviceIoError(deviceId, progress);
    case 'device-busy':
      return new DeviceBusyError(deviceId, progress);
    case 'invalid':
      if (fault.atOpen) {
        return new DeviceNotFoundError(
          deviceId,
          `No scanner ${deviceId} could be opened: check that it is connected and switched on (${fault.detail})`,
        );
      }
      return new ScanFailedError(deviceId, fault.detail, progress);
    default:
      return new ScanFailedError(deviceId, fault.detail, progress);
  }
}
