/** What each pixel of an analysis copy is. */
export const PAPER = 0;
export const CONTENT = 1;
/** Dark areas running along the image edge: scanner bed, lid shadow, the dark side of a crooked feed. */
export const BORDER = 2;
export const SPECKLE = 3;
/** Too light to count as ink, yet clearly a mark: pencil, a faint stamp, highlighter, a pale form ground. */
export const FAINT = 4;

export interface Box {
  left: number;
  top: number;
  /** Exclusive. */
  right: number;
  bottom: number;
}

export interface InkMap {
  width: number;
  height: number;
  /** Grey level of the paper (95th percentile). */
  paperLevel: number;
  /** Pixels darker than this are ink. */
  inkLevel: number;
  classes: Uint8Array;
  contentPixels: number;
  borderPixels: number;
}

/** Ink is anything darker than 60 % of the paper's own grey, so toned or yellowed paper is not ink. */
const INK_FRACTION_OF_PAPER = 0.6;
/** A faint mark is 15 % darker than the paper, or coloured; paper grain stays well inside that. */
const MARK_FRACTION_OF_PAPER = 0.85;
const MARK_CHROMA = 48;
/**
 * At ~85 dpi one or two dark pixels are under 0.2 mm²: dust, not writing (a full stop in 10 pt text
 * is too light at this scale to count as ink at all).
 */
const MAX_SPECKLE_AREA = 2;
/** A faint mark spans at least 5 px (1.5 mm at ~85 dpi): a pencil tick does, a speck and its halo do not. */
const MIN_MARK_EXTENT = 5;
/** A dark region is scanner border when it runs along the image edge for 5 % of the short side. */
const BORDER_EDGE_CONTACT = 0.05;

export function mapInk(grey: Uint8Array, width: number, height: number, rgb?: Uint8Array): InkMap {
  const paperLevel = Math.max(64, percentile(grey, 0.95));
  const inkLevel = Math.round(paperLevel * INK_FRACTION_OF_PAPER);
  const classes = new Uint8Array(grey.length);
  const minContact = Math.max(4, Math.round(BORDER_EDGE_CONTACT * Math.min(width, height)));
  let contentPixels = 0;
  let borderPixels = 0;

  label(
    width,
    height,
    (p) => grey[p]! < inkLevel,
    (members, contact) => {
      const kind = contact >= minContact ? BORDER : members.length <= MAX_SPECKLE_AREA ? SPECKLE : CONTENT;
      for (const p of members) classes[p] = kind;
      if (kind === BORDER) borderPixels += members.length;
      if (kind === CONTENT) contentPixels += members.length;
    },
  );

  const markLevel = Math.round(paperLevel * MARK_FRACTION_OF_PAPER);
  const nearBorder = dilate(classes, width, height, BORDER, 2);
  // A speck is taken together with the pale halo resampling gives it, so that the two stay small.
  const isMark = (p: number): boolean => {
    if (classes[p] === SPECKLE) return true;
    if (classes[p] !== PAPER || nearBorder[p]) return false;
    if (grey[p]! < markLevel) return true;
    if (!rgb) return false;
    const r = rgb[3 * p]!;
    const g = rgb[3 * p + 1]!;
    const b = rgb[3 * p + 2]!;
    return chroma(r, g, b) >= MARK_CHROMA;
  };
  label(width, height, isMark, (members) => {
    if (extent(members, width) < MIN_MARK_EXTENT) return;
    for (const p of members) if (classes[p] === PAPER) classes[p] = FAINT;
  });
  return { width, height, paperLevel, inkLevel, classes, contentPixels, borderPixels };
}

/** Spread between the strongest and weakest channel. */
export function chroma(r: number, g: number, b: number): number {
  const max = r > g ? (r > b ? r : b) : g > b ? g : b;
  const min = r < g ? (r < b ? r : b) : g < b ? g : b;
  return max - min;
}

/** Marks pixels within `radius` (Chebyshev distance) of a pixel of class `kind`. */
export function dilate(classes: Uint8Array, width: number, height: number, kind: number, radius: number): Uint8Array {
  const rows = new Uint8Array(classes.length);
  for (let y = 0; y < height; y++) {
    let last = -Infinity;
    for (let x = 0; x < width; x++) {
      if (classes[y * width + x] === kind) last = x;
      if (x - last <= radius) rows[y * width + x] = 1;
    }
    last = Infinity;
    for (let x = width - 1; x >= 0; x--) {
      if (classes[y * width + x] === kind) last = x;
      if (last - x <= radius) rows[y * width + x] = 1;
    }
  }
  const out = new Uint8Array(classes.length);
  for (let x = 0; x < width; x++) {
    let last = -Infinity;
    for (let y = 0; y < height; y++) {
      if (rows[y * width + x]) last = y;
      if (y - last <= radius) out[y * width + x] = 1;
    }
    last = Infinity;
    for (let y = height - 1; y >= 0; y--) {
      if (rows[y * width + x]) last = y;
      if (last - y <= radius) out[y * width + x] = 1;
    }
  }
  return out;
}

/** Calls `found` once per 8-connected component of pixels in `inside`, with its pixels and how many lie on the image edge. */
function label(
  width: number,
  height: number,
  inside: (p: number) => boolean,
  found: (members: number[], edgeContact: number) => void,
): void {
  const seen = new Uint8Array(width * height);
  const stack = new Int32Array(width * height);
  const members: number[] = [];
  for (let start = 0; start < seen.length; start++) {
    if (seen[start] || !inside(start)) continue;
    members.length = 0;
    let top = 0;
    let contact = 0;
    stack[top++] = start;
    seen[start] = 1;
    while (top > 0) {
      const p = stack[--top]!;
      members.push(p);
      const x = p % width;
      const y = (p - x) / width;
      if (x === 0 || y === 0 || x === width - 1 || y === height - 1) contact++;
      const yEnd = y < height - 1 ? y + 1 : y;
      const xEnd = x < width - 1 ? x + 1 : x;
      for (let ny = y > 0 ? y - 1 : y; ny <= yEnd; ny++) {
        for (let nx = x > 0 ? x - 1 : x; nx <= xEnd; nx++) {
          const q = ny * width + nx;
          if (!seen[q] && inside(q)) {
            seen[q] = 1;
            stack[top++] = q;
          }
        }
      }
    }
    found(members, contact);
  }
}

/** The longer side of the members' bounding box. */
function extent(members: number[], width: number): number {
  let left = Infinity;
  let right = -Infinity;
  let top = Infinity;
  let bottom = -Infinity;
  for (const p of members) {
    const x = p % width;
    const y = (p - x) / width;
    if (x < left) left = x;
    if (x > right) right = x;
    if (y < top) top = y;
    if (y > bottom) bottom = y;
  }
  return (right - left > bottom - top ? right - left : bottom - top) + 1;
}

function percentile(values: Uint8Array, fraction: number): number {
  const histogram = new Uint32Array(256);
  for (const v of values) histogram[v]!++;
  const target = fraction * values.length;
  let seen = 0;
  for (let level = 0; level < 256; level++) {
    seen += histogram[level]!;
    if (seen >= target) return level;
  }
  return 255;
}
