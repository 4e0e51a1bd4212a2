import { decodeEncodedWords } from '../mail/mime/encoded-words';

/** One header field as it appears in the message, in order. */
export interface HeaderField {
  /** Lower-case name. */
  name: string;
  /** The value after the colon, unfolded (CRLF before white space removed), not yet decoded. */
  raw: string;
}

/** Where the header block ends: the offset of the first body byte (after the empty line). */
export function headerEnd(raw: Buffer): { headerLength: number; bodyStart: number } {
  for (let i = 0; i < raw.length; i++) {
    if (raw[i] !== 0x0a) continue;
    // At a line end: the next line is empty when it is "\n" or "\r\n".
    if (raw[i + 1] === 0x0a) return { headerLength: i + 1, bodyStart: i + 2 };
    if (raw[i + 1] === 0x0d && raw[i + 2] === 0x0a) return { headerLength: i + 1, bodyStart: i + 3 };
  }
  if (raw[0] === 0x0a) return { headerLength: 0, bodyStart: 1 };
  if (raw[0] === 0x0d && raw[1] === 0x0a) return { headerLength: 0, bodyStart: 2 };
  return { headerLength: raw.length, bodyStart: raw.length };
}

/** Splits a header block into fields; lines that are neither fields nor continuations are skipped. */
export function parseHeaderBlock(text: string): HeaderField[] {
  const fields: HeaderField[] = [];
  const lines = text.split(/\r?\n/);
  let current: HeaderField | undefined;
  for (const line of lines) {
    if (line === '') continue;
    if ((line[0] === ' ' || line[0] === '\t') && current) {
      current.raw += line;
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) {
      current = undefined;
      continue;
    }
    const name = line.slice(0, colon).trimEnd().toLowerCase();
    current = { name, raw: line.slice(colon + 1) };
    fields.push(current);
  }
  return fields;
}

/** The value the header test compares: unfolded, decoded, without surrounding white space. */
export function headerValue(raw: string): string {
  return decodeEncodedWords(raw.trim());
}

/** Parses "type/subtype; name=value; …" (Content-Type and the like). */
export function parseContentType(value: string | undefined, fallback: string): { type: string; params: Map<string, string> } {
  const params = new Map<string, string>();
  if (!value) return { type: fallback, params };
  const [head, ...rest] = splitParams(value);
  const type = head.trim().toLowerCase().replace(/\s+/g, '');
  for (const p of rest) {
    const eq = p.indexOf('=');
    if (eq < 0) continue;
    let v = p.slice(eq + 1).trim();
    if (v.startsWith('"') && v.endsWith('"') && v.length >= 2) v = v.slice(1, -1).replace(/\\(.)/g, '$1');
    params.set(p.slice(0, eq).trim().toLowerCase(), v);
  }
  return { type: type.includes('/') ? type : fallback, params };
}

function splitParams(value: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (c === '"') quoted = !quoted;
    if (c === '\\' && quoted) {
      cur += c + (value[i + 1] ?? '');
      i++;
      continue;
    }
    if (c === ';' && !quoted) {
      out.push(cur);
      cur = '';
      continue;
    }
    cur += c;
  }
  out.push(cur);
  return out;
}
