import type { ColourMode, DeviceDescription, PaperSource, ResolutionChoice } from '../types';
import type { SaneOption } from './options';

/** What a SANE device offers in Lantai's terms, and the scanimage arguments that select each choice. */
export interface SaneCapabilities {
  description: DeviceDescription;
  options: Map<string, SaneOption>;
  modeValues: Partial<Record<ColourMode, string>>;
  sourceArgs: { flatbed?: string[]; adf?: string[]; adfDuplex?: string[] };
}

// Halftone and error diffusion are dithered greys, not the clean black-and-white an archivist means by line art.
const MODE_PATTERNS: [ColourMode, RegExp][] = [
  ['colour', /colou?r|rgb/i],
  ['grey', /gr[ae]y/i],
  ['lineart', /lineart|line art|binary|black ?& ?white|monochrome/i],
];
const DITHERED = /halftone|diffusion|dither/i;

export function classifyMode(value: string): ColourMode | undefined {
  if (DITHERED.test(value)) return undefined;
  return MODE_PATTERNS.find(([, pattern]) => pattern.test(value))?.[0];
}

function classifySource(value: string): { source: PaperSource; duplex: boolean; backOnly: boolean } | undefined {
  const duplex = /duplex/i.test(value);
  if (/adf|feeder|automatic|sheet/i.test(value) || duplex) return { source: 'adf', duplex, backOnly: !duplex && /back/i.test(value) };
  if (/flatbed|platen|glass|document table|normal/i.test(value)) return { source: 'flatbed', duplex: false, backOnly: false };
  return undefined;
}

export function describeCapabilities(deviceId: string, options: Map<string, SaneOption>): SaneCapabilities {
  const modeValues = pickModes(options.get('mode'));
  const sourceArgs = pickSources(options);
  const sources = (['flatbed', 'adf'] as const).filter((s) => sourceArgs[s]);
  const current = options.get('source')?.current;
  const resolution = options.get('resolution');
  const defaultResolution = Number(resolution?.current);
  const currentMode = options.get('mode')?.current;
  return {
    options,
    modeValues,
    sourceArgs,
    description: {
      id: deviceId,
      kind: 'sane',
      resolutions: resolutionChoice(resolution),
      modes: (Object.keys(modeValues) as ColourMode[]).sort(),
      sources,
      duplex: Boolean(sourceArgs.adfDuplex),
      defaults: {
        resolution: Number.isFinite(defaultResolution) ? defaultResolution : undefined,
        mode: currentMode ? classifyMode(currentMode) : undefined,
        source: (current ? classifySource(current)?.source : undefined) ?? sources[0] ?? 'flatbed',
      },
    },
  };
}

function pickModes(mode: SaneOption | undefined): Partial<Record<ColourMode, string>> {
  const picked: Partial<Record<ColourMode, string>> = {};
  if (mode?.constraint.kind !== 'list') return picked;
  // Prefer plain names ("24bit Color") over qualified ones ("24bit Color[Fast]").
  const values = [...mode.constraint.values].sort((a, b) => Number(a.includes('[')) - Number(b.includes('[')));
  for (const value of values) {
    const kind = classifyMode(value);
    if (kind && !picked[kind]) picked[kind] = value;
  }
  return picked;
}

function pickSources(options: Map<string, SaneOption>): SaneCapabilities['sourceArgs'] {
  const source = options.get('source');
  if (source?.constraint.kind !== 'list') return { flatbed: [] };
  const args: SaneCapabilities['sourceArgs'] = {};
  for (const value of source.constraint.values) {
    const kind = classifySource(value);
    if (!kind || kind.backOnly) continue;
    const key = kind.source === 'flatbed' ? 'flatbed' : kind.duplex ? 'adfDuplex' : 'adf';
    args[key] ??= [`--source=${value}`];
  }
  const duplexSwitch = duplexArgs(options);
  if (args.adf && duplexSwitch) {
    args.adfDuplex ??= [...args.adf, ...duplexSwitch.on];
    args.adf = [...args.adf, ...duplexSwitch.off];
  }
  return args;
}

/** Some backends keep one feeder source and switch duplex separately (epson2 `--adf-mode`, others `--duplex`). */
function duplexArgs(options: Map<string, SaneOption>): { on: string[]; off: string[] } | undefined {
  const adfMode = options.get('adf-mode');
  if (adfMode?.constraint.kind === 'list') {
    const duplex = adfMode.constraint.values.find((v) => /duplex/i.test(v));
    const simplex = adfMode.constraint.values.find((v) => /simplex/i.test(v));
    if (duplex && simplex) return { on: [`--adf-mode=${duplex}`], off: [`--adf-mode=${simplex}`] };
  }
  if (options.get('duplex')?.constraint.kind === 'bool') return { on: ['--duplex=yes'], off: ['--duplex=no'] };
  return undefined;
}

function resolutionChoice(option: SaneOption | undefined): ResolutionChoice {
  if (option?.constraint.kind === 'range') {
    const { min, max, step } = option.constraint;
    return { range: { min, max, step } };
  }
  if (option?.constraint.kind === 'list') {
    return { values: option.constraint.values.map(Number).filter((v) => Number.isFinite(v) && v > 0) };
  }
  return {};
}
