/** server/mail/mime: the shared decoders' options and the part tree's bounds. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeCharset } from '../../server/mail/mime/charset';
import { decodeEncodedWords, decodeHeaderValue } from '../../server/mail/mime/encoded-words';
import { decodeBase64, decodeQuotedPrintable, decodeQuotedPrintableLines, decodeTransfer, decodeTransferExact } from '../../server/mail/mime/transfer';
import { parameterMap, parameterizedField } from '../../server/mail/mime/parameters';
import { parseMime } from '../../server/mail/mime/tree';
import { leafParts, parseMessage } from '../../server/junk/mime';
import { SieveMessage } from '../../server/sieve/message';

test('base64: padding ends the data unless BINARY asks to continue; base64url only on request', () => {
  assert.equal(decodeBase64(Buffer.from('QQ==\r\nQkM=')).toString(), 'A');
  assert.equal(decodeBase64(Buffer.from('QQ==\r\nQkM='), { afterPadding: 'continue' }).toString('latin1'), 'A\x04$');
  assert.equal(decodeBase64(Buffer.from('__8=')).toString('hex'), '');
  assert.equal(decodeBase64(Buffer.from('__8='), { urlSafe: true }).toString('hex'), 'ffff');
});

test('quoted-printable: lenient for reading, exact for BINARY', () => {
  assert.equal(decodeQuotedPrintable(Buffer.from('a=3Db=\r\nc= \r\nd=ZZ')).toString('latin1'), 'a=bcd=ZZ');
  assert.equal(decodeQuotedPrintable(Buffer.from('a_b=5F'), true).toString(), 'a b_');
  assert.equal(decodeQuotedPrintableLines(Buffer.from('a  \nb=\r\nc')).toString(), 'a\r\nbc');
  assert.equal(decodeTransfer(Buffer.from('x'), 'x-uuencode').toString(), 'x');
  assert.equal(decodeTransferExact(Buffer.from('x'), 'x-uuencode'), undefined);
});

test('charsets: latin1 for mislabelled ASCII and iconv-lite are options', () => {
  const bytes = Buffer.from([0x63, 0x61, 0x66, 0xc3, 0xa9]);
  assert.equal(decodeCharset(bytes, 'us-ascii'), 'café');
  assert.equal(decodeCharset(bytes, '"US-ASCII"', { latin1ForAscii: true }), 'cafÃ©');
  assert.equal(decodeCharset(Buffer.from('+AOk-'), 'utf-7'), '+AOk-');
  assert.equal(decodeCharset(Buffer.from('+AOk-'), 'utf-7', { iconv: true }), 'é');
  assert.equal(decodeCharset(Buffer.from([0xef, 0xbb, 0xbf, 0x61]), 'utf-8', { stripBom: true }), 'a');
});

test('encoded words: adjacent words join, charsets are reported, raw 8-bit header bytes read as UTF-8', () => {
  const seen = new Set<string>();
  assert.equal(decodeEncodedWords('=?utf-8?B?R3LDvMOfZQ==?= =?ISO-8859-1*fr?Q?Caf=E9?= x', {}, seen), 'GrüßeCafé x');
  assert.deepEqual([...seen], ['utf-8', 'iso-8859-1']);
  assert.equal(decodeHeaderValue(Buffer.from('caf\u00e9').toString('latin1')), 'caf\u00e9');
});

test('the part tree keeps to the limits it is given', () => {
  const many = Buffer.from(`Content-Type: multipart/mixed; boundary=x\r\n\r\n${'--x\r\n\r\npart\r\n'.repeat(10)}--x--\r\n`);
  assert.equal(parseMime(many).children?.length, 10);
  assert.equal(parseMime(many, { maxParts: 4 }).children?.length, 3);
  const nested = Buffer.from('Content-Type: message/rfc822\r\n\r\n'.repeat(5) + 'Subject: inner\r\n\r\nbody');
  let depth = 0;
  for (let n = parseMime(nested, { maxDepth: 2 }); n.message; n = n.message) depth++;
  assert.equal(depth, 2);
});

test('parameters: RFC 2231 continuations join in index order, extended values decode, and win over the plain form', () => {
  const field = parameterizedField(`Attachment; filename*1*=%E2%82%AC.txt; filename*0*=utf-8'en'price%20; Name="a \\"b\\""; filename=plain.txt`);
  assert.equal(field.value, 'attachment');
  assert.equal(field.params.get('filename'), 'price €.txt');
  assert.equal(field.params.get('name'), 'a "b"');
  assert.equal(parameterMap([['title*', "iso-8859-1''caf%E9"]]).get('title'), 'café');
  // A continuation that is not extended keeps its text as written, quotes and percent signs included.
  assert.equal(parameterMap([['x*0', "utf-8''a"], ['x*1', '%41']]).get('x'), "utf-8''a%41");
});

const NESTED = [
  'Content-Type: multipart/related; boundary="=_B"',
  '',
  '--=_B',
  'Content-Type: multipart/alternative; boundary="=_BAA"',
  '',
  '--=_BAA',
  'Content-Type: text/plain',
  '',
  'inner',
  '--=_BAA--',
  '--=_B--',
  '',
].join('\r\n');

test('the junk filter and Sieve read the one part tree: a boundary that begins another is not a delimiter of it', () => {
  assert.deepEqual(leafParts(parseMessage(Buffer.from(NESTED))).map((p) => p.type), ['text/plain']);
  const sieveParts = new SieveMessage(Buffer.from(NESTED)).bodyParts();
  assert.deepEqual(sieveParts.map((p) => [p.type, p.text]), [['multipart/related', ''], ['multipart/alternative', ''], ['text/plain', 'inner']]);
});

test('Sieve: a part that starts with an empty line has an empty header (RFC 2046), its text starts after it', () => {
  const raw = Buffer.from('Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\r\nContent-Type: text/html\r\n\r\nbody\r\n--b--\r\n');
  const parts = new SieveMessage(raw).bodyParts();
  assert.deepEqual(parts[1], { type: 'text/plain', text: 'Content-Type: text/html\r\n\r\nbody' });
  const bare = new SieveMessage(Buffer.from('\r\nSubject: not a header\r\n\r\nbody'));
  assert.equal(bare.has('subject'), false);
  assert.equal(bare.rawBody(), 'Subject: not a header\r\n\r\nbody');
});
