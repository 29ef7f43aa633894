/** What the rest of Lantai sees of a capture device. A new kind of device implements one of these in one file. */

export type ColourMode = 'colour' | 'grey' | 'lineart';
export type PaperSource = 'flatbed' | 'adf';
export type PageSide = 'front' | 'back';
export type ImageFormat = 'png' | 'tiff' | 'jpeg';

export interface ResolutionChoice {
  /** Either a list of allowed values or a range with a step, as the device reports it. */
  values?: number[];
  range?: { min: number; max: number; step: number };
}

export interface DeviceDescription {
  id: string;
  kind: string;
  vendor?: string;
  model?: string;
  resolutions: ResolutionChoice;
  modes: ColourMode[];
  sources: PaperSource[];
  duplex: boolean;
  /** The values the device would use when a request leaves them out. */
  defaults: { resolution?: number; mode?: ColourMode; source: PaperSource };
}

export interface ScanRequest {
  resolution?: number;
  mode?: ColourMode;
  source?: PaperSource;
  duplex?: boolean;
  format?: ImageFormat;
  /** Index given to the first page of this batch; a resumed batch starts at the previous outcome's `nextIndex`. */
  startIndex?: number;
  /** Stop after this many pages. A flatbed scans one page unless told otherwise. */
  maxPages?: number;
  /** Scan area in millimetres from the top-left corner; the device's full area when left out. */
  area?: { widthMm: number; heightMm: number; leftMm?: number; topMm?: number };
  /** Backend-specific options passed through as `--name=value`, e.g. `{ 'test-picture': 'Grid' }`. */
  extraOptions?: Record<string, string>;
}

export interface ScannedPage {
  /** 1-based position of the page within the whole batch, stable across resumes. */
  index: number;
  image: Buffer;
  format: ImageFormat;
  contentType: string;
  width: number;
  height: number;
  resolution: number;
  mode: ColourMode;
  source: PaperSource;
  side?: PageSide;
  deviceId: string;
}

export interface TransientFault {
  errorName: string;
  message: string;
  attempt: number;
  /** Pages delivered in the whole batch when the fault struck. */
  pagesDelivered: number;
}

export interface BatchOutcome {
  pagesDelivered: number;
  firstIndex: number;
  /** Index the next page would get: `startIndex` for the batch that continues this one. */
  nextIndex: number;
  end: 'feeder-empty' | 'page-limit';
  /** Faults the driver recovered from by scanning again; a page may have left the feeder unscanned at each. */
  transientFaults: TransientFault[];
}

export interface PageSource {
  readonly id: string;
  readonly kind: string;
  describe(): Promise<DeviceDescription>;
  /**
   * Scans until the feeder is empty or `maxPages` is reached. Each page is handed to `onPage` once, in order,
   * and the next is not handed over until the previous `onPage` has resolved.
   */
  scanBatch(request: ScanRequest, onPage: (page: ScannedPage) => Promise<void>, signal?: AbortSignal): Promise<BatchOutcome>;
}

export interface BarcodeScan {
  text: string;
  readerId: string;
  at: Date;
}

export type ReaderStatus =
  | { state: 'connected'; readerId: string }
  | { state: 'disconnected'; readerId: string; reason: string }
  | { state: 'error'; readerId: string; reason: string }
  | { state: 'discarded'; readerId: string; reason: string };

export interface BarcodeReader {
  readonly id: string;
  readonly kind: string;
  start(onScan: (scan: BarcodeScan) => void, onStatus?: (status: ReaderStatus) => void): Promise<void>;
  stop(): Promise<void>;
}
