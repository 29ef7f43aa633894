import { BarcodeInputError } from './errors';
import type { BarcodeScan } from './types';

export interface WedgeOptions {
  /** What the reader types after each code. Enter arrives as CR, LF or CRLF depending on browser and OS; all three count. */
  suffix?: '\n' | '\r' | '\r\n' | '\t';
  readerId?: string;
  at?: Date;
  maxCodeLength?: number;
  maxInputLength?: number;
}

const CONTROL = /[\p{Cc}\u2028\u2029]/u;

/**
 * The codes in text a keyboard-wedge reader typed into a browser field. A last code without its suffix is still a
 * code: the form was submitted by the Enter that followed it.
 */
export function parseWedgeInput(text: unknown, options: WedgeOptions = {}): BarcodeScan[] {
  const readerId = options.readerId ?? 'keyboard-wedge';
  const maxCode = options.maxCodeLength ?? 512;
  const maxInput = options.maxInputLength ?? 16_384;
  const reject = (message: string) => new BarcodeInputError(readerId, message);

  if (typeof text !== 'string') throw reject(`Barcode input must be text, got ${text === null ? 'null' : typeof text}`);
  if (text.length > maxInput) throw reject(`Barcode input is ${text.length} characters long; at most ${maxInput} are accepted at once`);

  const separator = options.suffix === '\t' ? /\r\n|\r|\n|\t/ : /\r\n|\r|\n/;
  const at = options.at ?? new Date();
  return text.split(separator).flatMap((piece, i) => {
    const control = CONTROL.exec(piece);
    if (control) {
      const code = (control[0].codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0');
      throw reject(
        `Line ${i + 1} of the barcode input contains the control character U+${code} at position ${control.index + 1}: set the reader to send plain text followed by Enter`,
      );
    }
    const code = piece.trim();
    if (code.length > maxCode)
      throw reject(`Line ${i + 1} of the barcode input is ${code.length} characters long; at most ${maxCode} are accepted`);
    return code ? [{ text: code, readerId, at }] : [];
  });
}
