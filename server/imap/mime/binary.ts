import { Readable } from 'node:stream';
import { decodeTransferExact } from '../../mail/mime/transfer';
import { headerValue } from '../../mail/mime/header';
import { type MimeNode, parseMime } from '../../mail/mime/tree';

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
    const decoded = decodeTransferExact(body, headerValue(node.fields, 'content-transfer-encoding')) ?? body;
    let encoded = base64Lines(decoded);
    // The line end before a boundary belongs to the boundary: keep the original's.
    if (node.be < message.length) encoded = encoded.subarray(0, encoded.length - 2);
    pieces.push(encoded);
    pos = node.be;
  }
  pieces.push(message.subarray(pos));
  return Buffer.concat(pieces);
}
