import type { Where } from './failure';

export function segmentsOf(path: string): string[] {
  return path.split('/');
}

export function isRecordMetadataPath(path: string): boolean {
  const s = segmentsOf(path);
  return s.length === 4 && s[0] === 'data' && s[1] === 'records' && s[3] === 'metadata.xml';
}

export function isPagePath(path: string): boolean {
  const s = segmentsOf(path);
  return s.length === 4 && s[0] === 'data' && s[1] === 'records' && s[3] !== 'metadata.xml';
}

export function codeOfPath(path: string): string | undefined {
  const s = segmentsOf(path);
  return s[0] === 'data' && s[1] === 'records' && s.length >= 3 ? s[2] : undefined;
}

export function at(path: string): Where {
  const archivalCode = codeOfPath(path);
  return archivalCode === undefined ? { file: path } : { archivalCode, file: path };
}
