import type { ActivityOptions } from '@temporalio/common';
import { defineSignal } from '@temporalio/workflow';

/**
 * Recognition (全文识别), shared by its workflow, its activities, the OCR worker (ocr/worker.py) and the API. One
 * workflow for the whole archive takes the pages still waiting from the catalogue, newest first, and hands them to
 * the OCR workers on their own task queue; capture and verification never wait for it.
 */

export const RECOGNITION_WORKFLOW = 'recognisePages';
export const RECOGNITION_WORKFLOW_ID = 'recognition';
export type RecognitionWorkflow = () => Promise<void>;
/** Sent when there is new work (pages put back to wait), so an idle workflow does not wait out its poll. */
export const wakeRecognition = defineSignal('wake');

/** The activity the OCR worker serves, by its Temporal name. */
export const RECOGNISE_PAGE_ACTIVITY = 'recognisePage';

/** What the OCR worker is given: a signed link to the page's image at the API (plaintext), valid for a few minutes. */
export interface PageToRecognise {
  pageId: string;
  url: string;
}

export interface RecognisedLine {
  text: string;
  confidence: number;
  /** The line's four corners, clockwise from top left, in pixels of the stored image. */
  box: [number, number][];
}

/** What the OCR worker returns for a page. */
export interface PageReading {
  engine: string;
  /** The lines' text in reading order, one per line. */
  text: string;
  lines: RecognisedLine[];
  /** Mean of the lines' confidence; null for a page without text. */
  confidence: number | null;
  milliseconds: number;
  width: number;
  height: number;
}

export interface RecognitionClaim {
  /** The OCR workers' task queue. */
  taskQueue: string;
  pages: PageToRecognise[];
  /** How long to wait before looking again when nothing is waiting. */
  idleMs: number;
}

/** A page's outcome: its reading, a failure to record, or `again` (its URL expired before a worker got to it). */
export type RecognitionOutcome =
  { pageId: string; reading: PageReading } | { pageId: string; failure: string } | { pageId: string; again: true };

/** The OCR worker's failures that trying the same page again cannot cure. */
export const OcrError = {
  UrlExpired: 'ImageUrlExpired',
  Missing: 'ImageMissing',
  Unreadable: 'UnreadableImage',
} as const;

export const RECOGNITION_ACTIVITIES: ActivityOptions = {
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
};

/**
 * One page on an OCR worker: a page takes seconds, so two minutes is a worker that died (kill -9, a lost machine),
 * and the page goes to another; three attempts, then the page is recorded as failed with the reason.
 */
export const OCR_ACTIVITY: Omit<ActivityOptions, 'taskQueue'> = {
  startToCloseTimeout: '2 minutes',
  retry: {
    initialInterval: '5 seconds',
    backoffCoefficient: 2,
    maximumAttempts: 3,
    nonRetryableErrorTypes: [OcrError.UrlExpired, OcrError.Missing, OcrError.Unreadable],
  },
};
