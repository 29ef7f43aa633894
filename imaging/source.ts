import sharp, { type Sharp } from 'sharp';
import { UnreadableImageError } from './errors';
import { decodePnm, isPnm } from './pnm';

/**
 * A decodable page image: its size as displayed (EXIF orientation applied) and a way to read its
 * pixels. Of a multi-page TIFF only the first page is read: a page is one image.
 */
export interface SourceImage {
  width: number;
  height: number;
  format: string;
  /** From the file's own resolution tags; null when it records none. */
  dpi: number | null;
  /** Stored with one bit per pixel, so bilevel whatever resampling later makes of it. */
  oneBit: boolean;
  /** A fresh pipeline over the pixels, oriented as displayed, alpha flattened onto white paper. */
  pipeline(): Sharp;
}

/**
 * Decoding stops on errors and truncation but not on warnings: scanners and cameras write
 * harmless quirks (extra bytes after the end marker) that a strict decoder rejects.
 */
const DECODE = { failOn: 'error', autoOrient: true } as const;

export async function openImage(image: Buffer): Promise<SourceImage> {
  if (!Buffer.isBuffer(image) || image.length === 0) throw new UnreadableImageError('the page image is empty');
  if (isPnm(image)) {
    const pnm = decodePnm(image);
    const raw = { width: pnm.width, height: pnm.height, channels: pnm.channels };
    return { width: pnm.width, height: pnm.height, format: 'pnm', dpi: null, oneBit: pnm.oneBit, pipeline: () => sharp(pnm.data, { raw }) };
  }
  const meta = await readable(sharp(image, DECODE).metadata());
  if (!meta.width || !meta.height) throw new UnreadableImageError(`the page image (${meta.format}) has no size`);
  // libvips reports 72 dpi for a JPEG without resolution tags; only a recorded unit makes the density real. For a
  // PNG it reports no unit at all, so the pHYs chunk is read here.
  const dpi = meta.format === 'png' ? pngDpi(image) : meta.density && meta.resolutionUnit ? Math.round(meta.density) : null;
  return {
    width: meta.autoOrient.width,
    height: meta.autoOrient.height,
    format: meta.format,
    dpi,
    oneBit: meta.bitsPerSample === 1,
    pipeline: () => sharp(image, DECODE).flatten({ background: '#ffffff' }),
  };
}

/** The formats a page image may come in: what scanners and document cameras write. */
export const PAGE_FORMATS = ['jpeg', 'png', 'tiff', 'pnm'] as const;

/**
 * Decodes the whole image once, small, so a file whose header reads but whose data is cut off or damaged is told
 * apart at the door, not later in a step (about 25 ms for an A4 page at 200 dpi).
 */
export async function decodesWhole(image: SourceImage): Promise<void> {
  await readable(image.pipeline().resize({ width: 256, withoutEnlargement: true }).raw().toBuffer());
}

/** Runs a decode of the caller's bytes, turning the decoder's complaint into an UnreadableImageError. */
export async function readable<T>(decoding: Promise<T>): Promise<T> {
  try {
    return await decoding;
  } catch (err) {
    if (err instanceof UnreadableImageError) throw err;
    const reason = err instanceof Error ? err.message.split('\n')[0] : String(err);
    throw new UnreadableImageError(`the page image cannot be decoded: ${reason}`, { cause: err });
  }
}

/**
 * The resolution a PNG records in its pHYs chunk (pixels per metre, as PIL and scanners write it), in dots per inch;
 * null without one, or when its unit is not the metre (unit 0 records only the pixels' aspect ratio).
 */
export function pngDpi(png: Buffer): number | null {
  // Chunks follow the 8-byte signature: length, type, data, CRC; pHYs must come before the first IDAT.
  for (let at = 8; at + 8 <= png.length;) {
    const length = png.readUInt32BE(at);
    const type = png.toString('latin1', at + 4, at + 8);
    if (type === 'IDAT' || type === 'IEND') return null;
    if (type === 'pHYs' && length === 9 && at + 17 <= png.length) {
      const perMetre = png.readUInt32BE(at + 8);
      return png[at + 16] === 1 && perMetre > 0 ? Math.round(perMetre * 0.0254) : null;
    }
    at += 12 + length;
  }
  return null;
}
