import { decodeText, headerEnd, parseContentType, parseHeaderBlock, type HeaderField } from './headers';

/** A MIME part as the body test sees it (RFC 5173): its type and decoded content. */
export interface BodyPart {
  /** "type/subtype", lower case. */
  type: string;
  /** Decoded text (transfer encoding undone; text/* converted from its charset). */
  text: string;
}

const MAX_PARTS = 500;
const MAX_DEPTH = 20;

function decodeTransfer(body: Buffer, encoding: string | undefined): Buffer {
  const enc = (encoding ?? '').trim().toLowerCase();
  if (enc === 'base64') return Buffer.from(body.toString('latin1').replace(/[^A-Za-z0-9+/=]/g, ''), 'base64');
  if (enc === 'quoted-printable') {
    const s = body.toString('latin1').replace(/=\r?\n/g, '');
    const out: number[] = [];
    for (let i = 0; i < s.length; i++) {
      if (s[i] === '=' && /^[0-9A-Fa-f]{2}$/.test(s.slice(i + 1, i + 3))) {
        out.push(parseInt(s.slice(i + 1, i + 3), 16));
        i += 2;
      } else out.push(s.charCodeAt(i) & 0xff);
    }
    return Buffer.from(out);
  }
  return body;
}

function field(fields: HeaderField[], name: string): string | undefined {
  return fields.find((f) => f.name === name)?.raw.trim();
}

/**
 * A line without its line break and trailing blanks. Written as a loop: /[ \t]+$/ is quadratic on a
 * long run of blanks that is not at the end, and the sender decides what the lines hold.
 */
function trimLineEnd(line: string): string {
  let end = line.length;
  if (end > 0 && line.charCodeAt(end - 1) === 0x0a) end--;
  if (end > 0 && line.charCodeAt(end - 1) === 0x0d) end--;
  while (end > 0 && (line.charCodeAt(end - 1) === 0x20 || line.charCodeAt(end - 1) === 0x09)) end--;
  return end === line.length ? line : line.slice(0, end);
}

/** Splits a multipart body at its boundary: the parts, and the text outside them (prologue + epilogue). */
function splitMultipart(body: Buffer, boundary: string): { parts: Buffer[]; outside: Buffer } {
  const text = body.toString('latin1');
  const delim = '--' + boundary;
  const lines = text.split(/(?<=\n)/);
  const parts: Buffer[] = [];
  let outside = '';
  let cur: string | undefined;
  let closed = false;
  for (const line of lines) {
    const bare = trimLineEnd(line);
    if (!closed && bare === delim) {
      if (cur !== undefined) parts.push(Buffer.from(cur.replace(/\r?\n$/, ''), 'latin1'));
      cur = '';
      continue;
    }
    if (!closed && bare === delim + '--') {
      if (cur !== undefined) parts.push(Buffer.from(cur.replace(/\r?\n$/, ''), 'latin1'));
      cur = undefined;
      closed = true;
      continue;
    }
    if (cur === undefined) outside += line;
    else cur += line;
  }
  if (cur !== undefined) parts.push(Buffer.from(cur, 'latin1'));
  return { parts, outside: Buffer.from(outside, 'latin1') };
}

/** Walks the MIME tree of a message and returns every leaf part (and multipart prologue/epilogue text). */
export function extractBodyParts(raw: Buffer): BodyPart[] {
  const out: BodyPart[] = [];
  const { headerLength, bodyStart } = headerEnd(raw);
  const top = parseHeaderBlock(raw.subarray(0, headerLength).toString('latin1'));
  walk(top, raw.subarray(bodyStart), 'text/plain', 0);
  return out;

  function walk(fields: HeaderField[], body: Buffer, fallback: string, depth: number): void {
    if (out.length >= MAX_PARTS || depth > MAX_DEPTH) return;
    const ct = parseContentType(field(fields, 'content-type'), fallback);
    if (ct.type.startsWith('multipart/') && ct.params.get('boundary')) {
      const { parts, outside } = splitMultipart(body, ct.params.get('boundary') ?? '');
      out.push({ type: ct.type, text: outside.toString('utf8') });
      const childDefault = ct.type === 'multipart/digest' ? 'message/rfc822' : 'text/plain';
      for (const p of parts) {
        const h = headerEnd(p);
        walk(parseHeaderBlock(p.subarray(0, h.headerLength).toString('latin1')), p.subarray(h.bodyStart), childDefault, depth + 1);
      }
      return;
    }
    const decoded = decodeTransfer(body, field(fields, 'content-transfer-encoding'));
    if (ct.type === 'message/rfc822') {
      out.push({ type: ct.type, text: decoded.toString('utf8') });
      const h = headerEnd(decoded);
      walk(parseHeaderBlock(decoded.subarray(0, h.headerLength).toString('latin1')), decoded.subarray(h.bodyStart), 'text/plain', depth + 1);
      return;
    }
    const text = ct.type.startsWith('text/') ? decodeText(decoded, ct.params.get('charset')) : decoded.toString('latin1');
    out.push({ type: ct.type, text });
  }
}

/** Does a part's type match a :content type ("text", "text/plain", or "" for everything)? */
export function contentTypeMatches(partType: string, wanted: string): boolean {
  const w = wanted.trim().toLowerCase();
  if (w === '') return true;
  if (w.includes('/')) return partType === w;
  return partType.slice(0, partType.indexOf('/')) === w;
}
