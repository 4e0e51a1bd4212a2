import { Readable } from 'node:stream';
import { headerValue } from './header';
import { type MimeNode, parseMime } from './mime-tree';

/**
 * BINARY (RFC 3516): part bodies with their Content-Transfer-Encoding undone, and the
 * conversion APPEND applies to messages that carry NUL bytes.
 */

function isWhitespace(c: number): boolean {
  return c === 0x20 || c === 0x09;
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return -1;
}

/**
 * Quoted-printable as RFC 2045 section 6.7 says: trailing whitespace on a line is
 * transport padding and goes, "=" at a line's end is a soft break, lines end in CRLF.
 * A malformed "=" is kept as it is.
 */
export function decodeQuotedPrintableBody(bytes: Buffer): Buffer {
  const out = Buffer.alloc(bytes.length + 2);
  let n = 0;
  let pos = 0;
  while (pos < bytes.length) {
    let lf = bytes.indexOf(0x0a, pos);
    const hasBreak = lf >= 0;
    if (!hasBreak) lf = bytes.length;
    let end = lf;
    if (hasBreak && end > pos && bytes[end - 1] === 0x0d) end--;
    while (end > pos && isWhitespace(bytes[end - 1])) end--;
    let soft = false;
    if (end > pos && bytes[end - 1] === 0x3d) {
      soft = true;
      end--;
    }
    for (let i = pos; i < end; i++) {
      const c = bytes[i];
      if (c === 0x3d && i + 2 < end && hexValue(bytes[i + 1]) >= 0 && hexValue(bytes[i + 2]) >= 0) {
        out[n++] = hexValue(bytes[i + 1]) * 16 + hexValue(bytes[i + 2]);
        i += 2;
      } else {
        out[n++] = c;
      }
    }
    if (hasBreak && !soft) {
      out[n++] = 0x0d;
      out[n++] = 0x0a;
    }
    pos = lf + 1;
  }
  return out.subarray(0, n);
}

/** A part body with its transfer encoding undone; undefined for an encoding we do not know (RFC 3516 UNKNOWN-CTE). */
export function decodeBody(bytes: Buffer, encoding: string | undefined): Buffer | undefined {
  switch ((encoding ?? '7bit').trim().toLowerCase()) {
    case '7bit':
    case '8bit':
    case 'binary':
      return bytes;
    case 'base64':
      return Buffer.from(bytes.toString('latin1').replace(/[^A-Za-z0-9+/]/g, ''), 'base64');
    case 'quoted-printable':
      return decodeQuotedPrintableBody(bytes);
    default:
      return undefined;
  }
}

/**
 * A literal may not carry NUL (RFC 9051 section 4.3; only BINARY's literal8 may), but a
 * message that came in by SMTP can hold some. In BODY[], RFC822 and the like each NUL goes
 * out as 0x80, as Dovecot does: the size stays the same, so RFC822.SIZE and partial
 * fetches still add up. BINARY[] sends the real bytes in a literal8. Returns `bytes`
 * itself when there is no NUL.
 */
export function withoutNul(bytes: Buffer): Buffer {
  let i = bytes.indexOf(0);
  if (i < 0) return bytes;
  const out = Buffer.from(bytes);
  for (; i >= 0; i = out.indexOf(0, i + 1)) out[i] = 0x80;
  return out;
}

/** withoutNul over a stream of chunks (large section reads); destroying it destroys the source. */
export function withoutNulStream(source: Readable): Readable {
  return Readable.from(
    (async function* () {
      try {
        for await (const chunk of source) yield withoutNul(chunk as Buffer);
      } finally {
        source.destroy();
      }
    })(),
    { objectMode: false },
  );
}

function leaves(node: MimeNode, out: MimeNode[]): void {
  if (node.children) for (const c of node.children) leaves(c, out);
  else if (node.message) leaves(node.message, out);
  else out.push(node);
}

function base64Lines(bytes: Buffer): Buffer {
  const text = bytes.toString('base64');
  const lines: string[] = [];
  for (let i = 0; i < text.length; i += 76) lines.push(text.slice(i, i + 76));
  return Buffer.from(lines.join('\r\n') + (lines.length ? '\r\n' : ''), 'latin1');
}

/**
 * A message as it is stored: parts whose bodies hold NUL bytes (sent with a literal8,
 * Content-Transfer-Encoding binary) are re-encoded as base64, so BODY[] never has to send
 * NUL in a literal; BINARY[] decodes them back to the original bytes. Other messages are
 * returned unchanged.
 */
export function storableMessage(message: Buffer): Buffer {
  if (!message.includes(0)) return message;
  const root = parseMime(message);
  const all: MimeNode[] = [];
  leaves(root, all);
  const binary = all.filter((n) => message.subarray(n.bs, n.be).includes(0));
  if (binary.length === 0) return message;
  const pieces: Buffer[] = [];
  let pos = 0;
  for (const node of binary.sort((a, b) => a.hs - b.hs)) {
    pieces.push(message.subarray(pos, node.hs));
    const fields = node.fields.filter((f) => f.name !== 'content-transfer-encoding');
    for (const f of fields) pieces.push(f.raw[f.raw.length - 1] === 0x0a ? f.raw : Buffer.concat([f.raw, Buffer.from('\r\n')]));
    pieces.push(Buffer.from('Content-Transfer-Encoding: base64\r\n\r\n'));
    const body = message.subarray(node.bs, node.be);
    const decoded = decodeBody(body, headerValue(node.fields, 'content-transfer-encoding')) ?? body;
    let encoded = base64Lines(decoded);
    // The line end before a boundary belongs to the boundary: keep the original's.
    if (node.be < message.length) encoded = encoded.subarray(0, encoded.length - 2);
    pieces.push(encoded);
    pos = node.be;
  }
  pieces.push(message.subarray(pos));
  return Buffer.concat(pieces);
}
