import { luma as lumaOfRgb } from './raster';

/** Raw interleaved pixels, grey or sRGB. */
export interface Pixels {
  data: Buffer;
  width: number;
  height: number;
  channels: 1 | 3;
}

export interface SpeckleRule {
  /** Darker than this (luma) is ink. */
  inkLevel: number;
  /** Every pixel around a speck must be at least this light, clean paper: a dark pixel beside a faint stroke is writing. */
  clearLevel: number;
  /** Largest speck in pixels. */
  maxArea: number;
}

/**
 * Removes specks (dark spots of at most `maxArea` pixels surrounded by clean paper) by painting them
 * with the median of the paper around them. Nothing else changes, so a full stop, a leader dot or a
 * hairline survives where a blanket 3×3 median would erase one-pixel lines. Returns the pixels painted.
 */
export function despeckle(pixels: Pixels, rule: SpeckleRule): number {
  const { data, width, height, channels } = pixels;
  const luma = channels === 1 ? data : lumaOfRgb(data);
  const state = new Uint8Array(width * height);
  const speck: number[] = [];
  let painted = 0;

  for (let start = 0; start < luma.length; start++) {
    if (luma[start]! >= rule.inkLevel || state[start] !== UNSEEN) continue;
    // Speck or not is a property of the whole dark region, and in scan order most dark pixels touch
    // an earlier one whose region is already known to be more than a speck.
    const x = start % width;
    const above = start - width;
    if (
      (x > 0 && state[start - 1] === NOT_SPECK) ||
      (above >= 0 &&
        (state[above] === NOT_SPECK || (x > 0 && state[above - 1] === NOT_SPECK) || (x < width - 1 && state[above + 1] === NOT_SPECK)))
    ) {
      state[start] = NOT_SPECK;
      continue;
    }
    const isSpeck = grow(start, luma, state, speck, width, height, rule);
    for (const p of speck) state[p] = NOT_SPECK;
    if (!isSpeck) continue;
    for (const p of speck) state[p] = GROWING;
    for (const p of speck) paintWithSurroundings(pixels, state, p);
    for (const p of speck) state[p] = PAINTED;
    painted += speck.length;
  }
  return painted;
}

const UNSEEN = 0;
const NOT_SPECK = 1;
const GROWING = 2;
const PAINTED = 3;

/** Collects the dark region around `start` into `speck`, stopping as soon as it cannot be a speck. */
function grow(
  start: number,
  luma: Uint8Array,
  state: Uint8Array,
  speck: number[],
  width: number,
  height: number,
  rule: SpeckleRule,
): boolean {
  speck.length = 0;
  speck.push(start);
  state[start] = GROWING;
  for (let i = 0; i < speck.length; i++) {
    const p = speck[i]!;
    const x = p % width;
    const y = (p - x) / width;
    const yEnd = y < height - 1 ? y + 1 : y;
    const xEnd = x < width - 1 ? x + 1 : x;
    for (let ny = y > 0 ? y - 1 : y; ny <= yEnd; ny++) {
      for (let nx = x > 0 ? x - 1 : x; nx <= xEnd; nx++) {
        const q = ny * width + nx;
        const level = luma[q]!;
        if (level >= rule.clearLevel || state[q] === GROWING || state[q] === PAINTED) continue;
        if (level >= rule.inkLevel || state[q] === NOT_SPECK || speck.length === rule.maxArea) return false;
        state[q] = GROWING;
        speck.push(q);
      }
    }
  }
  return true;
}

function paintWithSurroundings({ data, width, height, channels }: Pixels, state: Uint8Array, p: number): void {
  const x = p % width;
  const y = (p - x) / width;
  const around: number[] = [];
  for (let dy = -1; dy <= 1; dy++) {
    for (let dx = -1; dx <= 1; dx++) {
      const nx = x + dx;
      const ny = y + dy;
      if (nx >= 0 && ny >= 0 && nx < width && ny < height && state[ny * width + nx] !== GROWING) around.push(ny * width + nx);
    }
  }
  if (around.length === 0) return;
  for (let c = 0; c < channels; c++) {
    const values = around.map((q) => data[q * channels + c]!).sort((a, b) => a - b);
    data[p * channels + c] = values[values.length >> 1]!;
  }
}
