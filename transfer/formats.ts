export const DEFAULT_ALLOWED_FORMATS = ['jpeg', 'tiff', 'png', 'jp2'];

export type ContentKind =
  | 'jpeg'
  | 'png'
  | 'tiff'
  | 'jp2'
  | 'gif'
  | 'bmp'
  | 'pdf'
  | 'xml'
  | 'zip'
  | 'gzip'
  | 'rar'
  | '7z'
  | 'elf'
  | 'pe'
  | 'mach-o'
  | 'script'
  | 'unknown';

const SIGNATURES: [ContentKind, number[]][] = [
  ['jpeg', [0xff, 0xd8, 0xff]],
  ['png', [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]],
  ['tiff', [0x49, 0x49, 0x2a, 0x00]],
  ['tiff', [0x4d, 0x4d, 0x00, 0x2a]],
  ['tiff', [0x49, 0x49, 0x2b, 0x00]],
  ['tiff', [0x4d, 0x4d, 0x00, 0x2b]],
  ['jp2', [0x00, 0x00, 0x00, 0x0c, 0x6a, 0x50, 0x20, 0x20, 0x0d, 0x0a, 0x87, 0x0a]],
  ['gif', [0x47, 0x49, 0x46, 0x38]],
  ['bmp', [0x42, 0x4d]],
  ['pdf', [0x25, 0x50, 0x44, 0x46]],
  ['xml', [0x3c, 0x3f, 0x78, 0x6d, 0x6c]],
  ['xml', [0xef, 0xbb, 0xbf, 0x3c, 0x3f, 0x78, 0x6d, 0x6c]],
  ['zip', [0x50, 0x4b, 0x03, 0x04]],
  ['gzip', [0x1f, 0x8b]],
  ['rar', [0x52, 0x61, 0x72, 0x21]],
  ['7z', [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c]],
  ['elf', [0x7f, 0x45, 0x4c, 0x46]],
  ['pe', [0x4d, 0x5a]],
  ['mach-o', [0xfe, 0xed, 0xfa, 0xce]],
  ['mach-o', [0xfe, 0xed, 0xfa, 0xcf]],
  ['mach-o', [0xce, 0xfa, 0xed, 0xfe]],
  ['mach-o', [0xcf, 0xfa, 0xed, 0xfe]],
  ['mach-o', [0xca, 0xfe, 0xba, 0xbe]],
  ['script', [0x23, 0x21]],
  ['xml', [0x3c]],
];

export const EXECUTABLE = new Set<ContentKind>(['elf', 'pe', 'mach-o', 'script']);
export const CONTAINERS = new Set<ContentKind>(['zip', 'gzip', 'rar', '7z', 'pdf']);

export const FORMAT_EXTENSIONS: Record<string, string[]> = {
  jpeg: ['jpg', 'jpeg'],
  png: ['png'],
  tiff: ['tif', 'tiff'],
  jp2: ['jp2'],
  gif: ['gif'],
  bmp: ['bmp'],
  pdf: ['pdf'],
  xml: ['xml'],
};

export function detectFormat(bytes: Buffer): ContentKind {
  const match = SIGNATURES.find(([, magic]) => magic.every((b, i) => bytes[i] === b));
  return match ? match[0] : 'unknown';
}

/** Compression schemes of TIFF 6.0 and its common deflate tag; anything else needs a vendor's decoder. */
export const OPEN_TIFF_COMPRESSIONS = new Set([1, 2, 3, 4, 5, 7, 8, 32773, 32946]);

export function tiffCompression(bytes: Buffer): number | undefined {
  if (bytes.length < 8 || bytes[2] === 0x2b || bytes[3] === 0x2b) return undefined;
  const le = bytes[0] === 0x49;
  const u16 = (at: number) => (le ? bytes.readUInt16LE(at) : bytes.readUInt16BE(at));
  const ifd = le ? bytes.readUInt32LE(4) : bytes.readUInt32BE(4);
  if (ifd + 2 > bytes.length) return undefined;
  for (let i = 0, n = u16(ifd); i < n && ifd + 2 + i * 12 + 12 <= bytes.length; i++) {
    const entry = ifd + 2 + i * 12;
    if (u16(entry) === 259) return u16(entry + 8);
  }
  return 1;
}

export function extensionOf(fileName: string): string {
  const dot = fileName.lastIndexOf('.');
  return dot < 0 ? '' : fileName.slice(dot + 1).toLowerCase();
}
