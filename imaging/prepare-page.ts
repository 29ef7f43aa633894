import sharp, { type Sharp } from 'sharp';
import { inspect, type Inspection } from './analyse-page';
import { colourMode, countColour, type ColourMode } from './colour';
import { despeckle, type Pixels } from './despeckle';
import { BORDER, CONTENT, FAINT, type Box, type InkMap } from './ink';
import { readable } from './source';

/** DA/T 31-2017 preservation formats this module writes: baseline JPEG, or lossless TIFF. */
export type PreservationFormat = 'jpeg' | 'tiff';

export interface PrepareOptions {
  deskew: boolean;
  crop: boolean;
  /** Skews beyond this many degrees are left for a rescan rather than corrected (default 10). */
  maxSkewToCorrect?: number;
  /** Remove isolated specks of dust (default true). */
  despeckle?: boolean;
  /** Default: JPEG (quality 90, 4:4:4) for colour and grey, TIFF with CCITT G4 for bilevel; TIFF colour and grey use deflate. */
  format?: PreservationFormat;
  /** Resolution to record when the image carries none, e.g. what the scanner reported. */
  dpi?: number;
  /** Paper kept around the content when cropping (default 5 mm). */
  cropMarginMm?: number;
}

export interface CropBox {
  left: number;
  top: number;
  width: number;
  height: number;
}

export interface PreparedPage {
  image: Buffer;
  format: PreservationFormat;
  width: number;
  height: number;
  dpi: number | null;
  colour: ColourMode;
  /** Degrees clockwise the page was turned (the negative of the skew found), 0 when not. */
  rotationApplied: number;
  /** The region kept, in pixels of the page after rotation; null when nothing was cropped. */
  cropBox: CropBox | null;
  /** Pixels repainted by despeckling. */
  speckPixelsRemoved: number;
}

export const DEFAULT_MAX_SKEW_TO_CORRECT = 10;
/** Below this a rotation resamples the whole page for no visible gain. */
const MIN_SKEW_TO_CORRECT = 0.1;
/** Used for millimetre sizes when neither the image nor the caller gives a resolution (the DA/T 31 minimum). */
const ASSUMED_DPI = 200;
/** A speck is at most 2 px at 200 dpi (0.03 mm²), growing with the square of the resolution. */
const SPECK_AREA_AT_200_DPI = 2;

/**
 * Makes the preservation copy of a page: specks removed, turned level, cropped to its content plus a
 * margin, written as JPEG or TIFF with the source resolution. What the page shows is not changed.
 */
export async function preparePage(image: Buffer, options: PrepareOptions): Promise<PreparedPage> {
  const page = await inspect(image);
  const { source, copy, ink } = page;
  const dpi = source.dpi ?? options.dpi ?? null;
  const effectiveDpi = dpi ?? ASSUMED_DPI;
  const chromatic = countColour(copy.rgb, ink).chromatic;

  const decoded = chromatic ? source.pipeline().toColourspace('srgb').removeAlpha() : source.pipeline().greyscale();
  const { data, info } = await readable(decoded.raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true }));
  const pixels: Pixels = { data, width: info.width, height: info.height, channels: chromatic ? 3 : 1 };
  const colour = colourMode(chromatic, source);

  const speckPixelsRemoved =
    options.despeckle === false
      ? 0
      : despeckle(pixels, {
          inkLevel: ink.inkLevel,
          clearLevel: Math.round((ink.inkLevel + ink.paperLevel) / 2),
          maxArea: Math.max(1, Math.floor(SPECK_AREA_AT_200_DPI * (effectiveDpi / 200) ** 2)),
        });

  const maxSkew = options.maxSkewToCorrect ?? DEFAULT_MAX_SKEW_TO_CORRECT;
  const skew = page.skewDegrees;
  const rotation = options.deskew && Math.abs(skew) >= MIN_SKEW_TO_CORRECT && Math.abs(skew) <= maxSkew ? -skew : 0;
  const turned = rotation === 0 ? pixels : await rotate(pixels, rotation);

  const margin = ((options.cropMarginMm ?? 5) * effectiveDpi) / 25.4;
  const cropBox = options.crop ? cropToContent(page, turned, rotation, margin) : null;
  const format = options.format ?? (colour === 'bilevel' ? 'tiff' : 'jpeg');
  const written = await encode(cut(turned, cropBox), colour, format, dpi).toBuffer({ resolveWithObject: true });
  return {
    image: written.data,
    format,
    width: written.info.width,
    height: written.info.height,
    dpi,
    colour,
    rotationApplied: rotation,
    cropBox,
    speckPixelsRemoved,
  };
}

async function rotate(pixels: Pixels, degrees: number): Promise<Pixels> {
  let turned = raw(pixels).rotate(degrees, { background: '#ffffff' });
  if (pixels.channels === 1) turned = turned.toColourspace('b-w');
  const { data, info } = await turned.raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height, channels: pixels.channels };
}

/**
 * The box around everything marked on the sheet, faint marks included (dust and scanner border
 * excluded), plus the margin, limited to the sheet itself so the margin does not bring back the bed.
 */
function cropToContent({ source, copy, ink }: Inspection, turned: Pixels, rotation: number, margin: number): CropBox | null {
  const sx = source.width / copy.width;
  const sy = source.height / copy.height;
  const radians = (rotation * Math.PI) / 180;
  const cos = Math.cos(radians);
  const sin = Math.sin(radians);
  const toTurned = (ax: number, ay: number): [number, number] => {
    const dx = ax * sx - source.width / 2;
    const dy = ay * sy - source.height / 2;
    return [turned.width / 2 + dx * cos - dy * sin, turned.height / 2 + dx * sin + dy * cos];
  };
  // Along any direction a row's extreme is its first or last pixel of a kind, so those suffice.
  const content = extremes(ink, copy.width, copy.height, (c) => c === CONTENT || c === FAINT, toTurned);
  if (content.left > content.right) return null;
  const sheet =
    ink.borderPixels > 0
      ? extremes(ink, copy.width, copy.height, (c) => c !== BORDER, toTurned)
      : { left: 0, top: 0, right: turned.width, bottom: turned.height };
  const kept = {
    left: Math.floor(Math.max(0, Math.min(content.left, Math.max(sheet.left, content.left - margin)))),
    top: Math.floor(Math.max(0, Math.min(content.top, Math.max(sheet.top, content.top - margin)))),
    right: Math.ceil(Math.min(turned.width, Math.max(content.right, Math.min(sheet.right, content.right + margin)))),
    bottom: Math.ceil(Math.min(turned.height, Math.max(content.bottom, Math.min(sheet.bottom, content.bottom + margin)))),
  };
  if (kept.left === 0 && kept.top === 0 && kept.right === turned.width && kept.bottom === turned.height) return null;
  return { left: kept.left, top: kept.top, width: kept.right - kept.left, height: kept.bottom - kept.top };
}

/**
 * Bounding box, after turning, of the analysis pixels of one kind, each taken as its full square and
 * grown by one more analysis pixel so that rounding never cuts into it.
 */
function extremes(
  ink: InkMap,
  width: number,
  height: number,
  wanted: (c: number) => boolean,
  toTurned: (x: number, y: number) => [number, number],
): Box {
  const box = emptyBox();
  for (let y = 0; y < height; y++) {
    const row = ink.classes.subarray(y * width, (y + 1) * width);
    let first = 0;
    while (first < width && !wanted(row[first]!)) first++;
    if (first === width) continue;
    let last = width - 1;
    while (!wanted(row[last]!)) last--;
    for (const [x, yy] of [
      [first - 1, y - 1],
      [first - 1, y + 2],
      [last + 2, y - 1],
      [last + 2, y + 2],
    ] as const)
      include(box, toTurned(x, yy));
  }
  return box;
}

function emptyBox(): Box {
  return { left: Infinity, top: Infinity, right: -Infinity, bottom: -Infinity };
}

function include(box: Box, [x, y]: [number, number]): void {
  box.left = Math.min(box.left, x);
  box.top = Math.min(box.top, y);
  box.right = Math.max(box.right, x);
  box.bottom = Math.max(box.bottom, y);
}

function raw({ data, width, height, channels }: Pixels): Sharp {
  return sharp(data, { raw: { width, height, channels } });
}

function cut(pixels: Pixels, box: CropBox | null): Sharp {
  const image = raw(pixels);
  return box ? image.extract(box) : image;
}

function encode(image: Sharp, colour: ColourMode, format: PreservationFormat, dpi: number | null): Sharp {
  let out = colour === 'colour' ? image : image.toColourspace('b-w');
  if (dpi) out = out.withDensity(dpi);
  if (format === 'jpeg') return out.jpeg({ quality: 90, chromaSubsampling: '4:4:4' });
  if (colour === 'bilevel') return out.threshold(128).toColourspace('b-w').tiff({ compression: 'ccittfax4', bitdepth: 1 });
  return out.tiff({ compression: 'deflate', predictor: 'horizontal' });
}
