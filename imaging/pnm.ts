import { UnreadableImageError } from './errors';

/** A binary PNM (what SANE's scanimage writes by default), unpacked to 8-bit samples. */
export interface PnmImage {
  width: number;
  height: number;
  channels: 1 | 3;
  oneBit: boolean;
  data: Buffer;
}

const MAGICS = ['P4', 'P5', 'P6'] as const;

export function isPnm(image: Buffer): boolean {
  return image.length >= 3 && MAGICS.some((m) => image.toString('latin1', 0, 2) === m) && /\s/.test(String.fromCharCode(image[2] ?? 0));
}

/** libvips as shipped with sharp reads no PNM, so the three binary variants are unpacked here. */
export function decodePnm(image: Buffer): PnmImage {
  const magic = image.toString('latin1', 0, 2) as (typeof MAGICS)[number];
  const fields = magic === 'P4' ? 2 : 3;
  const values: number[] = [];
  let at = 2;
  while (values.length < fields) {
    while (at < image.length && isSpace(image[at])) at++;
    if (image[at] === 0x23) {
      while (at < image.length && image[at] !== 0x0a && image[at] !== 0x0d) at++;
      continue;
    }
    const start = at;
    while (at < image.length && image[at]! >= 0x30 && image[at]! <= 0x39) at++;
    if (at === start) throw unreadable(`its PNM ${magic} header is malformed`);
    values.push(Number(image.toString('latin1', start, at)));
  }
  at++; // exactly one whitespace byte separates the header from the samples
  const [width = 0, height = 0, maxval = 1] = values;
  if (width < 1 || height < 1 || maxval < 1 || maxval > 65535)
    throw unreadable(`its PNM ${magic} header has impossible values ${values.join(' ')}`);

  const channels = magic === 'P6' ? 3 : 1;
  const samples = width * height * channels;
  const body = image.subarray(at);
  if (magic === 'P4') return { width, height, channels: 1, oneBit: true, data: unpackBits(body, width, height) };

  const bytesPerSample = maxval > 255 ? 2 : 1;
  if (body.length < samples * bytesPerSample)
    throw unreadable(`the PNM ${magic} is truncated: ${body.length} of ${samples * bytesPerSample} sample bytes`);
  if (maxval === 255) return { width, height, channels, oneBit: false, data: Buffer.from(body.subarray(0, samples)) };
  const data = Buffer.allocUnsafe(samples);
  for (let i = 0; i < samples; i++) {
    const v = bytesPerSample === 2 ? body.readUInt16BE(i * 2) : body[i]!;
    data[i] = Math.round((v * 255) / maxval);
  }
  return { width, height, channels, oneBit: false, data };
}

function unpackBits(body: Buffer, width: number, height: number): Buffer {
  const rowBytes = Math.ceil(width / 8);
  if (body.length < rowBytes * height) throw unreadable(`the PNM P4 is truncated: ${body.length} of ${rowBytes * height} bytes`);
  const data = Buffer.allocUnsafe(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      // In P4 a set bit is black.
      data[y * width + x] = (body[y * rowBytes + (x >> 3)]! >> (7 - (x & 7))) & 1 ? 0 : 255;
    }
  }
  return data;
}

function isSpace(byte: number | undefined): boolean {
  return byte === 0x20 || byte === 0x09 || byte === 0x0a || byte === 0x0d || byte === 0x0b || byte === 0x0c;
}

function unreadable(reason: string): UnreadableImageError {
  return new UnreadableImageError(`the page image cannot be decoded: ${reason}`);
}
