import { decodeCharset } from '../mail/mime/charset';
import { decodeTransfer } from '../mail/mime/transfer';
import { headerEnd, headerFields, parseContentType, type HeaderField } from './headers';

/** A MIME part as the body test sees it (RFC 5173): its type and decoded content. */
export interface BodyPart {
  /** "type/subtype", lower case. */
  type: string;
  /** Decoded text (transfer encoding undone; text/* converted from its charset). */
  text: string;
}

const MAX_PARTS = 500;
const MAX_DEPTH = 20;

function field(fields: HeaderField[], name: string): string | undefined {
  return fields.find((f) => f.name === name)?.raw.trim();
}

/** The end of a part's content: the line break before its closing delimiter line belongs to the delimiter. */
function beforeLineBreak(body: Buffer, at: number, from: number): number {
  let end = at;
  if (end > from && body[end - 1] === 0x0a) {
    end--;
    if (end > from && body[end - 1] === 0x0d) end--;
  }
  return end;
}

/**
 * Splits a multipart body at its boundary: the parts, and the text outside them (prologue +
 * epilogue). A delimiter is a line "--boundary" (or "--boundary--", which closes the body), with
 * optional trailing blanks. One indexOf scan with no copying: a message nested 20 levels deep is
 * searched 20 times, not split into lines 20 times.
 */
function splitMultipart(body: Buffer, boundary: string): { parts: Buffer[]; outside: Buffer } {
  const delim = Buffer.from('--' + boundary, 'latin1');
  const parts: Buffer[] = [];
  let prologueEnd = body.length;
  let partStart = -1;
  let epilogueStart = body.length;
  let pos = 0;
  for (;;) {
    const at = body.indexOf(delim, pos);
    if (at < 0) break;
    pos = at + 1;
    if (at > 0 && body[at - 1] !== 0x0a) continue;
    let e = at + delim.length;
    const close = body[e] === 0x2d && body[e + 1] === 0x2d;
    if (close) e += 2;
    while (e < body.length && (body[e] === 0x20 || body[e] === 0x09)) e++;
    let next: number;
    if (e >= body.length) next = body.length;
    else if (body[e] === 0x0a) next = e + 1;
    else if (body[e] === 0x0d && body[e + 1] === 0x0a) next = e + 2;
    else continue;
    if (partStart >= 0) parts.push(body.subarray(partStart, Math.max(partStart, beforeLineBreak(body, at, partStart))));
    else prologueEnd = at;
    if (close) {
      epilogueStart = next;
      partStart = -1;
      break;
    }
    partStart = next;
    pos = next;
  }
  // An unterminated last part runs to the end of the body.
  if (partStart >= 0) parts.push(body.subarray(partStart));
  const outside = epilogueStart < body.length ? Buffer.concat([body.subarray(0, prologueEnd), body.subarray(epilogueStart)]) : body.subarray(0, prologueEnd);
  return { parts, outside };
}

/** Walks the MIME tree of a message and returns every leaf part (and multipart prologue/epilogue text). */
export function extractBodyParts(raw: Buffer): BodyPart[] {
  const out: BodyPart[] = [];
  const { headerLength, bodyStart } = headerEnd(raw);
  walk(headerFields(raw, 0, headerLength, 'latin1'), raw.subarray(bodyStart), 'text/plain', 0);
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
        walk(headerFields(p, 0, h.headerLength, 'latin1'), p.subarray(h.bodyStart), childDefault, depth + 1);
      }
      return;
    }
    const decoded = decodeTransfer(body, field(fields, 'content-transfer-encoding'));
    if (ct.type === 'message/rfc822') {
      out.push({ type: ct.type, text: decoded.toString('utf8') });
      const h = headerEnd(decoded);
      walk(headerFields(decoded, 0, h.headerLength, 'latin1'), decoded.subarray(h.bodyStart), 'text/plain', depth + 1);
      return;
    }
    const text = ct.type.startsWith('text/') ? decodeCharset(decoded, ct.params.get('charset')) : decoded.toString('latin1');
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
