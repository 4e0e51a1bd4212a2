import test from 'node:test';
import assert from 'node:assert/strict';
import { CommandCursor, ParseError } from '../../server/imap/protocol/command-cursor';
import { parseSequenceSet, resolveSet, formatSet, withinRange } from '../../server/imap/protocol/sequence-set';
import { decodeMailboxName, encodeMailboxName } from '../../server/mail/mutf7';
import { nstring } from '../../server/imap/protocol/encode';
import { parseDateTime, formatInternalDate } from '../../server/imap/protocol/imap-date';
import { parseFetchItems } from '../../server/imap/commands/fetch';
import { parseSearch } from '../../server/imap/commands/search';
import { summarize } from '../../server/imap/mime/summary';
import { sectionRange } from '../../server/imap/mime/sections';
import { parseAddressList } from '../../server/mail/mime/address';
import { MULTIPART } from './helpers';

const cursor = (line: string) => new CommandCursor({ lines: [Buffer.from(line)], literals: [] });

test('tokenizer reads atoms, quoted strings, literals and lists', () => {
  const c = new CommandCursor({
    lines: [Buffer.from('a1 LOGIN "al\\"ice" {5}'), Buffer.from(' (\\Seen $Junk) NIL')],
    literals: [Buffer.from('p\r\nw\x7f')],
  });
  assert.equal(c.tag(), 'a1');
  c.sp();
  assert.equal(c.atom(), 'LOGIN');
  c.sp();
  assert.equal(c.astring().toString(), 'al"ice');
  c.sp();
  assert.deepEqual(c.astring(), Buffer.from('p\r\nw\x7f'));
  c.sp();
  assert.deepEqual(c.flagList(), ['\\Seen', '$Junk']);
  c.sp();
  assert.equal(c.nstring(), null);
  c.end();
});

test('a literal may not hold NUL; a literal8 (~{n}) may', () => {
  const plain = new CommandCursor({ lines: [Buffer.from('a1 LOGIN {3}'), Buffer.from('')], literals: [Buffer.from('a\0b')] });
  plain.tag();
  plain.sp();
  plain.atom();
  plain.sp();
  assert.throws(() => plain.astring(), /NUL is not allowed in a literal/);
  const binary = new CommandCursor({ lines: [Buffer.from('a1 APPEND x ~{3}'), Buffer.from('')], literals: [Buffer.from('a\0b')] });
  binary.tag();
  binary.sp();
  binary.atom();
  binary.sp();
  binary.atom();
  binary.sp();
  assert.ok(binary.maybe('~'));
  assert.deepEqual(binary.string(), Buffer.from('a\0b'));
});

test('tokenizer rejects malformed input with ParseError', () => {
  assert.throws(() => cursor('"unterminated').string(), ParseError);
  assert.throws(() => cursor('(a b').list(() => cursor('x').atom()), ParseError);
  assert.throws(() => cursor('{5}').string(), ParseError); // announced literal that never came
  const c = cursor('abc def');
  c.atom();
  assert.throws(() => c.end(), ParseError);
});

test('sequence sets: ranges, *, either order, UID ranges beyond the last UID', () => {
  assert.deepEqual(resolveSet(parseSequenceSet('1,3:4,6:*'), [1, 2, 3, 4, 5, 6, 7]), [1, 3, 4, 6, 7]);
  assert.deepEqual(resolveSet(parseSequenceSet('4:2'), [1, 2, 3, 4, 5]), [2, 3, 4]);
  assert.deepEqual(resolveSet(parseSequenceSet('10:*'), [3, 7]), [7]);
  assert.deepEqual(resolveSet(parseSequenceSet('*'), []), []);
  assert.throws(() => parseSequenceSet('0'), ParseError);
  assert.throws(() => parseSequenceSet('1:2:3'), ParseError);
  assert.throws(() => parseSequenceSet('a'), ParseError);
  assert.equal(formatSet([1, 2, 3, 7, 9, 10]), '1:3,7,9:10');
  assert.equal(withinRange(parseSequenceSet('1:*'), 0), true);
  assert.equal(withinRange(parseSequenceSet('2,4'), 3), false);
  assert.equal(withinRange(parseSequenceSet('5:*'), 3), true);
});

test('modified UTF-7 mailbox names round-trip', () => {
  assert.equal(encodeMailboxName('Entwürfe'), 'Entw&APw-rfe');
  assert.equal(encodeMailboxName('A&B'), 'A&-B');
  assert.equal(encodeMailboxName('日本語'), '&ZeVnLIqe-');
  for (const name of ['Entwürfe', 'A&B', '日本語/子', 'plain', '😀 smile']) assert.equal(decodeMailboxName(encodeMailboxName(name)), name);
  assert.throws(() => decodeMailboxName('&ZeVn'));
});

test('strings are quoted when safe, literals otherwise', () => {
  assert.equal(nstring('a "b" \\c'), '"a \\"b\\" \\\\c"');
  assert.equal(nstring(null), 'NIL');
  assert.equal(nstring('x\r\ny'), '{4}\r\nx\r\ny');
  assert.equal(nstring(Buffer.from('é')), '{2}\r\n\xc3\xa9');
});

test('dates', () => {
  const d = parseDateTime('17-Jul-1996 02:44:25 -0700');
  assert.equal(d.toISOString(), '1996-07-17T09:44:25.000Z');
  assert.equal(formatInternalDate(d), '17-Jul-1996 09:44:25 +0000');
  assert.throws(() => parseDateTime('17-Foo-1996 02:44:25 -0700'), ParseError);
});

test('FETCH items: macros, sections, partials', () => {
  const c = new CommandCursor({ lines: [Buffer.from('(UID BODY.PEEK[1.2.HEADER.FIELDS.NOT (To Cc)]<10.20> RFC822.SIZE BODY[])')], literals: [] });
  const items = parseFetchItems(c);
  c.end();
  assert.equal(items.length, 4);
  assert.deepEqual(items[1], {
    kind: 'SECTION',
    label: 'BODY[1.2.HEADER.FIELDS.NOT (To Cc)]',
    section: { path: [1, 2], text: 'HEADER.FIELDS.NOT', fields: ['To', 'Cc'] },
    partial: { start: 10, length: 20 },
    peek: true,
  });
  const all = parseFetchItems(new CommandCursor({ lines: [Buffer.from('ALL')], literals: [] }));
  assert.deepEqual(all.map((i) => i.kind), ['FLAGS', 'INTERNALDATE', 'RFC822.SIZE', 'ENVELOPE']);
  assert.throws(() => parseFetchItems(new CommandCursor({ lines: [Buffer.from('BODY[0]')], literals: [] })), ParseError);
  assert.throws(() => parseFetchItems(new CommandCursor({ lines: [Buffer.from('(FLAGS BOGUS)')], literals: [] })), ParseError);
});

test('SEARCH programs: OR, NOT, lists, charset', () => {
  // A literal where a search key should be is a syntax error, not a crash.
  const c = new CommandCursor({ lines: [Buffer.from(' SINCE 1-Feb-1994 {4}'), Buffer.from('')], literals: [Buffer.from('café')] });
  assert.throws(() => parseSearch(c), ParseError);
  const ok = new CommandCursor({ lines: [Buffer.from(' CHARSET UTF-8 OR (FROM bob SEEN) NOT UID 1:* SUBJECT {5}'), Buffer.from('')], literals: [Buffer.from('caf\xc3\xa9', 'latin1')] });
  const parsed = parseSearch(ok);
  ok.end();
  assert.equal(parsed.charset, 'UTF-8');
  assert.equal(parsed.key.op, 'and');
});

test('MIME structure: envelope, bodystructure, sections', () => {
  const buf = Buffer.from(MULTIPART);
  const s = summarize(buf);
  assert.match(s.envelope, /^\("Tue, 8 Feb 1994 10:00:00 \+0000" "=\?utf-8\?q\?caf=C3=A9\?= report" \(\("Bob Q\. Example" NIL "bob" "example\.org"\)\)/);
  assert.match(s.envelope, /\(NIL NIL "Group" NIL\)\(NIL NIL "carol" "example.org"\)\(NIL NIL "dave" "example.org"\)\(NIL NIL NIL NIL\)/);
  assert.match(s.bodystructure, /^\(\("text" "plain" \("charset" "utf-8"\) NIL NIL "quoted-printable" \d+ 1 /);
  assert.match(s.bodystructure, /"mixed" \("boundary" "outer"\) NIL NIL NIL\)$/);
  assert.match(s.body, /^\(\("text" "plain" \("charset" "utf-8"\) NIL NIL "quoted-printable" \d+ 1\)/);
  const slice = (sec: Parameters<typeof sectionRange>[1]) => {
    const r = sectionRange(s.tree, sec);
    return r && buf.subarray(r.start, r.end).toString();
  };
  assert.equal(slice({ path: [1] }), 'The quarterly caf=C3=A9 report.\r\nSecond line.');
  assert.equal(slice({ path: [2] }), 'AAECAwQFBgc=');
  assert.equal(slice({ path: [2], text: 'MIME' })?.startsWith('Content-Type: application/octet-stream'), true);
  assert.equal(slice({ path: [3], text: 'HEADER' }), 'From: inner@example.org\r\nSubject: inner message\r\n\r\n');
  assert.equal(slice({ path: [3], text: 'TEXT' }), 'Inner body.');
  assert.equal(slice({ path: [3, 1] }), 'Inner body.');
  assert.equal(slice({ path: [4] }), undefined);
  assert.equal(slice({ path: [], text: 'TEXT' })?.startsWith('preamble'), true);
});

test('MIME structure of a message without headers or content type', () => {
  const s = summarize(Buffer.from('\r\njust a body\r\n'));
  assert.equal(s.envelope, '(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL)');
  assert.equal(s.body, '("text" "plain" ("charset" "us-ascii") NIL NIL "7BIT" 13 1)');
  const single = summarize(Buffer.from('Subject: x\r\n\r\nbody'));
  assert.equal(sectionRange(single.tree, { path: [1] })?.start, 14);
  const broken = summarize(Buffer.from('Content-Type: multipart/mixed\r\n\r\nno boundary'));
  assert.match(broken.bodystructure, /^\("text" "plain"/);
});

test('address lists: display names, comments, routes, missing domains', () => {
  assert.deepEqual(parseAddressList('"Doe, John" <john@x.org>, jane@y.org (Jane Y)'), [
    { name: 'Doe, John', adl: null, mailbox: 'john', host: 'x.org' },
    { name: 'Jane Y', adl: null, mailbox: 'jane', host: 'y.org' },
  ]);
  assert.deepEqual(parseAddressList('<@relay.org:joe@z.org>'), [{ name: null, adl: '@relay.org', mailbox: 'joe', host: 'z.org' }]);
  assert.deepEqual(parseAddressList('undisclosed-recipients:;'), [
    { name: null, adl: null, mailbox: 'undisclosed-recipients', host: null },
    { name: null, adl: null, mailbox: null, host: null },
  ]);
  assert.deepEqual(parseAddressList('localonly'), [{ name: null, adl: null, mailbox: 'localonly', host: '' }]);
});
