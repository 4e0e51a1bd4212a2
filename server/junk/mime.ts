import { type CharsetOptions, decodeCharset } from '../mail/mime/charset';
import { decodeEncodedWords } from '../mail/mime/encoded-words';
import { headerFieldLines, splitHeader } from '../mail/mime/header';
import { decodeBase64, decodeQuotedPrintable } from '../mail/mime/transfer';

/** Junk text keeps mislabelled 8-bit bytes one-to-one and reads CJK charsets Node lacks. */
export const JUNK_TEXT: CharsetOptions = { latin1ForAscii: true, iconv: true };

/**
 * Just enough MIME for the junk tokenizer: header fields, the part tree, transfer
 * decoding (base64, quoted-printable) and charsets. It is lenient on purpose (junk
 * mail is often malformed) and bounded (depth, part count) so a hostile message
 * cannot make scoring slow.
 */

export interface HeaderField {
  /** Lower-case field name. */
  name: string;
  /** Unfolded value, bytes read as latin1 (RFC 2047 words are not decoded here). */
  value: string;
}

export interface MimePart {
  headers: HeaderField[];
  /** Lower-case "type/subtype"; text/plain when absent (RFC 2045), message/rfc822 in digests. */
  type: string;
  params: Map<string, string>;
  /** Lower-case Content-Transfer-Encoding, "7bit" when absent. */
  encoding: string;
  disposition: string;
  filename: string;
  /** The part's body as it appears in the message (still transfer-encoded). */
  body: Buffer;
  children: MimePart[];
}

const MAX_DEPTH = 8;
const MAX_PARTS = 64;

/**
 * The fields of a header block as the tokenizer reads them: folded lines joined by one space,
 * and a "name" longer than 76 characters taken for a stray line, not a field.
 */
function headerFields(buf: Buffer, end: number): HeaderField[] {
  const fields: HeaderField[] = [];
  for (const { name, lines } of headerFieldLines(buf.toString('latin1', 0, end))) {
    const colon = lines[0].indexOf(':');
    if (colon > 76) continue;
    let value = lines[0].slice(colon + 1).trim();
    for (let i = 1; i < lines.length; i++) value += ' ' + lines[i].trim();
    fields.push({ name, value });
  }
  return fields;
}

export function headerValue(headers: HeaderField[], name: string): string | undefined {
  for (const h of headers) if (h.name === name) return h.value;
  return undefined;
}

/** "text/html; charset=x; name=y" → type and lower-cased parameter names (RFC 2231 continuations joined). */
export function parseParameterized(value: string): { value: string; params: Map<string, string> } {
  const params = new Map<string, string>();
  const semi = value.indexOf(';');
  const main = (semi < 0 ? value : value.slice(0, semi)).trim().toLowerCase();
  if (semi < 0) return { value: main, params };
  const re = /;\s*([^=\s;]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;\s]*))/g;
  let m: RegExpExecArray | null;
  re.lastIndex = semi;
  while ((m = re.exec(value))) {
    let key = m[1].toLowerCase();
    let v = m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : m[3];
    // RFC 2231: name*0*=..., name*1=..., name*=utf-8''...
    const star = /^([^*]+)\*(\d+)?\*?$/.exec(key);
    if (star) {
      key = star[1];
      const ext = /^([^']*)'[^']*'(.*)$/.exec(v);
      if (ext) v = decodeCharset(Buffer.from(ext[2].replace(/%([0-9a-f]{2})/gi, (_, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1'), ext[1], JUNK_TEXT);
      v = (params.get(key) ?? '') + v;
    }
    params.set(key, v);
  }
  return { value: main, params };
}

/** The part's body without its transfer encoding. */
export function decodeTransfer(part: MimePart): Buffer {
  if (part.encoding === 'base64') return decodeBase64(part.body, { urlSafe: true });
  if (part.encoding === 'quoted-printable') return decodeQuotedPrintable(part.body);
  return part.body;
}

/** Decoded text of a text part, in its charset. */
export function partText(part: MimePart): string {
  return decodeCharset(decodeTransfer(part), part.params.get('charset'), JUNK_TEXT);
}

/** Parses a message (or an embedded message/rfc822) into its part tree. */
export function parseMessage(buf: Buffer): MimePart {
  const counter = { parts: 0 };
  return parsePart(buf, 0, counter, '');
}

function parsePart(buf: Buffer, depth: number, counter: { parts: number }, parentType: string): MimePart {
  counter.parts++;
  const split = splitHeader(buf, 0, buf.length);
  const body = buf.subarray(split.bodyStart);
  const headers = headerFields(buf, split.headerEnd);
  const ct = parseParameterized(headerValue(headers, 'content-type') ?? '');
  let type = ct.value.includes('/') ? ct.value : parentType === 'multipart/digest' ? 'message/rfc822' : 'text/plain';
  if (type.startsWith('multipart/') && !ct.params.get('boundary')) type = 'text/plain';
  const cd = parseParameterized(headerValue(headers, 'content-disposition') ?? '');
  const part: MimePart = {
    headers,
    type,
    params: ct.params,
    encoding: (headerValue(headers, 'content-transfer-encoding') ?? '7bit').trim().toLowerCase(),
    disposition: cd.value,
    filename: decodeEncodedWords(cd.params.get('filename') ?? ct.params.get('name') ?? '', JUNK_TEXT),
    body,
    children: [],
  };
  if (depth >= MAX_DEPTH) return part;
  if (type.startsWith('multipart/')) {
    for (const child of splitMultipart(body, ct.params.get('boundary') as string)) {
      if (counter.parts >= MAX_PARTS) break;
      part.children.push(parsePart(child, depth + 1, counter, type));
    }
  } else if (type === 'message/rfc822' && part.encoding !== 'base64' && part.encoding !== 'quoted-printable') {
    part.children.push(parsePart(body, depth + 1, counter, type));
  }
  return part;
}

/** The bodies between "--boundary" delimiter lines (preamble and epilogue dropped). */
export function splitMultipart(body: Buffer, boundary: string): Buffer[] {
  const delimiter = Buffer.from('--' + boundary, 'latin1');
  const parts: Buffer[] = [];
  let start = -1;
  let pos = 0;
  while (pos <= body.length) {
    const at = body.indexOf(delimiter, pos);
    if (at < 0) break;
    const atLineStart = at === 0 || body[at - 1] === 10;
    if (!atLineStart) {
      pos = at + delimiter.length;
      continue;
    }
    if (start >= 0) {
      // The line break before the delimiter belongs to the delimiter.
      let stop = at;
      if (stop > start && body[stop - 1] === 10) stop--;
      if (stop > start && body[stop - 1] === 13) stop--;
      parts.push(body.subarray(start, stop));
    }
    const closing = body[at + delimiter.length] === 45 && body[at + delimiter.length + 1] === 45;
    if (closing) return parts;
    const eol = body.indexOf(10, at + delimiter.length);
    if (eol < 0) return parts;
    start = eol + 1;
    pos = start;
  }
  // No closing delimiter: keep what follows the last one (truncated junk mail is common).
  if (start >= 0 && start < body.length) parts.push(body.subarray(start));
  return parts;
}

/** Every leaf part, depth first. */
export function leafParts(root: MimePart): MimePart[] {
  const out: MimePart[] = [];
  const walk = (p: MimePart): void => {
    if (p.children.length === 0) out.push(p);
    else for (const c of p.children) walk(c);
  };
  walk(root);
  return out;
}
