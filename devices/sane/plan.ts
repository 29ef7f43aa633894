import { UnsupportedScanRequestError } from '../errors';
import type { ColourMode, ImageFormat, PaperSource, ResolutionChoice, ScanRequest } from '../types';
import type { SaneCapabilities } from './capabilities';
import type { SaneOption } from './options';

/** The settings a batch runs with, checked against what the device offers, and the scanimage arguments for them. */
export interface ScanPlan {
  args: string[];
  resolution: number | undefined;
  mode: ColourMode | undefined;
  source: PaperSource;
  duplex: boolean;
  format: ImageFormat;
}

/** Options the driver sets itself; passing them as extra options would break page bookkeeping. */
const RESERVED = new Set([
  'd',
  'device-name',
  'format',
  'o',
  'output-file',
  'b',
  'batch',
  'batch-start',
  'batch-count',
  'batch-increment',
  'batch-double',
  'batch-prompt',
  'batch-print',
  'source',
  'mode',
  'resolution',
  'adf-mode',
  'duplex',
]);
const AREA_FLAGS = { leftMm: 'l', topMm: 't', widthMm: 'x', heightMm: 'y' } as const;

export function planScan(caps: SaneCapabilities, request: ScanRequest, deviceOptions: Record<string, string> = {}): ScanPlan {
  const id = caps.description.id;
  const unsupported = (option: string, requested: unknown, offered: string) =>
    new UnsupportedScanRequestError(id, option, requested, offered);
  const duplex = request.duplex ?? false;
  const source = request.source ?? (duplex ? 'adf' : caps.description.defaults.source);
  const args: string[] = [...sourceArgs(caps, source, duplex, unsupported)];

  if (request.mode) {
    const value = caps.modeValues[request.mode];
    if (!value) throw unsupported('colour mode', request.mode, listed('colour modes', Object.keys(caps.modeValues)));
    args.push(`--mode=${value}`);
  }
  if (request.resolution !== undefined) {
    const choice = caps.description.resolutions;
    if (!resolutionOffered(choice, request.resolution)) throw unsupported('resolution', request.resolution, describeResolutions(choice));
    args.push(`--resolution=${request.resolution}`);
  }
  for (const [key, flag] of Object.entries(AREA_FLAGS) as [keyof typeof AREA_FLAGS, string][]) {
    const value = request.area?.[key];
    if (value === undefined) continue;
    checkValue(caps.options.get(flag), String(value), `scan area ${key}`, unsupported);
    args.push(`-${flag}`, String(value));
  }
  for (const [name, value] of Object.entries({ ...deviceOptions, ...request.extraOptions })) {
    if (RESERVED.has(name)) throw unsupported('option', name, 'this setting only through the scan request');
    const option = caps.options.get(name);
    if (!option) throw unsupported('option', name, listed('options', [...caps.options.keys()]));
    checkValue(option, value, `option --${name}`, unsupported);
    args.push(`${option.flag}=${value}`);
  }
  return {
    args,
    resolution: request.resolution ?? caps.description.defaults.resolution,
    mode: request.mode ?? caps.description.defaults.mode,
    source,
    duplex,
    format: request.format ?? 'png',
  };
}

/** The first page's index; checked before anything runs so a bad resume point fails fast. */
export function checkPageCounts(deviceId: string, request: ScanRequest): number {
  const startIndex = request.startIndex ?? 1;
  if (!Number.isInteger(startIndex) || startIndex < 1)
    throw new UnsupportedScanRequestError(deviceId, 'start index', startIndex, 'whole page numbers from 1');
  if (request.maxPages !== undefined && (!Number.isInteger(request.maxPages) || request.maxPages < 1)) {
    throw new UnsupportedScanRequestError(deviceId, 'page limit', request.maxPages, 'whole numbers of pages from 1');
  }
  return startIndex;
}

type Unsupported = (option: string, requested: unknown, offered: string) => UnsupportedScanRequestError;

function sourceArgs(caps: SaneCapabilities, source: PaperSource, duplex: boolean, unsupported: Unsupported): string[] {
  const { sources } = caps.description;
  if (duplex && source !== 'adf') throw unsupported('duplex from source', source, 'duplex only from the document feeder');
  const args = duplex ? caps.sourceArgs.adfDuplex : caps.sourceArgs[source];
  if (!args && duplex) throw unsupported('duplex', true, 'single-sided scanning only');
  if (!args) throw unsupported('source', source, listed('sources', sources));
  return args;
}

export function resolutionOffered(choice: ResolutionChoice, dpi: number): boolean {
  if (!Number.isFinite(dpi) || dpi <= 0) return false;
  if (choice.values) return choice.values.includes(dpi);
  if (!choice.range) return false;
  const { min, max, step } = choice.range;
  if (dpi < min || dpi > max) return false;
  return step <= 0 || Math.abs((dpi - min) / step - Math.round((dpi - min) / step)) < 1e-6;
}

function describeResolutions(choice: ResolutionChoice): string {
  if (choice.values)
    return listed(
      'resolutions',
      choice.values.map((v) => `${v} dpi`),
    );
  if (choice.range)
    return `resolutions ${choice.range.min}–${choice.range.max} dpi${choice.range.step > 1 ? ` in steps of ${choice.range.step}` : ''}`;
  return 'no choice of resolution';
}

function checkValue(option: SaneOption | undefined, value: string, what: string, unsupported: Unsupported): void {
  if (!option) throw unsupported(what, value, 'no such setting');
  if (option.readOnly) throw unsupported(what, value, 'it only as a read-only value');
  const c = option.constraint;
  if (c.kind === 'list' && !c.values.includes(value)) throw unsupported(what, value, listed('values', c.values));
  if (c.kind === 'bool' && !['yes', 'no', 'auto'].includes(value)) throw unsupported(what, value, 'values yes, no');
  if (c.kind === 'range') {
    const n = Number(value);
    if (!Number.isFinite(n) || n < c.min || n > c.max) throw unsupported(what, value, `values ${c.min}–${c.max}${option.unit ?? ''}`);
  }
}

function listed(what: string, values: readonly string[]): string {
  return values.length ? `${what} ${values.join(', ')}` : `no choice of ${what}`;
}
