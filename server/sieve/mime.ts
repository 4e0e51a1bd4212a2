import { decodeCharset } from '../mail/mime/charset';
import { headerValue } from '../mail/mime/header';
import { parameterMap } from '../mail/mime/parameters';
import { decodeTransfer } from '../mail/mime/transfer';
import { type MimeNode, parseMime } from '../mail/mime/tree';

/** A MIME part as the body test sees it (RFC 5173): its type and decoded content. */
export interface BodyPart {
  /** "type/subtype", lower case. */
  type: string;
  /** Decoded text (transfer encoding undone; text/* converted from its charset). */
  text: string;
}

const MAX_PARTS = 500;
const MAX_DEPTH = 20;

/**
 * Every leaf part of a message in order, with the text around the parts of each multipart
 * (preamble and epilogue) as a part of the multipart's type, and an encapsulated message both
 * whole and walked into, even when it is transfer-encoded (the body test reads decoded text).
 */
export function extractBodyParts(raw: Buffer): BodyPart[] {
  const out: BodyPart[] = [];
  walk(raw, parseMime(raw, { maxParts: MAX_PARTS, maxDepth: MAX_DEPTH, countLines: false, contentFieldsOnly: true }), 0);
  return out;

  function walk(buf: Buffer, node: MimeNode, depth: number): void {
    if (out.length >= MAX_PARTS || depth > MAX_DEPTH) return;
    const type = `${node.type}/${node.subtype}`.toLowerCase();
    if (node.children && node.outside) {
      const [preambleEnd, epilogueStart] = node.outside;
      const outside = Buffer.concat([buf.subarray(node.bs, preambleEnd), buf.subarray(epilogueStart, node.be)]);
      out.push({ type, text: outside.toString('utf8') });
      for (const child of node.children) walk(buf, child, depth + 1);
      return;
    }
    const decoded = decodeTransfer(buf.subarray(node.bs, node.be), headerValue(node.fields, 'content-transfer-encoding'));
    if (type === 'message/rfc822') {
      out.push({ type, text: decoded.toString('utf8') });
      if (node.message) walk(buf, node.message, depth + 1);
      else if (depth < MAX_DEPTH) walk(decoded, parseMime(decoded, { maxParts: MAX_PARTS - out.length, maxDepth: MAX_DEPTH - depth - 1, countLines: false, contentFieldsOnly: true }), depth + 1);
      return;
    }
    const text = node.type.toLowerCase() === 'text' ? decodeCharset(decoded, parameterMap(node.params).get('charset')) : decoded.toString('latin1');
    out.push({ type, text });
  }
}

/** Does a part's type match a :content type ("text", "text/plain", or "" for everything)? */
export function contentTypeMatches(partType: string, wanted: string): boolean {
  const w = wanted.trim().toLowerCase();
  if (w === '') return true;
  if (w.includes('/')) return partType === w;
  return partType.slice(0, partType.indexOf('/')) === w;
}
