import { readable, type SourceImage } from './source';

/**
 * Every measure is taken on a copy whose long side is this many pixels: about 85 dpi for an A4
 * page, whatever it was scanned at, so thresholds mean the same physical thing at 200 and 300 dpi.
 */
export const ANALYSIS_LONG_SIDE = 1000;

export interface AnalysisCopy {
  width: number;
  height: number;
  /** Analysis pixels per source pixel. */
  scale: number;
  rgb: Uint8Array;
  /** Rec. 601 luma. */
  grey: Uint8Array;
}

export async function analysisCopy(source: SourceImage): Promise<AnalysisCopy> {
  const { data, info } = await readable(
    source
      .pipeline()
      .resize({ width: ANALYSIS_LONG_SIDE, height: ANALYSIS_LONG_SIDE, fit: 'inside', withoutEnlargement: true })
      .toColourspace('srgb')
      .removeAlpha()
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true }),
  );
  return { width: info.width, height: info.height, scale: info.width / source.width, rgb: data, grey: luma(data) };
}

export function luma(rgb: Uint8Array): Uint8Array {
  const grey = new Uint8Array(rgb.length / 3);
  for (let i = 0, j = 0; i < grey.length; i++, j += 3) grey[i] = (77 * rgb[j]! + 150 * rgb[j + 1]! + 29 * rgb[j + 2]! + 128) >> 8;
  return grey;
}
