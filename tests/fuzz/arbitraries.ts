/**
 * Building blocks for protocol-shaped inputs: what hostile clients send is mostly well-formed
 * with one thing wrong (a literal with the wrong count, a NUL in an atom, a line a megabyte long,
 * parentheses nested a thousand deep), so the generators below mix the grammar's own pieces with
 * the bytes that break it.
 */
import { fc } from './driver';

/** Bytes that parsers trip over: line ends in every combination, NUL, DEL, 8-bit, quotes, escapes. */
export const nastyChar = fc.constantFrom(
  '\r\n',
  '\n',
  '\r',
  '\r\r\n',
  '\0',
  '\x7f',
  '\x80',
  '\xff',
  '\xc3\xa9', // é in UTF-8
  '\xed\xa0\x80', // a UTF-16 surrogate as UTF-8 (invalid)
  '"',
  '\\',
  ' ',
  '\t',
  '(',
  ')',
  '{',
  '}',
  '[',
  ']',
  '<',
  '>',
  '*',
  '%',
  '=',
  ':',
  ';',
  ',',
  '@',
  '.',
  '-',
  '+',
);

/** A short run of characters of the given alphabet. */
export function word(alphabet: string, maxLength = 12): fc.Arbitrary<string> {
  return fc.array(fc.constantFrom(...alphabet.split('')), { minLength: 1, maxLength }).map((a) => a.join(''));
}

export const atomChars = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_$#!&\'+/=?^`|~';
export const atom = word(atomChars);

/** Any string of bytes (as a latin1 string), weighted to short. */
export const rawBytes = (maxLength = 64): fc.Arbitrary<string> =>
  fc.uint8Array({ maxLength }).map((a) => Buffer.from(a).toString('latin1'));

/** Numbers as clients write them: small, boundary values, huge, signed, with leading zeros. */
export const numberText = fc.oneof(
  fc.nat({ max: 20 }).map(String),
  fc.constantFrom('0', '00', '01', '4294967295', '4294967296', '9007199254740991', '9007199254740993', '99999999999999999999', '-1', '1e3', '0x10', '+5'),
  fc.nat().map(String),
);

/** A quoted string, sometimes broken: unterminated, bad escape, raw CR/LF/NUL inside. */
export const quoted = fc.oneof(
  fc.string({ maxLength: 16 }).map((s) => '"' + s.replace(/["\\]/g, (c) => '\\' + c) + '"'),
  fc.array(fc.oneof(atom, nastyChar), { maxLength: 6 }).map((a) => '"' + a.join('')),
  fc.array(fc.oneof(atom, nastyChar), { maxLength: 6 }).map((a) => '"' + a.join('') + '"'),
);

/** Text pasted `n` times: long lines, long atoms, long runs of one character. */
export function repeated(piece: fc.Arbitrary<string>, max = 5000): fc.Arbitrary<string> {
  return fc.tuple(piece, fc.integer({ min: 2, max })).map(([p, n]) => p.repeat(Math.min(n, Math.ceil(200_000 / Math.max(1, p.length)))));
}

/** Deep nesting: `open` n times, an inner piece, `close` m times (m often differs from n). */
export function nested(open: string, close: string, inner: fc.Arbitrary<string>, max = 2000): fc.Arbitrary<string> {
  return fc
    .tuple(fc.integer({ min: 1, max }), inner, fc.oneof(fc.constant(-1), fc.integer({ min: 0, max })))
    .map(([n, mid, m]) => open.repeat(n) + mid + close.repeat(m < 0 ? n : m));
}

/** Joins pieces with spaces, sometimes with none, sometimes with two or a tab. */
export function sentence(pieces: fc.Arbitrary<string>, maxLength = 8): fc.Arbitrary<string> {
  return fc
    .tuple(fc.array(pieces, { minLength: 1, maxLength }), fc.constantFrom(' ', ' ', ' ', '', '  ', '\t'))
    .map(([a, sep]) => a.join(sep));
}

/** Cuts a buffer into chunks at random places, as TCP delivers it (one byte at a time included). */
export function chunked(data: fc.Arbitrary<Buffer>): fc.Arbitrary<Buffer[]> {
  return data.chain((buf) =>
    fc.oneof(
      fc.constant([buf]),
      // Views, not copies: a Buffer per byte was a fifth of the IMAP reader target's time.
      fc.constant(buf.length <= 4096 ? Array.from({ length: buf.length }, (_, i) => buf.subarray(i, i + 1)) : [buf]),
      fc.array(fc.nat({ max: buf.length }), { maxLength: 8 }).map((cuts) => {
        const points = [...new Set(cuts)].sort((a, b) => a - b);
        const out: Buffer[] = [];
        let at = 0;
        for (const p of points) {
          out.push(buf.subarray(at, p));
          at = p;
        }
        out.push(buf.subarray(at));
        return out.filter((c) => c.length > 0);
      }),
    ),
  );
}

export const latin1 = (s: string): Buffer => Buffer.from(s, 'latin1');

/** RFC 5322 header and body pieces for message parsers. */
export const headerName = fc.oneof(
  fc.constantFrom('From', 'To', 'Cc', 'Subject', 'Date', 'Message-ID', 'Content-Type', 'Content-Transfer-Encoding', 'Content-Disposition', 'MIME-Version', 'Received', 'Reply-To', 'Sender', 'In-Reply-To', 'References', 'X-Spam-Flag', 'content-type'),
  atom,
);

export const mimeType = fc.oneof(
  fc.constantFrom('text/plain', 'text/html', 'multipart/mixed', 'multipart/alternative', 'multipart/digest', 'multipart/related', 'message/rfc822', 'message/global', 'application/octet-stream', 'image/png', 'multipart', 'text/', '/plain', 'MULTIPART/MIXED'),
  fc.tuple(atom, atom).map(([a, b]) => `${a}/${b}`),
);

export const transferEncoding = fc.constantFrom('7bit', '8bit', 'binary', 'base64', 'quoted-printable', 'BASE64', 'x-uuencode', '');

export const charset = fc.constantFrom('utf-8', 'UTF-8', 'iso-8859-1', 'us-ascii', 'windows-1252', 'koi8-r', 'iso-2022-jp', 'shift_jis', 'gb2312', 'x-unknown', 'utf-7', 'utf-16', '');

/** Encoded words (RFC 2047), good and broken. */
export const encodedWord = fc.oneof(
  fc.tuple(charset, fc.constantFrom('B', 'Q', 'b', 'q', 'X'), fc.oneof(fc.base64String({ maxLength: 24 }), word('abc=_?0123456789ABCDEF', 20))).map(([c, e, t]) => `=?${c}?${e}?${t}?=`),
  fc.constantFrom('=?', '?=', '=?utf-8?', '=?utf-8?B?', '=?utf-8?Q?=E9?=', '=?utf-8*fr?Q?a?='),
);

/** A parameter list: ; name=value, quoted values, RFC 2231 continuations and charsets. */
export const params = fc.array(
  fc.oneof(
    fc.tuple(fc.constantFrom('boundary', 'charset', 'name', 'filename', 'format', 'type', 'report-type'), fc.oneof(atom, quoted)).map(([k, v]) => `; ${k}=${v}`),
    fc.tuple(fc.constantFrom('filename*', 'filename*0', 'filename*1', 'filename*0*', 'name*'), fc.oneof(atom, quoted, fc.constant("utf-8''%C3%A9"))).map(([k, v]) => `;${k}=${v}`),
    fc.constantFrom(';', '; ', ';=', '; boundary=', '; boundary=""', ';boundary="a'),
  ),
  { maxLength: 4 },
).map((a) => a.join(''));

/** A message generator: headers, then either a leaf body or a multipart whose parts recurse. */
export const message: fc.Arbitrary<string> = fc.letrec<{ msg: string; body: string }>((tie) => ({
  msg: fc
    .tuple(
      fc.array(
        fc.tuple(headerName, fc.oneof(fc.string({ maxLength: 30 }), encodedWord, fc.tuple(mimeType, params).map(([t, p]) => t + p), transferEncoding), fc.constantFrom('\r\n', '\n', '\r\n\t', '\r\n ')).map(([n, v, e]) => `${n}: ${v}${e}`),
        { maxLength: 6 },
      ),
      fc.tuple(mimeType, params),
      transferEncoding,
      fc.constantFrom('\r\n', '\n', '', '\r\n\r\n'),
      tie('body'),
    )
    .map(([hs, [type, p], cte, sep, body]) => `${hs.join('')}Content-Type: ${type}${p}\r\nContent-Transfer-Encoding: ${cte}\r\n${sep}${body}`),
  body: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.string({ maxLength: 80 }),
    rawBytes(80),
    fc.base64String({ maxLength: 80 }),
    fc.constantFrom('=\r\n', '=E9=', '==', '=ZZ', 'a=\r\nb', '.\r\n', '\r\n.\r\n', 'begin 644 x\r\n`\r\nend\r\n'),
    fc
      .tuple(fc.constantFrom('b', 'boundary', '', '=_x', '--', 'a b'), fc.array(tie('msg'), { maxLength: 3 }), fc.boolean(), fc.string({ maxLength: 10 }))
      .map(([b, parts, close, pre]) => `${pre}\r\n${parts.map((p) => `--${b}\r\n${p}\r\n`).join('')}${close ? `--${b}--\r\n` : ''}`),
  ),
})).msg;

/** A message with one of the shapes that stress parsers: deep nesting, many parts, huge headers. */
export const hostileMessage = fc.oneof(
  fc.integer({ min: 1, max: 400 }).map((n) => {
    // multipart nested n deep, each level its own boundary
    let m = 'Subject: deep\r\n';
    for (let i = 0; i < n; i++) m += `Content-Type: multipart/mixed; boundary="b${i}"\r\n\r\n--b${i}\r\n`;
    return m + 'Content-Type: text/plain\r\n\r\nleaf\r\n';
  }),
  fc.integer({ min: 1, max: 400 }).map((n) => 'Content-Type: message/rfc822\r\n\r\n'.repeat(n) + 'Subject: inner\r\n\r\nbody'),
  fc.integer({ min: 1, max: 5000 }).map((n) => `Content-Type: multipart/mixed; boundary=x\r\n\r\n${'--x\r\n\r\n'.repeat(n)}--x--\r\n`),
  fc.integer({ min: 1, max: 5000 }).map((n) => `Subject: ${'a'.repeat(n)}\r\n${'X-H: v\r\n'.repeat(n)}\r\nbody`),
  fc.integer({ min: 1, max: 20000 }).map((n) => 'Subject: x\r\n' + ' folded\r\n'.repeat(n) + '\r\n'),
  fc.integer({ min: 1, max: 2000 }).map((n) => `Content-Type: text/plain${'; a=b'.repeat(n)}\r\n\r\nx`),
  fc.integer({ min: 1, max: 2000 }).map((n) => `Subject: ${'=?utf-8?B?w6k=?= '.repeat(n)}\r\n\r\nx`),
  fc.integer({ min: 1, max: 2000 }).map((n) => `To: ${'"a" <b@c>, '.repeat(n)}(${'('.repeat(n)}\r\n\r\nx`),
  fc.integer({ min: 1, max: 50000 }).map((n) => `Content-Type: multipart/mixed; boundary=-\r\n\r\n${'-'.repeat(n)}`),
);
