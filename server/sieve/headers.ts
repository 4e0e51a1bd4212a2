import { decodeEncodedWords } from '../mail/mime/encoded-words';
import { blankLineEnd, headerFieldLines } from '../mail/mime/header';

/** One header field as it appears in the message, in order. */
export interface HeaderField {
  /** Lower-case name. */
  name: string;
  /** The value after the colon, unfolded (CRLF before white space removed), not yet decoded. */
  raw: string;
}

/**
 * Where the header block ends: the offset of the first body byte (after the empty line).
 * Unlike mail/mime's splitHeader, a part that starts with an empty line takes the next
 * empty line as its header's end; the golden test (tests/mail) pins this until it is
 * decided whether the body test should change.
 */
export function headerEnd(raw: Buffer): { headerLength: number; bodyStart: number } {
  const bodyStart = blankLineEnd(raw);
  if (bodyStart >= 0) return { headerLength: bodyStart - (raw[bodyStart - 2] === 0x0d ? 2 : 1), bodyStart };
  if (raw[0] === 0x0a) return { headerLength: 0, bodyStart: 1 };
  if (raw[0] === 0x0d && raw[1] === 0x0a) return { headerLength: 0, bodyStart: 2 };
  return { headerLength: raw.length, bodyStart: raw.length };
}

/**
 * The fields of a header block as the header test reads them: the value unfolded (line
 * breaks removed) but not trimmed or decoded. `encoding` is how 8-bit bytes read: UTF-8 for
 * the message's own header, latin1 for the parts' (only their Content-* fields matter).
 */
export function headerFields(buf: Buffer, start: number, end: number, encoding: 'utf8' | 'latin1'): HeaderField[] {
  return headerFieldLines(buf.toString(encoding, start, end)).map(({ name, lines }) => {
    let raw = lines[0].slice(lines[0].indexOf(':') + 1);
    if (raw.endsWith('\r')) raw = raw.slice(0, -1);
    for (let i = 1; i < lines.length; i++) raw += lines[i].endsWith('\r') ? lines[i].slice(0, -1) : lines[i];
    return { name, raw };
  });
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
