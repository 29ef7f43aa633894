import { colourMode, countColour, type ColourMode } from './colour';
import { mapInk, type InkMap } from './ink';
import { analysisCopy, type AnalysisCopy } from './raster';
import { measureSharpness } from './sharpness';
import { estimateSkew } from './skew';
import { openImage, type SourceImage } from './source';

/** Limits that turn measures into findings. Defaults are starting points to tune on real scans (*verify*). */
export interface PageThresholds {
  /** A page with ink whose sharpness is below this is blurred. */
  minSharpness: number;
  /** A page whose ink covers less than this fraction of it is blank. */
  maxBlankInkRatio: number;
  /** A colour page with at least this fraction of strong red carries a seal or red signature. */
  minRedMarkRatio: number;
}

export const DEFAULT_PAGE_THRESHOLDS: Readonly<PageThresholds> = Object.freeze({
  // An edge spread (Gaussian σ) of about 0.35 mm: strokes of 10 pt Chinese text start to merge.
  minSharpness: 0.4,
  // 0.05 % of A4 is 31 mm²: a signature alone keeps a page from being blank, dust does not.
  maxBlankInkRatio: 0.0005,
  // 0.03 % of A4 is 19 mm²; a 42 mm official seal covers about 0.5 %, a red fingerprint about 0.2 %.
  minRedMarkRatio: 0.0003,
});

export interface PageAnalysis {
  /** As displayed, EXIF orientation applied. */
  width: number;
  height: number;
  format: string;
  /** Recorded in the file; null when it records none. */
  dpi: number | null;
  colour: ColourMode;
  /** See measureSharpness: about 1 / (2σ²) for an edge spread σ in analysis pixels; 0 without edges. */
  sharpness: number;
  /** Never set on a blank page: there is nothing to be blurred. */
  blurred: boolean;
  /** Text-line angle, positive clockwise; whether it is too much is the caller's rule. */
  skewDegrees: number;
  blank: boolean;
  /** Fraction of the page (scanner border excluded) covered by ink, speckle excluded. */
  inkRatio: number;
  /** Fraction of the page in strong red; 0 unless the page is in colour. */
  redRatio: number;
  redMarkPresent: boolean;
  /** Analysis pixels per image pixel: every measure is taken at this scale (long side 1000 px). */
  analysisScale: number;
}

/** The measures both analysePage and preparePage start from. */
export interface Inspection {
  source: SourceImage;
  copy: AnalysisCopy;
  ink: InkMap;
  skewDegrees: number;
}

export async function inspect(image: Buffer): Promise<Inspection> {
  const source = await openImage(image);
  const copy = await analysisCopy(source);
  const ink = mapInk(copy.grey, copy.width, copy.height, copy.rgb);
  return { source, copy, ink, skewDegrees: estimateSkew(ink) };
}

/** Measures one page image for the quality check: resolution, colour, blur, skew, blankness, red marks. */
export async function analysePage(image: Buffer, thresholds: Partial<PageThresholds> = {}): Promise<PageAnalysis> {
  const limits = { ...DEFAULT_PAGE_THRESHOLDS, ...thresholds };
  const { source, copy, ink, skewDegrees } = await inspect(image);
  const pagePixels = Math.max(1, copy.width * copy.height - ink.borderPixels);
  const inkRatio = ink.contentPixels / pagePixels;
  const blank = inkRatio < limits.maxBlankInkRatio;
  const sharpness = measureSharpness(copy.grey, ink);
  const { chromatic, redRatio } = countColour(copy.rgb, ink);
  const colour = colourMode(chromatic, source);
  return {
    width: source.width,
    height: source.height,
    format: source.format,
    dpi: source.dpi,
    colour,
    sharpness: round(sharpness, 4),
    blurred: !blank && sharpness < limits.minSharpness,
    skewDegrees: blank ? 0 : skewDegrees,
    blank,
    inkRatio: round(inkRatio, 6),
    redRatio: colour === 'colour' ? round(redRatio, 6) : 0,
    redMarkPresent: colour === 'colour' && redRatio >= limits.minRedMarkRatio,
    analysisScale: round(copy.scale, 6),
  };
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
