/**
 * Fuzz targets for the message parsers every incoming message meets: IMAP's MIME tree (FETCH,
 * BODYSTRUCTURE, ENVELOPE, SEARCH, sections), the junk filter's parser and tokenizer, Sieve's
 * message view, and the decoders (quoted-printable, base64, charsets, encoded words, addresses).
 */
import { parseAddressList } from '../../server/mail/mime/address';
import { storableMessage } from '../../server/imap/mime/binary';
import { decodeCharset } from '../../server/mail/mime/charset';
import { decodeEncodedWords, decodeHeaderValue } from '../../server/mail/mime/encoded-words';
import { decodeQuotedPrintable, decodeQuotedPrintableLines, decodeTransfer, decodeTransferExact } from '../../server/mail/mime/transfer';
import { parseHeaderFields } from '../../server/mail/mime/header';
import { type MimeNode, parseMime } from '../../server/mail/mime/tree';
import { filterHeader, sectionRange } from '../../server/imap/mime/sections';
import { searchable } from '../../server/mail/mime/searchable';
import { baseSubject, parseHeaderDate, sortKeys } from '../../server/imap/mime/sort-keys';
import { type PartOffsets, summarize } from '../../server/imap/mime/summary';
import { JUNK_TEXT, leafParts, parseMessage, partText } from '../../server/junk/mime';
import { tokenize } from '../../server/junk/tokenizer';
import { SieveMessage } from '../../server/sieve/message';
import { atom, charset, encodedWord, hostileMessage, latin1, message, nastyChar, quoted, rawBytes, sentence } from './arbitraries';
import { type Codec, bytesCodec, check, fc, fuzz, jsonCodec } from './driver';

/**
 * Messages: generated from the MIME grammar, hostile shapes, or any bytes. A hostile shape (up to
 * 5,000 parts or 20,000 folded lines) costs 10-200 ms, a hundred times a grammar message, so it
 * comes one time in forty: still a quarter of a million of them per 10 million inputs.
 */
const messageBytes: fc.Arbitrary<Buffer> = fc.oneof(
  { weight: 30, arbitrary: message.map(latin1) },
  { weight: 1, arbitrary: hostileMessage.map(latin1) },
  { weight: 5, arbitrary: fc.uint8Array({ maxLength: 400 }).map((a) => Buffer.from(a)) },
  { weight: 4, arbitrary: fc.string({ maxLength: 200 }).map((s) => Buffer.from(s)) },
);

const SEED_MESSAGES = [
  'From: Bob <bob@example.org>\r\nTo: "Alice A." <alice@example.test>, undisclosed-recipients:;\r\nSubject: =?utf-8?Q?caf=C3=A9?= Re: Fwd: [list] hello\r\nDate: Tue, 1 Jul 2003 10:52:37 +0200\r\nMessage-ID: <1@example.org>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="=_b"\r\n\r\npreamble\r\n--=_b\r\nContent-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\ncaf=E9 =\r\nsoft\r\n--=_b\r\nContent-Type: message/rfc822\r\n\r\nSubject: inner\r\nContent-Type: text/html\r\n\r\n<p>hi</p>\r\n--=_b\r\nContent-Type: application/octet-stream; name*=utf-8\'\'%C3%A9.bin\r\nContent-Transfer-Encoding: base64\r\n\r\nAAECAwQ=\r\n--=_b--\r\nepilogue\r\n',
  'Subject: no body',
  '\r\n\r\nbody only',
].map(latin1);

/** Every node's offsets lie inside its parent's, in order. */
function checkTree(node: MimeNode, lo: number, hi: number): void {
  check(lo <= node.hs && node.hs <= node.bs && node.bs <= node.be && node.be <= hi, () => `node ${node.hs}/${node.bs}/${node.be} outside ${lo}..${hi}`);
  for (const c of node.children ?? []) checkTree(c, node.bs, node.be);
  if (node.message) checkTree(node.message, node.bs, node.be);
}

/** The IMAP syntax of a BODYSTRUCTURE/ENVELOPE string: balanced lists, closed quotes, literals of the size they say. */
function checkSexpr(s: string, what: string): void {
  let depth = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '"') {
      for (i++; i < s.length && s[i] !== '"'; i++) {
        if (s[i] === '\\') i++;
        check(s[i] !== '\r' && s[i] !== '\n', () => `${what}: a line break in a quoted string: ${JSON.stringify(s.slice(0, 300))}`);
      }
      check(i < s.length, () => `${what}: an unterminated quoted string: ${JSON.stringify(s.slice(0, 300))}`);
    } else if (c === '{') {
      const m = /^\{(\d+)\}\r\n/.exec(s.slice(i));
      check(m !== null, () => `${what}: a bad literal at ${i}: ${JSON.stringify(s.slice(i, i + 40))}`);
      i += m[0].length + Number(m[1]) - 1;
      check(i < s.length, `${what}: a literal runs past the end`);
    } else if (c === '(') depth++;
    else if (c === ')') {
      depth--;
      check(depth >= 0, () => `${what}: an unbalanced ")": ${JSON.stringify(s.slice(0, 300))}`);
    } else check(c !== '\r' && c !== '\n', () => `${what}: a bare line break outside literals: ${JSON.stringify(s.slice(0, 300))}`);
  }
  check(depth === 0, () => `${what}: unbalanced parentheses: ${JSON.stringify(s.slice(0, 300))}`);
}

function sections(tree: PartOffsets, depth = 0): number[][] {
  const out: number[][] = [[]];
  if (depth > 4) return out;
  (tree.c ?? []).forEach((c, i) => sections(c, depth + 1).forEach((p) => out.push([i + 1, ...p])));
  if (tree.m) sections(tree.m, depth + 1).forEach((p) => out.push(p.length ? p : [1]));
  return out;
}

fuzz({
  name: 'mime-imap',
  arbitrary: messageBytes,
  codec: bytesCodec,
  seeds: SEED_MESSAGES,
  // About 20 µs a part for the tree and both BODYSTRUCTUREs: 5,000 empty parts (35 KB) take 100 ms,
  // the 10,000 parts a message may have about 200 ms.
  hangMs: 500,
  run(buf) {
    const root = parseMime(buf);
    checkTree(root, 0, buf.length);
    const summary = summarize(buf);
    checkSexpr(summary.bodystructure, 'BODYSTRUCTURE');
    checkSexpr(summary.body, 'BODY');
    checkSexpr(summary.envelope, 'ENVELOPE');
    for (const path of sections(summary.tree).slice(0, 20)) {
      for (const text of [undefined, 'HEADER', 'TEXT', 'MIME'] as const) {
        const r = sectionRange(summary.tree, { path, text });
        if (r) check(0 <= r.start && r.start <= r.end && r.end <= buf.length, () => `section ${path.join('.')}${text ? '.' + text : ''} is ${r.start}..${r.end} in ${buf.length} bytes`);
      }
    }
    const header = buf.subarray(root.hs, root.bs);
    filterHeader(header, ['From', 'subject', 'X-Nope'], false);
    filterHeader(header, ['Received'], true);
    const fields = parseHeaderFields(buf, root.hs, root.bs);
    sortKeys(fields);
    searchable(buf);
    for (const f of fields.slice(0, 10)) {
      parseAddressList(f.value);
      baseSubject(f.value);
      parseHeaderDate(f.value);
      decodeHeaderValue(f.value);
    }
    storableMessage(buf);
    decodeTransferExact(buf, 'base64');
    decodeTransferExact(buf, 'quoted-printable');
  },
});

fuzz({
  name: 'mime-junk',
  arbitrary: messageBytes,
  codec: bytesCodec,
  seeds: SEED_MESSAGES,
  hangMs: 200,
  run(buf) {
    const root = parseMessage(buf);
    for (const p of leafParts(root).slice(0, 50)) partText(p);
    tokenize(buf);
  },
});

fuzz({
  name: 'mime-sieve',
  arbitrary: messageBytes,
  codec: bytesCodec,
  seeds: SEED_MESSAGES,
  hangMs: 100,
  run(buf) {
    const m = new SieveMessage(buf);
    for (const name of ['subject', 'from', 'to', 'date', 'content-type', 'x-none']) {
      m.has(name);
      m.values(name);
      m.rawValues(name);
    }
    m.addressFields('from');
    m.addressFields('to');
    m.bodyParts();
    m.rawBody();
  },
});

// ---- decoders ------------------------------------------------------------------------------------

/** Quoted-printable as an encoder writes it (RFC 2045 6.7), soft line breaks included. */
function encodeQP(bytes: Buffer): string {
  let out = '';
  let line = 0;
  for (const b of bytes) {
    const piece = (b >= 33 && b <= 126 && b !== 61) || b === 32 ? String.fromCharCode(b) : '=' + b.toString(16).toUpperCase().padStart(2, '0');
    if (line + piece.length > 75) {
      out += '=\r\n';
      line = 0;
    }
    out += piece;
    line += piece.length;
  }
  // A space at the end of a line would be taken as padding: encode it.
  return out.replace(/ (?=(=\r\n|$))/g, '=20');
}

interface DecodeInput {
  kind: 'qp-roundtrip' | 'b64-roundtrip' | 'any';
  data: string;
  charset: string;
}

const decodeCodec: Codec<DecodeInput> = jsonCodec();

fuzz({
  name: 'mime-decoders',
  arbitrary: fc.oneof(
    fc.record({ kind: fc.constant('qp-roundtrip' as const), data: rawBytes(200), charset }),
    fc.record({ kind: fc.constant('b64-roundtrip' as const), data: rawBytes(200), charset }),
    fc.record({
      kind: fc.constant('any' as const),
      data: fc.oneof(rawBytes(200), sentence(fc.oneof(encodedWord, atom, quoted, nastyChar, fc.constantFrom('=', '=\r\n', '=E9', '=e9', '==', '=ZZ', '=\n', '=?', '?=', '_', '%C3%A9')))),
      charset,
    }),
  ),
  codec: decodeCodec,
  run({ kind, data, charset: cs }) {
    const bytes = latin1(data);
    if (kind === 'qp-roundtrip') {
      const encoded = latin1(encodeQP(bytes));
      for (const [name, got] of [
        ['lenient', decodeQuotedPrintable(encoded)],
        ['exact', decodeQuotedPrintableLines(encoded)],
      ] as const) {
        check(got.equals(bytes), () => `${name} QP decode of ${JSON.stringify(encoded.toString('latin1'))} gave ${JSON.stringify(got.toString('latin1'))}, expected ${JSON.stringify(data)}`);
      }
      return;
    }
    if (kind === 'b64-roundtrip') {
      const encoded = latin1(bytes.toString('base64').replace(/.{1,76}/g, '$&\r\n'));
      const got = decodeTransfer(encoded, 'base64');
      check(got.equals(bytes), 'base64 did not round-trip');
      const body = decodeTransferExact(encoded, 'base64');
      check(body !== undefined && body.equals(bytes), 'BINARY base64 did not round-trip');
      return;
    }
    decodeQuotedPrintable(bytes, true);
    decodeQuotedPrintableLines(bytes);
    for (const e of ['base64', 'quoted-printable', '7bit', 'x-unknown', undefined]) {
      decodeTransfer(bytes, e);
      decodeTransferExact(bytes, e);
    }
    decodeCharset(bytes, cs);
    decodeCharset(bytes, cs, JUNK_TEXT);
    decodeHeaderValue(data);
    decodeEncodedWords(data, JUNK_TEXT);
    parseAddressList(data);
  },
});
