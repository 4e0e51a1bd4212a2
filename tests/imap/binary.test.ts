import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { TestEngine } from '../helpers/engine';
import { decodeQuotedPrintableLines, decodeTransferExact } from '../../server/mail/mime/transfer';
import { storableMessage } from '../../server/imap/mime/binary';
import { loggedIn, putMessage, run, startImapEngine } from './helpers';

test('quoted-printable for BINARY: padding dropped, soft breaks joined, CRLF line ends', () => {
  const qp = Buffer.from('hello  \r\nbar=\r\n\r\nfoo\t \t= \r\n=62\r\nfoo = \t\r\nbar\r\nx=3Dy =ZZ\r\n');
  assert.equal(decodeQuotedPrintableLines(qp).toString('latin1'), 'hello\r\nbar\r\nfoo\t \tb\r\nfoo bar\r\nx=y =ZZ\r\n');
  assert.equal(decodeTransferExact(Buffer.from('aGVs\r\n bG8= \r\n'), 'Base64')!.toString(), 'hello');
  assert.equal(decodeTransferExact(Buffer.from('x'), 'x-uuencode'), undefined);
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

test('APPEND with an ordinary literal holding NUL is refused (BAD): only a literal8 may carry NUL', async () => {
  const c = await loggedIn(t);
  await run(c, 'n0', 'SELECT Drafts');
  const before = (await run(c, 'n1', 'STATUS Drafts (MESSAGES)')).find((l) => l.startsWith('* STATUS'));
  const body = Buffer.concat([Buffer.from('Subject: nul\r\n\r\nbefore'), Buffer.from([0]), Buffer.from('after\r\n')]);
  const done = c.waitFor(/^n2 /);
  c.send(Buffer.concat([Buffer.from(`n2 APPEND Drafts {${body.length}+}\r\n`), body, Buffer.from('\r\n')]));
  assert.match(await done, /^n2 BAD .*NUL.*literal8/);
  // The same bytes in a synchronising literal: refused as well, and the session goes on.
  const cont = c.waitFor(/^\+ /);
  c.send(`n3 APPEND Drafts {${body.length}}\r\n`);
  await cont;
  const done3 = c.waitFor(/^n3 /);
  c.send(Buffer.concat([body, Buffer.from('\r\n')]));
  assert.match(await done3, /^n3 BAD /);
  // NUL in any other literal (a mailbox name) is a syntax error too.
  const cont4 = c.waitFor(/^\+ /);
  c.send('n4 SELECT {7}\r\n');
  await cont4;
  const done4 = c.waitFor(/^n4 /);
  c.send(Buffer.from('IN\0BOX\r\n', 'latin1'));
  assert.match(await done4, /^n4 BAD .*NUL/);
  const after = (await run(c, 'n5', 'STATUS Drafts (MESSAGES)')).find((l) => l.startsWith('* STATUS'));
  assert.equal(after, before);
  c.close();
});

test('a stored message holding NUL (as SMTP may bring one): BODY[] and RFC822 send 0x80 in its place, sizes agree; BINARY[] has the NUL in a literal8', async () => {
  const raw = Buffer.concat([Buffer.from('Subject: nul from smtp\r\n\r\nab'), Buffer.from([0]), Buffer.from('cd\r\n'), Buffer.from('\r.\r'), Buffer.from([0, 0]), Buffer.from('\r\n')]);
  // Stored the way delivery stores (no APPEND conversion), as a message from SMTP would be.
  const uid = await putMessage(t, raw, { mailbox: 'Archive' });
  const c = await loggedIn(t);
  await run(c, 'm0', 'EXAMINE Archive');
  const lines = await run(c, 'm1', `UID FETCH ${uid} (RFC822.SIZE BODY.PEEK[])`);
  const text = lines.join('\n');
  assert.ok(!text.includes('\0'), 'no NUL goes out in a literal');
  assert.ok(text.includes(`RFC822.SIZE ${raw.length} BODY[] {${raw.length}}`), text);
  assert.ok(text.includes('ab\x80cd'), text);
  assert.ok(text.includes('\x80\x80'), text);
  const rfc822 = (await run(c, 'm2', `UID FETCH ${uid} (RFC822)`)).join('\n');
  assert.ok(!rfc822.includes('\0') && rfc822.includes('ab\x80cd'), rfc822);
  const partial = (await run(c, 'm3', `UID FETCH ${uid} (BODY.PEEK[TEXT]<2.3>)`)).join('\n');
  assert.ok(partial.includes('BODY[TEXT]<2> {3}') && partial.includes('\x80cd'), partial);
  const binary = await run(c, 'm4', `UID FETCH ${uid} (BINARY.PEEK[])`);
  assert.match(binary[0], new RegExp(`BINARY\\[\\] ~\\{${raw.length}\\}$`));
  assert.ok(binary.join('\n').includes('ab\0cd'));
  c.close();
});

test('a large message holding NUL, read as a stream, also goes out with 0x80 and its full size', async () => {
  const filler = Buffer.alloc(200 * 1024, 'x');
  for (let i = 1023; i < filler.length; i += 1024) filler[i] = 0x0a;
  filler[100_000] = 0;
  const raw = Buffer.concat([Buffer.from('Subject: big nul\r\n\r\n'), filler, Buffer.from('\r\n')]);
  const uid = await putMessage(t, raw, { mailbox: 'Archive' });
  const c = await loggedIn(t);
  await run(c, 'g0', 'EXAMINE Archive');
  const lines = await run(c, 'g1', `UID FETCH ${uid} (BODY.PEEK[])`);
  const text = lines.join('\n');
  assert.ok(text.includes(`BODY[] {${raw.length}}`), lines[0]);
  assert.ok(!text.includes('\0'));
  assert.equal(text.split('\x80').length - 1, 1);
  c.close();
});
