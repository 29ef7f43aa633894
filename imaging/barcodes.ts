import { readFileSync } from 'node:fs';
import sharp, { type Sharp } from 'sharp';
import { prepareZXingModule, readBarcodes, type ReaderOptions, type ReadInputBarcodeFormat, type ReadResult } from 'zxing-wasm/reader';
import { estimateSkew } from './skew';
import { mapInk } from './ink';
import { ANALYSIS_LONG_SIDE } from './raster';
import { openImage, readable } from './source';

export interface Point {
  x: number;
  y: number;
}

export interface DecodedBarcode {
  format: 'Code128' | 'QRCode' | (string & {});
  text: string;
  /** Corners in pixels of the image as given (EXIF orientation applied). */
  position?: { topLeft: Point; topRight: Point; bottomRight: Point; bottomLeft: Point };
}

/** DOMAIN: Code 128 on slips and labels, QR where more data is carried. Each extra format costs time on every page. */
export const DEFAULT_BARCODE_FORMATS: readonly ReadInputBarcodeFormat[] = ['Code128', 'QRCode'];

/**
 * The reader build is loaded from the package's own files: left to itself zxing-wasm fetches its
 * WebAssembly from a CDN, which an agency network does not reach.
 */
let zxing: Promise<unknown> | undefined;
function loadReader(): Promise<unknown> {
  zxing ??= prepareZXingModule({
    overrides: { wasmBinary: readFileSync(require.resolve('zxing-wasm/reader/zxing_reader.wasm')) },
    fireImmediately: true,
  });
  return zxing;
}

interface Grey {
  data: Uint8Array;
  width: number;
  height: number;
}

/** Where a copy's pixels lie in the original image. */
type Placement = (p: Point) => Point;

export interface BarcodeReading {
  formats?: readonly ReadInputBarcodeFormat[];
  /**
   * Also try the page turned by ±15°, ±30° and ±45°, for codes at any angle (a slip laid crooked under
   * a document camera, a label stuck on askew). On a page without a code this costs 2.5 s more at
   * 200 dpi and 5 s at 300 dpi (measured on two cores), against 0.25–0.4 s without it.
   */
  anyAngle?: boolean;
}

/**
 * A Code 128 with 10 mm bars reads up to about 8° off level (measured); the reader's own 90° turns
 * and these steps of 15° leave no angle uncovered.
 */
const ANY_ANGLE_TURNS = [15, -15, 30, -30, 45, -45];
/** Below this the first pass already reads a skewed code; levelling the page would not add anything. */
const MIN_SKEW_TO_LEVEL = 3;

/**
 * Reads the barcodes on a page, anywhere on it. The first pass reads the page as it is, in its four
 * orientations and, for coarse or noisy print, downscaled as well. When that finds nothing and the
 * text lines are skewed, the page is read again levelled (slips are printed square to their text);
 * with `anyAngle`, then turned in steps of 15°. Printed slips are never inverted, so inverted codes
 * are not looked for. [] when the page carries none.
 */
export async function decodeBarcodes(image: Buffer, reading: BarcodeReading = {}): Promise<DecodedBarcode[]> {
  const source = await openImage(image);
  const { data, info } = await readable(pixelsOf(source.pipeline().greyscale()));
  const page: Grey = { data, width: info.width, height: info.height };
  await loadReader();
  const options: ReaderOptions = {
    formats: [...(reading.formats ?? DEFAULT_BARCODE_FORMATS)],
    tryHarder: true,
    tryRotate: true,
    tryInvert: false,
    tryDownscale: true,
  };

  const found = await read(page, options, (p) => p);
  if (found.length) return found;
  const skew = await skewOf(page);
  const turns = [...(Math.abs(skew) >= MIN_SKEW_TO_LEVEL ? [-skew] : []), ...(reading.anyAngle ? ANY_ANGLE_TURNS : [])];
  for (const degrees of turns) {
    const { copy, placement } = await turn(page, degrees);
    const again = await read(copy, { ...options, tryDownscale: false }, placement);
    if (again.length) return again;
  }
  return [];
}

async function read(page: Grey, options: ReaderOptions, placement: Placement): Promise<DecodedBarcode[]> {
  const results = await readBarcodes({ data: rgba(page), width: page.width, height: page.height }, options);
  const found = new Map<string, DecodedBarcode>();
  for (const result of results) {
    const key = `${result.format}\n${result.text}`;
    if (result.isValid && !found.has(key)) found.set(key, describe(result, placement));
  }
  return [...found.values()];
}

function describe(result: ReadResult, placement: Placement): DecodedBarcode {
  const { topLeft, topRight, bottomRight, bottomLeft } = result.position;
  return {
    format: result.format,
    text: result.text,
    position: {
      topLeft: placement(topLeft),
      topRight: placement(topRight),
      bottomRight: placement(bottomRight),
      bottomLeft: placement(bottomLeft),
    },
  };
}

/**
 * Turns the page about its centre (positive clockwise) onto a larger white canvas, drawn 1.5 times
 * larger: bars two pixels wide do not survive a second bilinear resampling at their own scale (a
 * 2-px Code 128 turned back from 30° or 40° no longer reads; enlarged, every angle tried does).
 */
async function turn(page: Grey, degrees: number): Promise<{ copy: Grey; placement: Placement }> {
  const radians = (degrees * Math.PI) / 180;
  const cos = Math.cos(radians);
  const sin = Math.sin(radians);
  const k = TURN_SCALE;
  const matrix: [[number, number], [number, number]] = [
    [k * cos, -k * sin],
    [k * sin, k * cos],
  ];
  const { data, info } = await pixelsOf(grey(page).affine(matrix, { background: '#ffffff', interpolator: sharp.interpolators.bilinear }));
  const placement = ({ x, y }: Point): Point => {
    const dx = (x - info.width / 2) / k;
    const dy = (y - info.height / 2) / k;
    return { x: page.width / 2 + dx * cos + dy * sin, y: page.height / 2 - dx * sin + dy * cos };
  };
  return { copy: { data, width: info.width, height: info.height }, placement };
}

const TURN_SCALE = 1.5;

async function skewOf(page: Grey): Promise<number> {
  const side = ANALYSIS_LONG_SIDE;
  const { data, info } = await pixelsOf(grey(page).resize({ width: side, height: side, fit: 'inside', withoutEnlargement: true }));
  return estimateSkew(mapInk(data, info.width, info.height));
}

function grey({ data, width, height }: Grey): Sharp {
  return sharp(data, { raw: { width, height, channels: 1 } });
}

/** sharp turns one-channel raw input into sRGB on output unless told otherwise. */
function pixelsOf(image: Sharp) {
  return image.toColourspace('b-w').raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
}

/** zxing-wasm takes ImageData-shaped RGBA and converts it back to luma itself. */
function rgba({ data }: Grey): Uint8ClampedArray {
  const out = new Uint8ClampedArray(data.length * 4);
  const words = new Uint32Array(out.buffer);
  // One write per pixel instead of four: R = G = B = grey, alpha 255, whichever end alpha sits at.
  const [alpha, shift] = LITTLE_ENDIAN ? [0xff000000, 0] : [0xff, 8];
  for (let i = 0; i < data.length; i++) words[i] = (alpha | ((data[i]! * 0x010101) << shift)) >>> 0;
  return out;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
