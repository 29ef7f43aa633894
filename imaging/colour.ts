import { BORDER, chroma, type InkMap } from './ink';
import type { SourceImage } from './source';

/**
 * 'colour' when the pixels carry colour, whatever the file's encoding; 'bilevel' for a lineart scan
 * stored at one bit per pixel; 'grey' otherwise (including a colour-encoded scan of a black-and-white page).
 */
export type ColourMode = 'colour' | 'grey' | 'bilevel';

/** Channels further apart than this are colour, not the sensor noise of a grey page. */
const MIN_CHROMA = 48;
/** Colour when at least this fraction of the page is chromatic: 0.02 % is about 12 mm² of A4. */
const MIN_CHROMATIC_FRACTION = 0.0002;

export function colourMode(chromatic: boolean, source: Pick<SourceImage, 'oneBit'>): ColourMode {
  return chromatic ? 'colour' : source.oneBit ? 'bilevel' : 'grey';
}

export interface ColourCount {
  chromatic: boolean;
  /** Fraction of the page (border excluded) in strong red: seal paste, red ink, red letterheads. */
  redRatio: number;
}

export function countColour(rgb: Uint8Array, ink: InkMap): ColourCount {
  let chromaticPixels = 0;
  let redPixels = 0;
  for (let p = 0, i = 0; p < ink.classes.length; p++, i += 3) {
    if (ink.classes[p] === BORDER) continue;
    const r = rgb[i]!;
    const g = rgb[i + 1]!;
    const b = rgb[i + 2]!;
    const spread = chroma(r, g, b);
    if (spread < MIN_CHROMA) continue;
    chromaticPixels++;
    if (isStrongRed(r, g, b, spread)) redPixels++;
  }
  const pagePixels = Math.max(1, ink.classes.length - ink.borderPixels);
  return { chromatic: chromaticPixels / pagePixels >= MIN_CHROMATIC_FRACTION, redRatio: redPixels / pagePixels };
}

/**
 * Red is the dominant channel, saturated, with a hue within 25° of pure red either side: vermilion
 * seal paste (about 5°) and crimson ink pass, brown stains and orange highlighter (27° and more) do not.
 */
function isStrongRed(r: number, g: number, b: number, spread: number): boolean {
  if (r < 100 || r < g || r < b || spread < 0.3 * r) return false;
  const hue = (60 * (g - b)) / spread;
  return hue > -25 && hue < 25;
}
