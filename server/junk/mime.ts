import { type CharsetOptions, decodeCharset } from '../mail/mime/charset';
import { decodeEncodedWords } from '../mail/mime/encoded-words';
import { headerFieldLines } from '../mail/mime/header';
import { parameterMap, parameterizedField } from '../mail/mime/parameters';
import { decodeBase64, decodeQuotedPrintable } from '../mail/mime/transfer';
import { type MimeNode, parseMime } from '../mail/mime/tree';

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
function headerFields(text: string): HeaderField[] {
  const fields: HeaderField[] = [];
  for (const { name, lines } of headerFieldLines(text)) {
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

/** Parses a message into its part tree (the one MIME parser, with the junk filter's tighter bounds). */
export function parseMessage(buf: Buffer): MimePart {
  return toPart(buf, parseMime(buf, { maxParts: MAX_PARTS, maxDepth: MAX_DEPTH, countLines: false, contentFieldsOnly: true }));
}

function toPart(buf: Buffer, node: MimeNode): MimePart {
  const headers = headerFields(buf.toString('latin1', node.hs, node.bs));
  const cd = parameterizedField(headerValue(headers, 'content-disposition') ?? '', JUNK_TEXT);
  // The tree fills in RFC 2045's default charset; the tokenizer counts only what a sender wrote.
  const params = node.defaulted ? new Map<string, string>() : parameterMap(node.params, JUNK_TEXT);
  const children = node.children ?? (node.message ? [node.message] : []);
  return {
    headers,
    type: `${node.type}/${node.subtype}`.toLowerCase(),
    params,
    encoding: (headerValue(headers, 'content-transfer-encoding') ?? '7bit').trim().toLowerCase(),
    disposition: cd.value,
    filename: decodeEncodedWords(cd.params.get('filename') ?? params.get('name') ?? '', JUNK_TEXT),
    body: buf.subarray(node.bs, node.be),
    children: children.map((child) => toPart(buf, child)),
  };
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
