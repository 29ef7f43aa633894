import iconv from 'iconv-lite';
import type { CatalogueEncoding } from './types';

/**
 * The XML of a transfer package: written here without a dependency, and read back by a strict parser
 * that accepts only what such a package needs (no DOCTYPE, so no entity expansion from a hostile package).
 */
export class XmlError extends Error {
  override name = 'XmlError';
}

export type XmlContent = string | number | XmlElement[] | undefined;

export interface XmlElement {
  name: string;
  attrs: Record<string, string | number | undefined>;
  content: XmlContent;
}

export function el(name: string, content?: XmlContent, attrs: XmlElement['attrs'] = {}): XmlElement {
  return { name, attrs, content };
}

/** An element only when the value is there: optional metadata is left out rather than written empty. */
export function optional(name: string, value: string | number | undefined): XmlElement[] {
  return value === undefined ? [] : [el(name, value)];
}

export function renderXml(root: XmlElement, encoding: CatalogueEncoding = 'UTF-8'): Buffer {
  const text = `<?xml version="1.0" encoding="${encoding}"?>\n${renderElement(root, '')}\n`;
  return encoding === 'GB18030' ? iconv.encode(text, 'gb18030') : Buffer.from(text, 'utf8');
}

function renderElement(e: XmlElement, indent: string): string {
  const attrs = Object.entries(e.attrs)
    .filter((a): a is [string, string | number] => a[1] !== undefined)
    .map(([k, v]) => ` ${k}="${escapeAttribute(String(v))}"`)
    .join('');
  const { content } = e;
  if (content === undefined || content === '' || (Array.isArray(content) && content.length === 0)) return `${indent}<${e.name}${attrs}/>`;
  if (!Array.isArray(content)) return `${indent}<${e.name}${attrs}>${escapeText(String(content))}</${e.name}>`;
  const inner = content.map((c) => renderElement(c, `${indent}  `)).join('\n');
  return `${indent}<${e.name}${attrs}>\n${inner}\n${indent}</${e.name}>`;
}

const TEXT_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '\r': '&#xD;' };
const ATTRIBUTE_ESCAPES: Record<string, string> = { ...TEXT_ESCAPES, '"': '&quot;', '\n': '&#xA;', '\t': '&#x9;' };

function escapeText(value: string): string {
  return escapeWith(value, TEXT_ESCAPES);
}

function escapeAttribute(value: string): string {
  return escapeWith(value, ATTRIBUTE_ESCAPES);
}

function escapeWith(value: string, escapes: Record<string, string>): string {
  let out = '';
  for (const ch of value) {
    if (!isXmlChar(ch.codePointAt(0) ?? 0))
      throw new XmlError(`character U+${(ch.codePointAt(0) ?? 0).toString(16).toUpperCase()} cannot be written in XML (in "${value}")`);
    out += escapes[ch] ?? ch;
  }
  return out;
}

/** XML 1.0 Char production; lone surrogates fail because codePointAt returns them as they are. */
function isXmlChar(cp: number): boolean {
  return (
    cp === 0x9 ||
    cp === 0xa ||
    cp === 0xd ||
    (cp >= 0x20 && cp <= 0xd7ff) ||
    (cp >= 0xe000 && cp <= 0xfffd) ||
    (cp >= 0x10000 && cp <= 0x10ffff)
  );
}

export interface XmlNode {
  name: string;
  attrs: Record<string, string>;
  children: XmlNode[];
  /** The element's own text, its children's excluded. */
  text: string;
}

export interface XmlDocument {
  root: XmlNode;
  encoding: CatalogueEncoding;
}

/** Decodes in the encoding the XML declaration names and parses; throws XmlError saying where and why. */
export function parseXml(bytes: Buffer): XmlDocument {
  const encoding = declaredEncoding(bytes);
  return { root: parseXmlText(decodeStrictly(bytes, encoding)), encoding };
}

function declaredEncoding(bytes: Buffer): CatalogueEncoding {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return 'UTF-8';
  const head = bytes.subarray(0, 200).toString('latin1');
  if (!head.startsWith('<?xml')) return 'UTF-8';
  const end = head.indexOf('?>');
  const declaration = end < 0 ? head : head.slice(0, end);
  const at = declaration.indexOf('encoding=');
  if (at < 0) return 'UTF-8';
  const quote = declaration[at + 9];
  const close = quote ? declaration.indexOf(quote, at + 10) : -1;
  if ((quote !== '"' && quote !== "'") || close < 0) throw new XmlError('the XML declaration has a malformed encoding');
  const name = declaration.slice(at + 10, close).toUpperCase();
  if (name === 'UTF-8' || name === 'UTF8') return 'UTF-8';
  if (name === 'GB18030') return 'GB18030';
  throw new XmlError(`the XML declaration names encoding ${name}; a transfer package uses UTF-8 or GB18030`);
}

function decodeStrictly(bytes: Buffer, encoding: CatalogueEncoding): string {
  if (encoding === 'UTF-8') {
    try {
      return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
    } catch {
      throw new XmlError('the bytes are not valid UTF-8');
    }
  }
  const text = iconv.decode(bytes, 'gb18030');
  // iconv-lite replaces what it cannot decode; a byte-exact round trip shows nothing was replaced.
  if (!iconv.encode(text, 'gb18030').equals(bytes)) throw new XmlError('the bytes are not valid GB18030');
  return text;
}

const PREDEFINED_ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

class Scanner {
  pos = 0;
  constructor(readonly s: string) {}

  get atEnd(): boolean {
    return this.pos >= this.s.length;
  }

  startsWith(token: string): boolean {
    return this.s.startsWith(token, this.pos);
  }

  expect(token: string, what = `"${token}"`): void {
    if (!this.startsWith(token)) this.fail(`expected ${what}`);
    this.pos += token.length;
  }

  skipSpace(): boolean {
    const start = this.pos;
    while (!this.atEnd && ' \t\n'.includes(this.s[this.pos] ?? '')) this.pos++;
    return this.pos > start;
  }

  skipPast(token: string, what: string): string {
    const end = this.s.indexOf(token, this.pos);
    if (end < 0) this.fail(`${what} is not closed`);
    const inner = this.s.slice(this.pos, end);
    this.pos = end + token.length;
    return inner;
  }

  fail(message: string): never {
    const before = this.s.slice(0, this.pos);
    const line = before.split('\n').length;
    const column = this.pos - before.lastIndexOf('\n');
    throw new XmlError(`line ${line}, column ${column}: ${message}`);
  }
}

export function parseXmlText(source: string): XmlNode {
  const text = source.replace(/\r\n?/g, '\n').replace(/^\uFEFF/, '');
  for (const ch of text) {
    if (!isXmlChar(ch.codePointAt(0) ?? 0))
      throw new XmlError(`character U+${(ch.codePointAt(0) ?? 0).toString(16).toUpperCase()} is not allowed in XML`);
  }
  const sc = new Scanner(text);
  if (sc.startsWith('<?xml ')) sc.skipPast('?>', 'the XML declaration');
  skipMisc(sc);
  if (!sc.startsWith('<')) sc.fail('expected the root element');
  const root = parseElements(sc);
  skipMisc(sc);
  if (!sc.atEnd) sc.fail('content after the root element');
  return root;
}

function skipMisc(sc: Scanner): void {
  for (;;) {
    sc.skipSpace();
    if (sc.startsWith('<!--')) skipComment(sc);
    else if (sc.startsWith('<!')) sc.fail('DOCTYPE and markup declarations are not accepted');
    else if (sc.startsWith('<?')) skipProcessingInstruction(sc);
    else return;
  }
}

function skipComment(sc: Scanner): void {
  sc.pos += 4;
  const body = sc.skipPast('-->', 'a comment');
  if (body.includes('--')) sc.fail('"--" inside a comment');
}

function skipProcessingInstruction(sc: Scanner): void {
  sc.pos += 2;
  const target = readName(sc);
  if (target.toLowerCase() === 'xml') sc.fail('an XML declaration is allowed only at the very start');
  sc.skipPast('?>', 'a processing instruction');
}

/** Iterative, so a deeply nested hostile document cannot exhaust the stack. */
function parseElements(sc: Scanner): XmlNode {
  const open: XmlNode[] = [];
  for (;;) {
    const { node, selfClosed } = readStartTag(sc);
    const parent = open[open.length - 1];
    if (parent) parent.children.push(node);
    if (!selfClosed) open.push(node);
    else if (!parent) return node;
    for (;;) {
      const top = open[open.length - 1];
      if (!top) return node;
      if (sc.atEnd) sc.fail(`<${top.name}> is not closed`);
      if (sc.startsWith('</')) {
        sc.pos += 2;
        const name = readName(sc);
        if (name !== top.name) sc.fail(`</${name}> closes <${top.name}>`);
        sc.skipSpace();
        sc.expect('>');
        open.pop();
        if (open.length === 0) return top;
      } else if (sc.startsWith('<!--')) skipComment(sc);
      else if (sc.startsWith('<![CDATA[')) {
        sc.pos += 9;
        top.text += sc.skipPast(']]>', 'a CDATA section');
      } else if (sc.startsWith('<?')) skipProcessingInstruction(sc);
      else if (sc.startsWith('<!')) sc.fail('markup declarations are not accepted inside an element');
      else if (sc.startsWith('<')) break;
      else top.text += readText(sc);
    }
  }
}

function readStartTag(sc: Scanner): { node: XmlNode; selfClosed: boolean } {
  sc.expect('<');
  const node: XmlNode = { name: readName(sc), attrs: {}, children: [], text: '' };
  for (;;) {
    const spaced = sc.skipSpace();
    if (sc.startsWith('/>')) {
      sc.pos += 2;
      return { node, selfClosed: true };
    }
    if (sc.startsWith('>')) {
      sc.pos += 1;
      return { node, selfClosed: false };
    }
    if (!spaced) sc.fail(`expected whitespace, ">" or "/>" in <${node.name}>`);
    const name = readName(sc);
    sc.skipSpace();
    sc.expect('=');
    sc.skipSpace();
    if (name in node.attrs) sc.fail(`attribute ${name} appears twice in <${node.name}>`);
    node.attrs[name] = readAttributeValue(sc);
  }
}

function readName(sc: Scanner): string {
  const start = sc.pos;
  while (!sc.atEnd && isNameChar(sc.s.charCodeAt(sc.pos), sc.pos === start)) sc.pos++;
  if (sc.pos === start) sc.fail('expected a name');
  return sc.s.slice(start, sc.pos);
}

function isNameChar(code: number, first: boolean): boolean {
  const letter = (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code === 95 || code === 58 || code >= 0x80;
  return letter || (!first && ((code >= 48 && code <= 57) || code === 45 || code === 46));
}

function readAttributeValue(sc: Scanner): string {
  const quote = sc.s[sc.pos];
  if (quote !== '"' && quote !== "'") sc.fail('expected a quoted attribute value');
  sc.pos++;
  let value = '';
  for (;;) {
    if (sc.atEnd) sc.fail('an attribute value is not closed');
    const ch = sc.s[sc.pos] ?? '';
    if (ch === quote) break;
    if (ch === '<') sc.fail('"<" inside an attribute value');
    if (ch === '&') value += readReference(sc);
    else {
      // XML attribute-value normalisation: literal whitespace becomes a space, character references survive.
      value += ch === '\t' || ch === '\n' ? ' ' : ch;
      sc.pos++;
    }
  }
  sc.pos++;
  return value;
}

function readText(sc: Scanner): string {
  let text = '';
  while (!sc.atEnd && !sc.startsWith('<')) {
    if (sc.startsWith(']]>')) sc.fail('"]]>" in text');
    if (sc.startsWith('&')) text += readReference(sc);
    else text += sc.s[sc.pos++];
  }
  return text;
}

function readReference(sc: Scanner): string {
  const start = sc.pos;
  const end = sc.s.indexOf(';', start);
  if (end < 0 || end - start > 12) sc.fail('an "&" that starts no reference');
  const name = sc.s.slice(start + 1, end);
  let value: string | undefined;
  if (name.startsWith('#')) {
    const hex = name.startsWith('#x');
    const digits = name.slice(hex ? 2 : 1);
    const valid = digits.length > 0 && [...digits].every((d) => (hex ? '0123456789abcdefABCDEF' : '0123456789').includes(d));
    const cp = valid ? parseInt(digits, hex ? 16 : 10) : NaN;
    if (Number.isNaN(cp) || !isXmlChar(cp)) sc.fail(`&${name}; is not a character XML allows`);
    value = String.fromCodePoint(cp);
  } else value = PREDEFINED_ENTITIES[name];
  if (value === undefined) sc.fail(`unknown entity &${name};`);
  sc.pos = end + 1;
  return value;
}

export function child(node: XmlNode, name: string): XmlNode | undefined {
  return node.children.find((c) => c.name === name);
}

export function children(node: XmlNode, name: string): XmlNode[] {
  return node.children.filter((c) => c.name === name);
}

export function textOf(node: XmlNode, name: string): string | undefined {
  return child(node, name)?.text;
}
