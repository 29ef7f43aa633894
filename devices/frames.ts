import type { TextDecoder } from 'node:util';

/** Cuts a byte stream from a barcode reader into suffix-terminated frames. */
export class FrameSplitter {
  private pending = Buffer.alloc(0);

  constructor(
    private readonly suffix: Buffer,
    private readonly maxFrameBytes: number,
  ) {}

  /** Complete frames in arrival order, and whether bytes beyond the frame limit were thrown away. */
  push(chunk: Buffer): { frames: Buffer[]; overflowed: boolean } {
    const frames: Buffer[] = [];
    let overflowed = false;
    let data = Buffer.concat([this.pending, chunk]);
    for (let at = data.indexOf(this.suffix); at >= 0; at = data.indexOf(this.suffix)) {
      if (at > this.maxFrameBytes) overflowed = true;
      else frames.push(data.subarray(0, at));
      data = data.subarray(at + this.suffix.length);
    }
    if (data.length > this.maxFrameBytes) overflowed = true;
    this.pending = data.length > this.maxFrameBytes ? Buffer.alloc(0) : Buffer.from(data);
    return { frames, overflowed };
  }
}

// Readers and lines add stray whitespace, CR/LF from a mismatched suffix, NUL on power-up, STX/ETX framing.
// Interior control characters stay: GS1 codes use GS (0x1D) as a field separator.
const EDGE_NOISE = /^[\s\p{Cc}]+|[\s\p{Cc}]+$/gu;

export function frameText(frame: Buffer, decoder: TextDecoder): string {
  return decoder.decode(frame).replace(/\0/g, '').replace(EDGE_NOISE, '');
}
