/** A page image as it arrives, before it is prepared and fixed: kept in the staging area of the image bucket. */
export interface StagedPage {
  bucket: string;
  key: string;
  versionId?: string;
  /** Where it came from: `device:<workstation>/<device>`, `upload:<user>`, `import:<batch>`. */
  source: string;
  /** Resolution the device reported, used when the image carries none. */
  dpi?: number;
  /** The page's position in its scan batch, when it came from a device. */
  sourceIndex?: number;
  /** For a rescan: the page number this page replaces. */
  replaces?: number;
}

export type CaptureMode = 'window' | 'batch' | 'employer_upload' | 'historical';

export const DEFECT_TYPES = [
  'original_missing_page',
  'original_blurred',
  'image_missing_page',
  'image_blurred',
  'image_skewed',
  'image_blank',
  'image_low_resolution',
  'slip_field_missing',
  'seal_or_signature_missing',
] as const;
export type DefectType = (typeof DEFECT_TYPES)[number];

export interface Finding {
  type: DefectType;
  pageNumber?: number;
  detail: string;
}

/** What a person is waiting to do for an item; mirrored into the LantaiWaitingOn search attribute. */
export type WaitingOn = 'none' | 'initial_review' | 'operator' | 'capture' | 'quality_decision' | 'sampling_review';

/** A scan asked of a workstation's device. */
export interface ScanOrder {
  workstation: string;
  device: string;
  source?: 'flatbed' | 'adf';
  resolution?: number;
  colour?: 'colour' | 'grey' | 'lineart';
  duplex?: boolean;
  maxPages?: number;
  /** Scan area in millimetres from the top-left corner; the device's whole area when left out. */
  area?: { widthMm: number; heightMm: number };
  /** Backend options passed through to the device, e.g. a test backend's fault injection. */
  extraOptions?: Record<string, string>;
}

export interface DeviceFault {
  name: string;
  message: string;
  pagesDelivered: number;
}

/** How a scanned stack was sorted into business cases by its processing slips. */
export interface StackReport {
  cases: { caseNumber: string; itemId: string; pages: number }[];
  /** Pages that could not be given to a case, with the reason: no slip before them, or a slip naming no case. */
  unlinked: { caseNumber: string | null; pages: number; reason: string }[];
}
