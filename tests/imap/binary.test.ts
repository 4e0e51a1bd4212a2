import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { TestEngine } from '../helpers/engine';
import { decodeBody, decodeQuotedPrintableBody, storableMessage } from '../../server/imap/mime/binary';
import { loggedIn, putMessage, run, startImapEngine } from './helpers';

test('quoted-printable for BINARY: padding dropped, soft breaks joined, CRLF line ends', () => {
  const qp = Buffer.from('hello  \r\nbar=\r\n\r\nfoo\t \t= \r\n=62\r\nfoo = \t\r\nbar\r\nx=3Dy =ZZ\r\n');
  assert.equal(decodeQuotedPrintableBody(qp).toString('latin1'), 'hello\r\nbar\r\nfoo\t \tb\r\nfoo bar\r\nx=y =ZZ\r\n');
  assert.equal(decodeBody(Buffer.from('aGVs\r\n bG8= \r\n'), 'Base64')!.toString(), 'hello');
  assert.equal(decodeBody(Buffer.from('x'), 'x-uuencode'), undefined);
});

test('a message with NUL bytes is stored with those parts in base64', () => {
  const raw = Buffer.concat([
    Buffer.from('Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\ntext\r\n--b\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: binary\r\n\r\n'),
    Buffer.from([0, 1, 2, 0xff]),
    Buffer.from('\r\n--b--\r\n'),
  ]);
  const stored = storableMessage(raw).toString('latin1');
  assert.ok(!stored.includes('\0'));
  assert.ok(stored.includes('Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\nAAEC/w==\r\n--b--\r\n'), stored);
  assert.ok(stored.includes('\r\n\r\ntext\r\n--b\r\n'));
  const plain = Buffer.from('Subject: x\r\n\r\nno nul here\r\n');
  assert.equal(storableMessage(plain), plain);
});

let t: TestEngine;

before(async () => {
  t = await startImapEngine();
  await putMessage(
    t,
    'Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Transfer-Encoding: base64\r\n\r\nYQ1iCmMAZA==\r\n--b\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\ncaf=C3=A9 =\r\nau lait\r\n--b\r\nContent-Transfer-Encoding: x-strange\r\n\r\n??\r\n--b--\r\n',
    { mailbox: 'Junk' },
  );
});
after(() => t.stop());

test('FETCH BINARY, BINARY.PEEK with partial, BINARY.SIZE; literal8 only when NUL is in the data', async () => {
  const c = await loggedIn(t);
  await run(c, 'a0', 'SELECT Junk');
  const sizes = await run(c, 'a1', 'FETCH 1 (BINARY.SIZE[1] BINARY.SIZE[2])');
  assert.ok(sizes.includes('* 1 FETCH (BINARY.SIZE[1] 7 BINARY.SIZE[2] 13)'), sizes.join('\n'));
  const first = await run(c, 'a2', 'FETCH 1 (BINARY.PEEK[1])');
  assert.equal(first[0], '* 1 FETCH (BINARY[1] ~{7}');
  const second = await run(c, 'a3', 'FETCH 1 (BINARY.PEEK[2]<2.6>)');
  assert.equal(second[0], '* 1 FETCH (BINARY[2]<2> {6}');
  assert.match((await run(c, 'a4', 'FETCH 1 (BINARY.PEEK[3])')).pop()!, /^a4 NO \[UNKNOWN-CTE\]/);
  assert.match((await run(c, 'a5', 'FETCH 1 (BINARY.PEEK[1.MIME])')).pop()!, /^a5 BAD/);
  const seen = await run(c, 'a6', 'FETCH 1 (BINARY[2])');
  assert.ok(seen.some((l) => /FLAGS \(\\Seen/.test(l)), seen.join('\n'));
  c.close();
});

test('APPEND with a literal8 holding NUL: BODY[] carries base64, BINARY[] the original bytes', async () => {
  const c = await loggedIn(t);
  const body = Buffer.concat([Buffer.from('Content-Transfer-Encoding: binary\r\n\r\n'), Buffer.from([0, 0x2d, 0xe4, 0x0d, 0x0a])]);
  const done = c.waitFor(/^b1 /);
  c.send(Buffer.concat([Buffer.from(`b1 APPEND Drafts ~{${body.length}+}\r\n`), body, Buffer.from('\r\n')]));
  assert.match(await done, /^b1 OK \[APPENDUID/);
  await run(c, 'b2', 'EXAMINE Drafts');
  const b = await run(c, 'b3', 'FETCH 1 (BODY.PEEK[1])');
  assert.ok(b.includes('AC3kDQo='), b.join('\n'));
  const bin = await run(c, 'b4', 'FETCH 1 (BINARY.SIZE[1] BINARY.PEEK[1])');
  assert.equal(bin[0], '* 1 FETCH (BINARY.SIZE[1] 5 BINARY[1] ~{5}');
  c.close();
});
