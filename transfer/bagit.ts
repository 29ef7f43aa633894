/** BagIt (RFC 8493) tag files: what a transfer package must be for any BagIt validator to accept it. */

export const BAGIT_TXT = 'BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n';

export const DIGEST_ALGORITHMS = ['sha256', 'sm3'] as const;
export type DigestAlgorithm = (typeof DIGEST_ALGORITHMS)[number];

export const manifestName = (algorithm: DigestAlgorithm): string => `manifest-${algorithm}.txt`;
export const tagManifestName = (algorithm: DigestAlgorithm): string => `tagmanifest-${algorithm}.txt`;

export interface ManifestEntry {
  path: string;
  digest: string;
}

/** RFC 8493 §2.1.3: a path in a manifest has CR, LF and % percent-encoded. */
export function encodeManifestPath(path: string): string {
  return path.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

export function decodeManifestPath(path: string): string {
  return path.replace(/%0D/gi, '\r').replace(/%0A/gi, '\n').replace(/%25/g, '%');
}

export function renderManifest(entries: ManifestEntry[]): Buffer {
  const lines = [...entries]
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
    .map((e) => `${e.digest}  ${encodeManifestPath(e.path)}\n`);
  return Buffer.from(lines.join(''), 'utf8');
}

export interface ParsedManifest {
  digests: Map<string, string>;
  problems: string[];
}

/** Reads `<digest> <path>` lines (one or more spaces or tabs between them; LF, CRLF or CR line ends). */
export function parseManifest(text: string, name: string): ParsedManifest {
  const digests = new Map<string, string>();
  const problems: string[] = [];
  splitLines(text).forEach((line, i) => {
    if (line.trim() === '') return;
    const match = /^([0-9A-Fa-f]+)[ \t]+(.+)$/.exec(line);
    if (!match?.[1] || !match[2]) {
      problems.push(`${name} line ${i + 1} is not "<digest> <path>": ${JSON.stringify(line)}`);
      return;
    }
    const path = decodeManifestPath(match[2].replace(/^\*/, ''));
    if (!isSafeBagPath(path)) problems.push(`${name} line ${i + 1} names a path outside the bag: ${JSON.stringify(path)}`);
    else if (digests.has(path)) problems.push(`${name} lists ${path} more than once`);
    else digests.set(path, match[1].toLowerCase());
  });
  return { digests, problems };
}

/** A relative path inside the bag: no leading "/", no "..", no backslash, no empty segment. */
export function isSafeBagPath(path: string): boolean {
  if (path === '' || path.startsWith('/') || path.includes('\\') || path.includes('\0')) return false;
  return path.split('/').every((segment) => segment !== '' && segment !== '.' && segment !== '..');
}

export type BagInfo = [label: string, value: string][];

/** bag-info.txt: one `Label: value` a line; a value's own line breaks would start a new element, so they are flattened. */
export function renderBagInfo(info: BagInfo): Buffer {
  return Buffer.from(info.map(([label, value]) => `${label}: ${value.replace(/[\r\n]+/g, ' ')}\n`).join(''), 'utf8');
}

/** Labels and their values (a label may repeat); continuation lines start with whitespace (RFC 8493 §2.2.2). */
export function parseBagInfo(text: string): Map<string, string[]> {
  const info = new Map<string, string[]>();
  let last: { label: string; index: number } | undefined;
  for (const line of splitLines(text)) {
    if (line.trim() === '') continue;
    const values = last && info.get(last.label);
    if (/^[ \t]/.test(line) && last && values) {
      values[last.index] = `${values[last.index] ?? ''} ${line.trim()}`;
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const label = line.slice(0, colon).trim();
    const list = info.get(label) ?? [];
    list.push(line.slice(colon + 1).trim());
    info.set(label, list);
    last = { label, index: list.length - 1 };
  }
  return info;
}

/** Payload-Oxum: `<octet count>.<stream count>` of the payload. */
export function payloadOxum(bytes: number, files: number): string {
  return `${bytes}.${files}`;
}

export function parsePayloadOxum(value: string): { bytes: number; files: number } | null {
  const match = /^(\d+)\.(\d+)$/.exec(value);
  return match ? { bytes: Number(match[1]), files: Number(match[2]) } : null;
}

/** Bag-Size is for people; RFC 8493 only asks that it be readable. */
export function bagSize(bytes: number): string {
  const units = ['bytes', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} bytes` : `${value.toFixed(1)} ${units[unit]}`;
}

function splitLines(text: string): string[] {
  return text.replace(/\r\n?/g, '\n').split('\n');
}
