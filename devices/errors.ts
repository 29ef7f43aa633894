/**
 * Errors are told apart by `name`, not `instanceof`: Temporal's nonRetryableErrorTypes and jest's module copies
 * both see only the name. `retryable` means running the same request again may succeed without anyone acting;
 * `needsOperator` means a person must do something at the device first.
 */
export class DeviceError extends Error {
  override name = 'DeviceError';
  readonly retryable: boolean = false;
  readonly needsOperator: boolean = false;
  constructor(
    readonly deviceId: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export class DeviceNotFoundError extends DeviceError {
  override name = 'DeviceNotFoundError';
}

/** The program or library that talks to the device is missing or cannot run: an installation fault. */
export class DriverUnavailableError extends DeviceError {
  override name = 'DriverUnavailableError';
}

export class UnsupportedScanRequestError extends DeviceError {
  override name = 'UnsupportedScanRequestError';
  constructor(
    deviceId: string,
    readonly option: string,
    readonly requested: unknown,
    readonly offered: string,
  ) {
    super(deviceId, `${deviceId} cannot scan with ${option} ${JSON.stringify(requested)}: it offers ${offered}`);
  }
}

export interface BatchProgress {
  /** Pages handed to `onPage` in this call, before the fault. */
  pagesDelivered: number;
  /** `startIndex` for the batch that resumes after the fault. */
  nextIndex: number;
  /** How many times the driver ran the scan, retries included. */
  attempts: number;
}

/**
 * A batch stopped. Every page before `nextIndex` was delivered, in this call or earlier ones; nothing from `nextIndex`
 * on was. In duplex, `nextIndex` goes back to the front of a sheet whose back was not delivered.
 */
export class ScanFaultError extends DeviceError {
  override name = 'ScanFaultError';
  readonly pagesDelivered: number;
  readonly nextIndex: number;
  readonly attempts: number;
  constructor(deviceId: string, message: string, progress: BatchProgress, options?: { cause?: unknown }) {
    super(deviceId, message, options);
    this.pagesDelivered = progress.pagesDelivered;
    this.nextIndex = progress.nextIndex;
    this.attempts = progress.attempts;
  }
}

function resumeHint(p: BatchProgress): string {
  return `Every page before page ${p.nextIndex} is kept; resume from page ${p.nextIndex}, putting back any sheet from there on that already went through`;
}

export class PaperJamError extends ScanFaultError {
  override name = 'PaperJamError';
  override readonly needsOperator = true;
  constructor(deviceId: string, progress: BatchProgress) {
    super(deviceId, `Paper jam in the document feeder of ${deviceId}: clear it. ${resumeHint(progress)}.`, progress);
  }
}

export class CoverOpenError extends ScanFaultError {
  override name = 'CoverOpenError';
  override readonly needsOperator = true;
  constructor(deviceId: string, progress: BatchProgress) {
    super(deviceId, `The cover of ${deviceId} is open: close it. ${resumeHint(progress)}.`, progress);
  }
}

/** Out of documents before the first page; after a page it is simply the end of the batch. */
export class FeederEmptyError extends ScanFaultError {
  override name = 'FeederEmptyError';
  override readonly needsOperator = true;
  constructor(deviceId: string, progress: BatchProgress) {
    super(deviceId, `The document feeder of ${deviceId} is empty: load the pages to scan from page ${progress.nextIndex}.`, progress);
  }
}

export class DeviceBusyError extends ScanFaultError {
  override name = 'DeviceBusyError';
  override readonly retryable = true;
  constructor(deviceId: string, progress: BatchProgress) {
    super(
      deviceId,
      `${deviceId} is busy (another program may be using it); still busy after ${progress.attempts} attempt(s). ${resumeHint(progress)}.`,
      progress,
    );
  }
}

export class DeviceIoError extends ScanFaultError {
  override name = 'DeviceIoError';
  override readonly retryable = true;
  constructor(deviceId: string, progress: BatchProgress) {
    super(
      deviceId,
      `${deviceId} reported an I/O error (check its cable and power); still failing after ${progress.attempts} attempt(s). ${resumeHint(progress)}.`,
      progress,
    );
  }
}

/** No page arrived within the page timeout: the device hangs or waits for something the operator must do. */
export class ScanStalledError extends ScanFaultError {
  override name = 'ScanStalledError';
  override readonly needsOperator = true;
  constructor(deviceId: string, timeoutMs: number, progress: BatchProgress) {
    super(
      deviceId,
      `${deviceId} produced no page for ${Math.round(timeoutMs / 1000)} s and was stopped. ${resumeHint(progress)}.`,
      progress,
    );
  }
}

export class ScanCancelledError extends ScanFaultError {
  override name = 'ScanCancelledError';
  constructor(deviceId: string, progress: BatchProgress) {
    super(deviceId, `Scanning on ${deviceId} was cancelled. ${resumeHint(progress)}.`, progress);
  }
}

/** Any other failure the device or its driver reported; `detail` is the driver's own words. */
export class ScanFailedError extends ScanFaultError {
  override name = 'ScanFailedError';
  constructor(
    deviceId: string,
    readonly detail: string,
    progress: BatchProgress,
  ) {
    super(deviceId, `${deviceId} failed: ${detail}. ${resumeHint(progress)}.`, progress);
  }
}

export class BarcodeInputError extends DeviceError {
  override name = 'BarcodeInputError';
}

export class ReaderUnavailableError extends DeviceError {
  override name = 'ReaderUnavailableError';
  override readonly retryable = true;
}

export class DeviceConfigError extends DeviceError {
  override name = 'DeviceConfigError';
  constructor(
    deviceId: string,
    readonly problems: string[],
  ) {
    super(deviceId, `Device ${deviceId} is configured wrongly:\n${problems.map((p) => `  ${p}`).join('\n')}`);
  }
}
