import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { TestEngine } from '../helpers/engine';
import { parseImapUrl } from '../../server/imap/commands/imap-url';
import { loggedIn, putMessage, run, startImapEngine, userId } from './helpers';

let t: TestEngine;
let uid: number;

before(async () => {
  t = await startImapEngine();
  uid = await putMessage(t, 'From: foo@example.com\r\nSubject: source\r\n\r\nHello world body\r\n', { mailbox: 'Archive' });
});
after(() => t.stop());

const lit = (text: string) => `{${Buffer.byteLength(text)}+}\r\n${text}`;

test('IMAP URLs as CATENATE uses them', () => {
  assert.deepEqual(parseImapUrl('/INBOX;UIDVALIDITY=7/;UID=3/;SECTION=1.HEADER/;PARTIAL=2.5', 'alice'), {
    mailbox: 'INBOX',
    uidValidity: 7,
    uid: 3,
    section: { path: [1], text: 'HEADER' },
    partial: { start: 2, length: 5 },
  });
  assert.equal(parseImapUrl('imap://alice@mail.example.test/Entw%26APw-rfe/;uid=1', 'alice').mailbox, 'Entwürfe');
  assert.throws(() => parseImapUrl('imap://bob@host/INBOX/;UID=1', 'alice'), /another user/);
  assert.throws(() => parseImapUrl('/INBOX', 'alice'), /not an IMAP message URL/);
});

test('MULTIAPPEND stores every message or none, and APPENDUID lists them all', async () => {
  const c = await loggedIn(t);
  const r = await run(c, 'a1', `APPEND Drafts (\\Seen) ${lit('Subject: one\r\n\r\n1\r\n')} ${lit('Subject: two\r\n\r\n2\r\n')}`);
  const m = /^a1 OK \[APPENDUID (\d+) (\d+):(\d+)\]/.exec(r.pop()!);
  assert.ok(m && Number(m[3]) === Number(m[2]) + 1);
  const before = t.engine.ctx.store.mailbox(userId(t), 'Drafts')!.messageCount;
  const bad = await run(c, 'a2', `APPEND Drafts ${lit('Subject: three\r\n\r\n3\r\n')} CATENATE (URL "/Archive;UIDVALIDITY=1/;UID=${uid}")`);
  assert.match(bad.pop()!, /^a2 NO \[BADURL \/Archive;UIDVALIDITY=1\/;UID=\d+\]/);
  assert.equal(t.engine.ctx.store.mailbox(userId(t), 'Drafts')!.messageCount, before);
  c.close();
});

test('CATENATE joins text and parts of stored messages', async () => {
  const c = await loggedIn(t);
  const r = await run(c, 'a1', `APPEND Sent CATENATE (URL "/Archive/;UID=${uid}/;SECTION=HEADER" TEXT ${lit('new body\r\n')} URL "/Archive/;UID=${uid}/;SECTION=1/;PARTIAL=6.5")`);
  assert.match(r.pop()!, /^a1 OK \[APPENDUID/);
  await run(c, 'a2', 'EXAMINE Sent');
  const body = await run(c, 'a3', 'FETCH 1 BODY.PEEK[]');
  assert.deepEqual(body.slice(1, 5), ['From: foo@example.com', 'Subject: source', '', 'new body']);
  assert.equal(body[5], 'world)');
  assert.match((await run(c, 'a4', `APPEND Sent CATENATE (URL "/Nope/;UID=1")`)).pop()!, /^a4 NO \[BADURL/);
  assert.match((await run(c, 'a5', 'APPEND Sent CATENATE ()')).pop()!, /^a5 BAD/);
  c.close();
});

test('URLAUTH: GENURLAUTH signs a URL, URLFETCH serves it to the user it names, RESETKEY voids it', async () => {
  const c = await loggedIn(t);
  const gen = await run(c, 'a1', `GENURLAUTH "imap://alice@mail.example.test/Archive/;uid=${uid}/;section=1;urlauth=user+alice" INTERNAL`);
  const url = /^\* GENURLAUTH "(.*)"$/.exec(gen[0])![1];
  assert.match(url, /;urlauth=user\+alice:internal:[0-9a-f]{64}$/);
  const fetched = await run(c, 'a2', `URLFETCH "${url}"`);
  assert.deepEqual(fetched.slice(0, 2), [`* URLFETCH "${url}" {18}`, 'Hello world body']);
  const forged = url.replace(/.$/, (ch) => (ch === '0' ? '1' : '0'));
  assert.ok((await run(c, 'a3', `URLFETCH "${forged}"`)).includes(`* URLFETCH "${forged}" NIL`));
  assert.match((await run(c, 'a4', `GENURLAUTH "imap://bob@x/INBOX/;uid=1;urlauth=anonymous" INTERNAL`)).pop()!, /^a4 NO/);
  assert.match((await run(c, 'a5', 'RESETKEY Archive')).pop()!, /^a5 OK/);
  assert.ok((await run(c, 'a6', `URLFETCH "${url}"`)).includes(`* URLFETCH "${url}" NIL`));
  c.close();
});
