import { z } from 'zod';
import { DEFECT_TYPES } from '../../domain/capture';
import { LIFECYCLE_STATES } from '../../domain/lifecycle';
import { CaptureFinished, ScanView, WaitingOn, isoTime } from './common';

export { CaptureFinished };

const CaptureMode = z.enum(['window', 'batch', 'employer_upload', 'historical']);
const Finding = z.object({ type: z.enum(DEFECT_TYPES), pageNumber: z.number().int().optional(), detail: z.string() });

/** The capture step of one business case, as its workflow reports it. */
export const CaptureView = ScanView.extend({
  itemId: z.string(),
  mode: CaptureMode,
  stagedPages: z.number().int(),
  review: z.object({ approved: z.boolean(), actor: z.string(), reason: z.string().optional() }).nullable(),
});

export const ScanOrdered = CaptureView.extend({ workflowId: z.string() });

export const PageStaged = z.union([
  z.object({ staged: z.literal(1), workflowId: z.string() }).describe('a page for the capture'),
  z.object({ staged: z.literal(1), replaces: z.number().int() }).describe('a rescan of a failed page, given to the verification'),
]);

export const Resumed = z.object({ resumed: z.literal(true) });

export const CaptureRestarted = z.object({
  restarted: z.literal(true),
  pages: z.number().int().describe('pages still staged, given to the new run'),
  missing: z.array(z.object({ source: z.string(), staged: z.string() })).describe('pages no longer staged: send these again'),
  failure: z.string().nullable().describe('why the run before ended'),
});
export const Recorded = z.object({ recorded: z.literal(true) });
export const Accepted = z.object({ accepted: z.literal(true) });

const VerificationView = z.object({
  itemId: z.string(),
  waitingOn: WaitingOn,
  findings: z.array(Finding),
  rounds: z.number().int(),
});

const Defect = z.object({
  id: z.string(),
  itemId: z.string(),
  pageNumber: z.number().int().nullable(),
  type: z.enum(DEFECT_TYPES),
  detail: z.string(),
  detectedBy: z.string(),
  detectedAt: isoTime,
  resolvedAt: isoTime.nullable(),
  resolution: z.string().nullable(),
  resolvedBy: z.string().nullable(),
  resolutionReason: z.string().nullable(),
});

/** The item's last capture run as Temporal keeps it; a run that ended unfinished says why in the step's words. */
const CaptureRun = z.object({
  status: z.string().describe('RUNNING, COMPLETED, FAILED, TIMED_OUT, TERMINATED or CANCELLED'),
  failure: z.string().nullable(),
  startedAt: z.string().meta({ format: 'date-time' }),
  closedAt: z.string().meta({ format: 'date-time' }).nullable(),
});

export const CaptureStatus = z.object({
  lifecycleState: z.enum(LIFECYCLE_STATES),
  capture: CaptureView.nullable().describe('null when no capture runs or ran'),
  captureRun: CaptureRun.nullable().describe('null when no capture ever ran'),
  verification: VerificationView.nullable().describe('null when no verification runs or ran'),
  defects: z.array(Defect),
});

export const Pages = z.array(
  z.object({
    pageNumber: z.number().int(),
    current: z.boolean(),
    bucket: z.string(),
    key: z.string(),
    versionId: z.string().nullable(),
    size: z.number().int(),
    format: z.string(),
    dpi: z.number().int().nullable(),
    sha256: z.string(),
    sm3: z.string(),
    signed: z.boolean(),
    source: z.string().nullable(),
    signature: z.string().nullable(),
    signingKeyId: z.string().nullable(),
    fixityStatement: z.string(),
    supersededAt: z.string().meta({ format: 'date-time' }).nullable(),
    analysis: z.unknown().describe('what preparing the page measured (skew, blankness, sharpness, barcodes)'),
  }),
);

export const Fixity = z.object({
  itemId: z.string(),
  ok: z.boolean(),
  pages: z.array(z.object({ pageNumber: z.number().int(), ok: z.boolean(), problems: z.array(z.string()) })),
});

export const SigningKey = z.object({
  id: z.string(),
  algorithm: z.string(),
  publicKeyPem: z.string(),
  createdAt: z.string().meta({ format: 'date-time' }),
});

export const WaitingItems = z.array(
  z.object({
    workflowId: z.string(),
    itemId: z.string(),
    waitingOn: z.string(),
    since: z.string().meta({ format: 'date-time' }),
    fonds: z.string(),
    caseNumber: z.string(),
    lifecycleState: z.enum(LIFECYCLE_STATES),
  }),
);

export const BarcodeMatches = z.array(
  z.object({
    code: z.string(),
    caseNumber: z.string(),
    item: z.object({ id: z.string(), fonds: z.string(), lifecycleState: z.enum(LIFECYCLE_STATES) }).nullable(),
  }),
);

export const ItemHistory = z.object({
  item: z.object({ id: z.string(), archivalCode: z.string().nullable(), lifecycleState: z.enum(LIFECYCLE_STATES) }),
  events: z.array(
    z.object({
      from: z.enum(LIFECYCLE_STATES).nullable(),
      to: z.enum(LIFECYCLE_STATES),
      actor: z.string(),
      reason: z.string().nullable(),
      at: z.string().meta({ format: 'date-time' }),
    }),
  ),
});

export const ImportProgress = z.object({
  id: z.string(),
  status: z.string(),
  error: z.string().nullable(),
  workflowId: z.string().nullable(),
  total: z.number().int(),
  done: z.number().int(),
  failed: z.number().int(),
  remaining: z.number().int(),
  failures: z.array(z.object({ rowNumber: z.number().int(), caseNumber: z.string().nullable(), error: z.string().nullable() })),
  startedAt: z.string().meta({ format: 'date-time' }),
  finishedAt: z.string().meta({ format: 'date-time' }).nullable(),
});

/** A batch scan session (事后扫描), as its workflow reports it, with the workflow's status. */
export const ScanSession = ScanView.extend({
  sessionId: z.string(),
  stagedPages: z.number().int(),
  report: z
    .object({
      cases: z.array(z.object({ caseNumber: z.string(), itemId: z.string(), pages: z.number().int() })),
      unlinked: z.array(z.object({ caseNumber: z.string().nullable(), pages: z.number().int(), reason: z.string() })),
    })
    .nullable(),
  status: z.string().describe('the session workflow’s status, e.g. RUNNING or COMPLETED'),
});
export const SessionPageStaged = z.object({ staged: z.literal(1) });
