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

function decodeCharset(bytes: Buffer, charset: string): string {
  const cs = charset.toLowerCase().split('*')[0];
  if (cs === 'utf-8' || cs === 'utf8' || cs === 'us-ascii' || cs === 'ascii') return bytes.toString('utf8');
  try {
    return new TextDecoder(cs).decode(bytes);
  } catch {
    return bytes.toString('latin1');
  }
}

export function decodeText(bytes: Buffer, charset: string | undefined): string {
  return decodeCharset(bytes, charset ?? 'utf-8');
}

function decodeQ(text: string): Buffer {
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '_') bytes.push(0x20);
    else if (c === '=' && /^[0-9a-f]{2}$/i.test(text.slice(i + 1, i + 3))) {
      bytes.push(parseInt(text.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(c.charCodeAt(0) & 0xff);
  }
  return Buffer.from(bytes);
}

const ENCODED_WORD = /=\?([^?\s]+)\?([bq])\?([^?\s]*)\?=/gi;

/** Decodes RFC 2047 encoded words; white space between two adjacent encoded words disappears. */
export function decodeMimeWords(value: string): string {
  if (!value.includes('=?')) return value;
  return value
    .replace(/(\?=)\s+(?==\?)/g, '$1')
    .replace(ENCODED_WORD, (_m, charset: string, enc: string, text: string) =>
      decodeCharset(enc.toLowerCase() === 'b' ? Buffer.from(text, 'base64') : decodeQ(text), charset),
    );
}

/** The value the header test compares: unfolded, decoded, without surrounding white space. */
export function headerValue(raw: string): string {
  return decodeMimeWords(raw.trim());
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
